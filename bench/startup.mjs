#!/usr/bin/env node
// Start-up time of the tools that scripts run thousands of times (`xargs -n1 drv-show`):
// the median wall time of `drv-show` on a small .drv and of `hash to-base32`, next to bare
// `node -e 0`, in interleaved runs (the machine is shared and noisy). Run by hand after a build:
//   node bench/startup.mjs [runs]
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const runs = Number(process.argv[2] ?? 40)
const root = new URL('..', import.meta.url).pathname
const drv = `${root}examples/myname/store/nix/store/z3hhlxbckx4g3n9sw91nnvlkjvyw754p-myname.drv`

const cases = [
  { name: 'node -e 0', argv: ['-e', '0'] },
  { name: 'drv-show (small .drv)', argv: [`${root}packages/aterm/bin/drv-show.js`, drv] },
  { name: 'hash to-base32', argv: [`${root}packages/nar/bin/hash.js`, 'to-base32', '--type', 'sha256',
    '1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s'] },
  { name: 'nix-hash --to-base32 (Nix 2.8)', cmd: 'nix-hash', argv: ['--type', 'sha256', '--to-base32',
    '1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s'] },
].filter((c) => c.cmd ? spawnSync('sh', ['-c', `command -v ${c.cmd}`]).status === 0 : existsSync(c.argv[0]) || c.argv[0] === '-e')

const times = new Map(cases.map((c) => [c.name, []]))
for (let i = 0; i < runs; i++) {
  for (const c of cases) {
    const start = process.hrtime.bigint()
    const r = spawnSync(c.cmd ?? process.execPath, c.argv, { stdio: ['ignore', 'ignore', 'pipe'] })
    const ms = Number(process.hrtime.bigint() - start) / 1e6
    if (r.status !== 0) throw new Error(`${c.name} failed: ${r.stderr}`)
    times.get(c.name).push(ms)
  }
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1] }
const base = median(times.get('node -e 0'))
console.log(`| command | median ms (${runs} runs) | × node -e 0 |`)
console.log('| --- | --- | --- |')
for (const c of cases) {
  const m = median(times.get(c.name))
  console.log(`| ${c.name} | ${m.toFixed(1)} | ${(m / base).toFixed(2)} |`)
}
