#!/usr/bin/env node
// Benchmark: store-query vs nix-store -q on a synthetic 100 000-path store (Nix's real schema,
// random reference graph), paired runs on the same database.
//
//   pnpm turbo run build --filter @tsnix/store...   (once)
//   node bench/store-query.mjs [--paths 100000] [--runs 5]
//
// The store lives in bench/.work/store-query (git-ignored) and is reused when it already has
// the requested size. Timings are wall-clock of whole processes (start-up included), as a user
// would see them. Both tools' outputs are compared once before timing.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..')
const { values } = parseArgs({
  options: {
    paths: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '5' },
  },
})
const N = Number(values.paths)
const RUNS = Number(values.runs)
const root = join(repo, 'bench/.work/store-query')
const storeQuery = join(repo, 'packages/store/bin/store-query.cjs')

const { StoreDb } = await import(pathToFileURL(join(repo, 'packages/store-db/dist/index.js')).href)
const { Hash, nix32Encode } = await import(pathToFileURL(join(repo, 'packages/hash/dist/index.js')).href)

// Deterministic pseudo-random numbers (mulberry32), so every run builds the same graph.
let seed = 0x5eed
function rand() {
  seed = (seed + 0x6d2b79f5) | 0
  let t = seed
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const digest = (s) => createHash('sha256').update(s).digest()
const pathOf = (i) => `/nix/store/${nix32Encode(digest(`p${i}`).subarray(0, 20))}-pkg-${i}`

function build() {
  rmSync(root, { recursive: true, force: true })
  mkdirSync(join(root, 'nix/store'), { recursive: true })
  const db = StoreDb.open(join(root, 'nix/var/nix/db'), { create: true })
  const started = Date.now()
  const BATCH = 5000
  let edges = 0
  for (let start = 0; start < N; start += BATCH) {
    const rows = []
    for (let i = start; i < Math.min(N, start + BATCH); i++) {
      // Up to 8 references to earlier paths, mostly recent ones (like a package set: libraries
      // near the bottom, many mid-level dependencies), a few anywhere.
      const refs = new Set()
      const k = i === 0 ? 0 : Math.floor(rand() * 9)
      for (let j = 0; j < k; j++) {
        const far = rand() < 0.3
        const back = far ? Math.floor(rand() * i) : Math.max(0, i - 1 - Math.floor(rand() * Math.min(i, 2000)))
        refs.add(pathOf(back))
      }
      edges += refs.size
      rows.push({
        path: pathOf(i),
        narHash: new Hash('sha256', digest(`nar${i}`)),
        narSize: 1000 + i,
        references: [...refs],
        registrationTime: 1700000000,
        ultimate: true,
      })
    }
    db.registerValidPaths(rows)
  }
  db.close()
  writeFileSync(join(root, 'size'), String(N))
  console.log(`built ${N} paths, ${edges} references in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}

if (!existsSync(join(root, 'size')) || readFileSync(join(root, 'size'), 'utf8') !== String(N)) build()
else console.log(`reusing ${root} (${N} paths)`)

function time(cmd, args) {
  const t = process.hrtime.bigint()
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30 })
  const ms = Number(process.hrtime.bigint() - t) / 1e6
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`)
  return { ms, out: r.stdout }
}

const ours = (flag, p) => time(process.execPath, [storeQuery, '--store', root, flag, p])
const nix = (flag, p) => time('nix-store', ['--store', root, '-q', flag, p])
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const cases = [
  { flag: '--requisites', path: pathOf(N - 1), what: 'closure of the newest path' },
  { flag: '--referrers-closure', path: pathOf(Math.floor(N / 50)), what: 'referrers closure of an early path' },
  { flag: '--requisites', path: pathOf(40), what: 'small closure' },
]
for (const c of cases) {
  const a = ours(c.flag, c.path)
  const b = nix(c.flag, c.path)
  if (a.out !== b.out) throw new Error(`outputs differ for ${c.flag} ${c.path}`)
  const lines = a.out.split('\n').length - 1
  const tOurs = []
  const tNix = []
  for (let r = 0; r < RUNS; r++) {
    // Alternate which goes first so caches and load favour neither.
    if (r % 2 === 0) { tOurs.push(ours(c.flag, c.path).ms); tNix.push(nix(c.flag, c.path).ms) }
    else { tNix.push(nix(c.flag, c.path).ms); tOurs.push(ours(c.flag, c.path).ms) }
  }
  const mo = median(tOurs)
  const mn = median(tNix)
  console.log(`${c.flag} (${c.what}, ${lines} paths, identical output):`)
  console.log(`  store-query  median ${mo.toFixed(0)} ms  [${tOurs.map((x) => x.toFixed(0)).join(', ')}]`)
  console.log(`  nix-store -q median ${mn.toFixed(0)} ms  [${tNix.map((x) => x.toFixed(0)).join(', ')}]`)
  console.log(`  speed-up ${(mn / mo).toFixed(2)}x`)
}
console.log(`(store kept in ${root} for the next run; delete it with rm -rf)`)
