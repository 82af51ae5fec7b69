#!/usr/bin/env node
// NAR hashing: @tsnix/native (and the TS twin, if packages/nar is built) vs Nix 2.8.
// Run by hand: `node bench/nar-hash.mjs [--rounds N] [--keep] [--only big,small,usrlib]`.
// Inputs are created under bench/.work/ and deleted afterwards unless --keep.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import {
  HASH_TOOL, NATIVE_INDEX, WORK, gbps, has, loadNative, loadTsNar, median, opensslSha256, paired, secs, table, time, timeProcess,
} from './lib-bench.mjs'

const { values: opts } = parseArgs({
  options: { rounds: { type: 'string', default: '5' }, keep: { type: 'boolean', default: false }, only: { type: 'string' } },
})
const ROUNDS = Number(opts.rounds)
const only = opts.only ? new Set(opts.only.split(',')) : null

const native = await loadNative()
if (!native) {
  console.error('nar-hash: the addon is not built (cd native && pnpm run build:native)')
  process.exit(1)
}
const ts = await loadTsNar()
const hasNix = has('nix-hash')

function makeBig(p) {
  if (!existsSync(p)) execFileSync('sh', ['-c', `head -c 1073741824 /dev/urandom > '${p}'`])
}
function makeSmall(p) {
  if (existsSync(p)) return
  // 100 000 files of 0..299 bytes in 10 × 100 nested directories.
  let n = 0
  for (let a = 0; a < 10; a++) {
    for (let b = 0; b < 100; b++) {
      const dir = join(p, `d${a}`, `sub${b}`)
      mkdirSync(dir, { recursive: true })
      for (let c = 0; c < 100; c++) writeFileSync(join(dir, `f${c}.txt`), 'x'.repeat(n++ % 300))
    }
  }
}
function makeUsrLib(p) {
  if (!existsSync(p)) execFileSync('cp', ['-a', '/usr/lib/x86_64-linux-gnu', p])
}

const cases = [
  { name: 'big', label: '1 GiB file', path: join(WORK, 'native-big.bin'), make: makeBig },
  { name: 'small', label: '100 000 small files', path: join(WORK, 'native-small-files'), make: makeSmall },
  { name: 'usrlib', label: 'copy of /usr/lib/x86_64-linux-gnu', path: join(WORK, 'native-usrlib'), make: makeUsrLib },
].filter((c) => !only || only.has(c.name))

const limit = opensslSha256()
const candidates = Array.from({ length: 100 }, (_, i) => `${'0123456789abcdfghijklmnpqrsvwxyz'[i % 32]}${'z'.repeat(31)}`)

const oneShot = (p) =>
  `const m = await import(${JSON.stringify(NATIVE_INDEX)}); const r = await m.narHashPath(${JSON.stringify(p)}, 'sha256');` +
  ` process.stdout.write(r.digest.toString('hex') + ' ' + process.resourceUsage().maxRSS)`

const rows = []
const procRows = []
const scanRows = []
for (const c of cases) {
  c.make(c.path)
  // Let the kernel write the new files back first: writeback competes for the CPU.
  execFileSync('sync')
  // Warm the page cache and check the answer against Nix.
  const first = await native.narHashPath(c.path, 'sha256')
  if (hasNix) {
    const nix = timeProcess('nix-hash', ['--type', 'sha256', c.path]).out
    if (nix !== first.digest.toString('hex')) throw new Error(`${c.name}: native ${first.digest.toString('hex')} != nix ${nix}`)
  }
  const size = first.size

  // In-process: native vs TS twin.
  const nat = []
  for (let i = 0; i < ROUNDS; i++) nat.push((await time(() => native.narHashPath(c.path, 'sha256'))).s)
  let tsCell = 'skipped (packages/nar not built)'
  if (ts) {
    try {
      const tt = []
      for (let i = 0; i < Math.min(ROUNDS, c.name === 'small' ? 1 : 2); i++) tt.push((await time(() => ts.run((m) => m.narHashPath(c.path, 'sha256')))).s)
      tsCell = `${secs(median(tt))} (${gbps(size, median(tt))}); native ${(median(tt) / median(nat)).toFixed(1)}× faster`
    } catch (err) {
      tsCell = `failed: ${String(err).split('\n')[0].slice(0, 80)}`
    }
  }
  const pct = limit ? `${((size / median(nat) / limit) * 100).toFixed(0)}% (best ${((size / Math.min(...nat) / limit) * 100).toFixed(0)}%)` : 'n/a'
  rows.push([c.label, `${(size / 2 ** 20).toFixed(0)} MiB`, `${secs(median(nat))} (${gbps(size, median(nat))})`, pct, tsCell])

  // Whole process: node + addon vs nix-hash, and the `hash path` CLI when present.
  if (hasNix) {
    let rss = 0
    const p = await paired(
      () => timeProcess('nix-hash', ['--type', 'sha256', c.path]).s,
      () => {
        const r = timeProcess(process.execPath, ['--input-type=module', '-e', oneShot(c.path)])
        rss = Math.max(rss, Number(r.out.split(' ')[1]))
        return r.s
      },
      ROUNDS,
    )
    procRows.push([c.label, 'node -e (native)', secs(p.a.med), secs(p.b.med), `${(1 / p.ratio).toFixed(2)}×`, `${(rss / 1024).toFixed(0)} MiB`])
    if (existsSync(HASH_TOOL)) {
      try {
        const q = await paired(
          () => timeProcess('nix-hash', ['--type', 'sha256', c.path]).s,
          () => timeProcess(process.execPath, [HASH_TOOL, 'path', '--base16', c.path]).s,
          ROUNDS,
        )
        procRows.push([c.label, 'packages/nar/bin/hash.cjs path --base16', secs(q.a.med), secs(q.b.med), `${(1 / q.ratio).toFixed(2)}×`, ''])
      } catch (err) {
        procRows.push([c.label, 'packages/nar/bin/hash.cjs path --base16', '', `failed: ${String(err).split('\n')[0].slice(0, 80)}`, '', ''])
      }
    }
  }

  // Hash + scan in one pass vs hash alone (100 absent candidates: nothing found, full scan).
  const hs = await paired(
    async () => (await time(() => native.narHashPath(c.path, 'sha256'))).s,
    async () => (await time(() => native.narHashAndScan(c.path, 'sha256', candidates))).s,
    ROUNDS,
  )
  const so = []
  for (let i = 0; i < ROUNDS; i++) so.push((await time(() => native.scanReferences(c.path, candidates))).s)
  scanRows.push([c.label, secs(hs.a.med), secs(hs.b.med), `${hs.ratio.toFixed(3)}×`, `${secs(median(so))} (${gbps(size, median(so))})`])

  if (!opts.keep) rmSync(c.path, { recursive: true, force: true })
}

console.log(`\nnar-hash: ${ROUNDS} rounds, medians; openssl sha256 limit ${limit ? gbps(limit, 1) : 'n/a'}; ${new Date().toISOString()}`)
table('In-process NAR hash (sha256)', ['input', 'NAR size', 'native narHashPath', '% of openssl SHA-256', 'TS twin (TSNIX_NATIVE=0)'], rows)
table(
  'Whole process vs `nix-hash --type sha256` (paired, alternating)',
  ['input', 'tsnix command', 'nix-hash', 'tsnix', 'speed-up vs Nix', 'peak RSS (tsnix)'],
  procRows.length ? procRows : [['(nix-hash not on PATH)', '', '', '', '', '']],
)
table('One read: narHashAndScan (100 candidates) vs narHashPath', ['input', 'hash', 'hash + scan', 'ratio', 'scan only'], scanRows)
