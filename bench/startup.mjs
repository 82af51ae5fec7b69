#!/usr/bin/env node
// Start-up time of the tools scripts run thousands of times (`xargs -n1 drv-show`): median
// wall time of `drv-show` on small .drv files and of `hash to-base32`, next to bare `node -e 0`
// and Nix's own tools, interleaved so machine noise hits all alike. Target: ≤ 1.5× `node -e 0`.
// For reference, the other tools on small inputs: `nar ls`, `ref-scan`, `store-query`.
// The tools run as programs, as users run them; their launcher starts Node without
// NODE_EXTRA_CA_CERTS, so `node -e 0` is measured that way too (and, for reference, with it).
// Run by hand after a build: `node bench/startup.mjs [runs]`.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const runs = Number(process.argv[2] ?? 40)
const here = (p) => fileURLToPath(new URL(p, import.meta.url))
const drvShow = here('../packages/aterm/bin/drv-show.cjs')
const hashTool = here('../packages/nar/bin/hash.cjs')
const narTool = here('../packages/nar/bin/nar.cjs')
const refScan = here('../packages/nar/bin/ref-scan.cjs')
const storeAdd = here('../packages/store/bin/store-add.cjs')
const storeQuery = here('../packages/store/bin/store-query.cjs')
const golden = here('../../shared/golden/drv/')
const onPath = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0

// A store root holding a few golden derivations.
const root = mkdtempSync(join(tmpdir(), 'tsnix-startup-'))
mkdirSync(join(root, 'nix/store'), { recursive: true })
const drvPath = {}
for (const name of ['minimal', 'fod-flat-sha256-base32', 'diamond']) {
  const c = JSON.parse(readFileSync(join(golden, name, 'expected.json'), 'utf8'))
  for (const [p, text] of Object.entries(c.drvs)) writeFileSync(join(root, p), text)
  drvPath[name] = c.drvPath
}
const sha256 = '1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s'

// A small tree that refers to a store path, its NAR, and a store holding the tree.
const tool = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'latin1' })
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`)
  return r.stdout
}
const tree = join(root, 'tree')
mkdirSync(join(tree, 'bin'), { recursive: true })
writeFileSync(join(tree, 'bin/run'), `#!/bin/sh\nexec ${drvPath.minimal}\n`)
writeFileSync(join(root, 'tree.nar'), tool(narTool, ['dump', tree]), 'latin1')
writeFileSync(join(root, 'candidates'), `${drvPath.minimal}\n`)
const added = tool(storeAdd, ['--store', root, tree]).trim()

const node = process.execPath
const { NODE_EXTRA_CA_CERTS: certs, ...withoutCerts } = process.env
const variants = [
  ['node -e 0', node, ['-e', '0'], withoutCerts],
  ...(certs === undefined ? [] : [['node -e 0 with NODE_EXTRA_CA_CERTS', node, ['-e', '0']]]),
  ['drv-show (input-addressed)', drvShow, ['--store', root, drvPath.minimal]],
  ['drv-show (fixed-output)', drvShow, ['--store', root, drvPath['fod-flat-sha256-base32']]],
  ['drv-show -r (4 drvs)', drvShow, ['--store', root, '-r', drvPath.diamond]],
  ['drv-show --format aterm', drvShow, ['--store', root, '--format', 'aterm', drvPath.minimal]],
  ['hash to-base32', hashTool, ['to-base32', '--type', 'sha256', sha256]],
  ['nar ls -R', narTool, ['ls', '-R', join(root, 'tree.nar'), '/']],
  ['ref-scan --candidates', refScan, ['--candidates', join(root, 'candidates'), tree]],
  ['store-query --hash', storeQuery, ['--store', root, '--hash', added]],
  ['nix-hash --to-base32 (Nix 2.8)', 'nix-hash', ['--type', 'sha256', '--to-base32', sha256]],
].filter(([, cmd]) => (cmd.startsWith('/') ? existsSync(cmd) : onPath(cmd)))

const times = new Map(variants.map(([name]) => [name, []]))
for (let i = 0; i < runs; i++) {
  for (const [name, cmd, args, env = process.env] of variants) {
    const start = process.hrtime.bigint()
    const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env })
    const ms = Number(process.hrtime.bigint() - start) / 1e6
    if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr}`)
    times.get(name).push(ms)
  }
}
rmSync(root, { recursive: true, force: true })

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]
const base = median(times.get('node -e 0'))
console.log(`| command | median ms (${runs} runs) | × node -e 0 |`)
console.log('| --- | ---: | ---: |')
for (const [name] of variants) {
  const m = median(times.get(name))
  console.log(`| ${name} | ${m.toFixed(1)} | ${(m / base).toFixed(2)} |`)
}
