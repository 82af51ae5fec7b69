// The start-up bundles of `hash`, `nar` and `ref-scan` (see scripts/bundle-tool.mjs at the
// root). The warm-ups run each tool's common commands on a small tree in a temporary directory.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundleTool } from '../../../scripts/bundle-tool.mjs'

const dist = fileURLToPath(new URL('../dist/', import.meta.url))
const { dumpPath } = await import(`${dist}index.js`)

const sha256 = '1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s'
const ref = '/nix/store/c0izjdgymxgsg6g8ssrz0pf4lzyr00c4-nice-dependency'
const dir = mkdtempSync(join(tmpdir(), 'tsnix-nar-warm-up-'))
try {
  const tree = join(dir, 'tree')
  mkdirSync(join(tree, 'bin'), { recursive: true })
  writeFileSync(join(tree, 'README'), `refers to ${ref}\n`)
  writeFileSync(join(tree, 'bin/run'), '#!/bin/sh\necho hello\n')
  chmodSync(join(tree, 'bin/run'), 0o755)
  symlinkSync('bin/run', join(tree, 'run'))
  const nar = join(dir, 'tree.nar')
  const chunks = []
  for await (const chunk of dumpPath(tree)) chunks.push(chunk)
  writeFileSync(nar, Buffer.concat(chunks))
  const candidates = join(dir, 'candidates')
  writeFileSync(candidates, `${ref}\n`)

  await bundleTool({
    dist, name: 'hash', cli: 'cli/hash.js',
    async warmUp(run) {
      await run(['to-base32', '--type', 'sha256', sha256])
      await run(['to-sri', '--type', 'sha256', sha256])
      await run(['to-base16', `sha256:${sha256}`])
      await run(['file', join(tree, 'README')])
      await run(['path', tree])
    },
  })
  await bundleTool({
    dist, name: 'nar', cli: 'cli/nar.js',
    // (zstd is loaded only for compressed NARs)
    external: ['zstd-napi/binding.js'],
    async warmUp(run) {
      await run(['dump', tree])
      await run(['ls', '-R', nar, '/'])
      await run(['ls', '--json', nar, '/'])
      await run(['cat', nar, '/README'])
    },
  })
  await bundleTool({
    dist, name: 'ref-scan', cli: 'cli/ref-scan.js',
    async warmUp(run) {
      await run(['--candidates', candidates, tree])
      await run(['--all', tree])
    },
  })
} finally {
  rmSync(dir, { recursive: true, force: true })
}
