#!/usr/bin/env node
// Reference scanning: @tsnix/native vs the TS twin (if packages/nar is built).
// There is no Nix CLI that only scans; Nix 2.8's scanner (references.cc) runs at
// memory speed on ordinary binaries but 6–43 MB/s on base-32-dense text.
// Run by hand: `node bench/ref-scan.mjs [--rounds N] [--keep]`. Inputs go to bench/.work/.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { WORK, gbps, loadNative, loadTsNar, median, mbps, paired, secs, table, time } from './lib-bench.mjs'

const { values: opts } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, keep: { type: 'boolean', default: false } } })
const ROUNDS = Number(opts.rounds)

const native = await loadNative()
if (!native) {
  console.error('ref-scan: the addon is not built (cd native && pnpm run build:native)')
  process.exit(1)
}
const ts = await loadTsNar()

const BASE32 = '0123456789abcdfghijklmnpqrsvwxyz'
/** Deterministic pseudo-random generator (xorshift32). */
function rng(seed) {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x
  }
}
const hashParts = (n, seed) => {
  const r = rng(seed)
  return Array.from({ length: n }, () => Array.from({ length: 32 }, () => BASE32[r() % 32]).join(''))
}

// 64 MiB of base-32 text: lines of 100 random base-32 characters.
const SIZE = 64 << 20
const dense = Buffer.alloc(SIZE)
{
  const r = rng(42)
  for (let i = 0; i < SIZE; i++) dense[i] = (i + 1) % 101 === 0 ? 10 : BASE32.charCodeAt(r() % 32)
}

const rows = []
const fileRows = []
const densePath = join(WORK, 'native-dense.txt')
for (const n of [1, 100, 10_000]) {
  const candidates = hashParts(n, 1000 + n)
  // Plant up to 10 candidates (inside lines, possibly next to other base-32 text).
  const data = Buffer.from(dense)
  const planted = candidates.slice(0, Math.min(10, n))
  planted.forEach((c, i) => data.write(c, Math.floor(((i + 0.5) * SIZE) / planted.length / 101) * 101 + 7, 'latin1'))
  const want = [...planted].sort()

  const got = native.scanBytes(data, candidates)
  if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`scanBytes(${n}): ${got} != ${want}`)
  const t = []
  for (let i = 0; i < ROUNDS; i++) t.push((await time(() => native.scanBytes(data, candidates))).s)
  let tsCell = 'skipped (packages/nar not built)'
  if (ts) {
    const tt = []
    const r = await ts.run((m) => m.scanBytes(data, candidates))
    if (JSON.stringify([...r].sort()) !== JSON.stringify(want)) throw new Error(`TS scanBytes(${n}) disagrees`)
    for (let i = 0; i < Math.min(ROUNDS, 3); i++) tt.push((await time(() => ts.run((m) => m.scanBytes(data, candidates)))).s)
    tsCell = mbps(SIZE, median(tt))
  }
  rows.push([`64 MiB base-32 text, ${n} candidates`, gbps(SIZE, median(t)), gbps(SIZE, Math.min(...t)), tsCell, '6–43 MB/s (brief)'])

  // From a file: scan only, and hash + scan in one read vs hash alone.
  writeFileSync(densePath, data)
  const refs = await native.scanReferences(densePath, candidates)
  if (JSON.stringify(refs) !== JSON.stringify(want)) throw new Error(`scanReferences(${n}) disagrees`)
  const so = []
  for (let i = 0; i < ROUNDS; i++) so.push((await time(() => native.scanReferences(densePath, candidates))).s)
  const hs = await paired(
    async () => (await time(() => native.narHashPath(densePath, 'sha256'))).s,
    async () => (await time(() => native.narHashAndScan(densePath, 'sha256', candidates))).s,
    ROUNDS,
  )
  fileRows.push([`native-dense.txt, ${n} candidates`, gbps(SIZE, median(so)), secs(hs.a.med), secs(hs.b.med), `${hs.ratio.toFixed(3)}×`])
}

// Ordinary data: random bytes in memory, and a copy of /usr/lib/x86_64-linux-gnu from disk.
const ordinary = randomBytes(256 << 20)
const cands = hashParts(10_000, 7)
const ot = []
for (let i = 0; i < ROUNDS; i++) ot.push((await time(() => native.scanBytes(ordinary, cands))).s)
rows.push(['256 MiB random bytes, 10 000 candidates', gbps(ordinary.length, median(ot)), gbps(ordinary.length, Math.min(...ot)), '', 'memory speed (brief)'])

const usrlib = join(WORK, 'native-usrlib')
const madeUsrLib = !existsSync(usrlib)
if (madeUsrLib) execFileSync('cp', ['-a', '/usr/lib/x86_64-linux-gnu', usrlib])
{
  const first = await native.narHashPath(usrlib, 'sha256')
  const so = []
  for (let i = 0; i < ROUNDS; i++) so.push((await time(() => native.scanReferences(usrlib, cands))).s)
  const hs = await paired(
    async () => (await time(() => native.narHashPath(usrlib, 'sha256'))).s,
    async () => (await time(() => native.narHashAndScan(usrlib, 'sha256', cands))).s,
    ROUNDS,
  )
  fileRows.push(['/usr/lib copy, 10 000 candidates', gbps(first.size, median(so)), secs(hs.a.med), secs(hs.b.med), `${hs.ratio.toFixed(3)}×`])
}

console.log(`\nref-scan: ${ROUNDS} rounds, medians; ${new Date().toISOString()}; RSS now ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`)
table('In-memory scan (scanBytes)', ['input', 'native (median)', 'native (best)', 'TS twin', 'Nix 2.8'], rows)
table('From disk: scanReferences, and narHashAndScan vs narHashPath (paired)', ['input', 'scan only', 'hash', 'hash + scan', 'ratio'], fileRows)

if (!opts.keep) {
  rmSync(densePath, { force: true })
  if (madeUsrLib) rmSync(usrlib, { recursive: true, force: true })
}
