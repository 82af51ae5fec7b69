// The start-up bundles of `store-add`, `store-query` and `store-verify` (see
// scripts/bundle-tool.mjs at the root). The warm-ups use a store rooted in a temporary
// directory: add a file, a tree and a text with a reference, query them, verify the store.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundleTool } from '../../../scripts/bundle-tool.mjs'

const dist = fileURLToPath(new URL('../dist/', import.meta.url))
// (native: loaded at run time, as without the bundle)
const external = ['better-sqlite3']
const dir = mkdtempSync(join(tmpdir(), 'tsnix-store-warm-up-'))
try {
  const store = ['--store', join(dir, 'root')]
  const file = join(dir, 'hello')
  writeFileSync(file, 'hello\n')
  const tree = join(dir, 'tree')
  mkdirSync(join(tree, 'bin'), { recursive: true })
  writeFileSync(join(tree, 'bin/run'), '#!/bin/sh\necho hello\n')
  const text = join(dir, 'text')
  const paths = []

  await bundleTool({
    dist, name: 'store-add', cli: 'store-add-cli.js', external,
    async warmUp(run) {
      paths.push((await run([...store, file])).trim())
      paths.push((await run([...store, '--fixed', 'sha256', '--recursive', tree])).trim())
      writeFileSync(text, `uses ${paths[0]}\n`)
      paths.push((await run([...store, '--text', 'text', '--ref', paths[0], text])).trim())
    },
  })
  const [hello, , uses] = paths
  await bundleTool({
    dist, name: 'store-query', cli: 'store-query-cli.js', external,
    async warmUp(run) {
      await run([...store, '--hash', hello])
      await run([...store, '--references', uses])
      await run([...store, '--referrers', hello])
      await run([...store, '-R', uses])
      await run([...store, '--json', uses])
    },
  })
  await bundleTool({
    dist, name: 'store-verify', cli: 'store-verify-cli.js', external,
    async warmUp(run) {
      await run([...store])
      await run([...store, '--check-contents'])
    },
  })
} finally {
  rmSync(dir, { recursive: true, force: true })
}
