#!/usr/bin/env node
// TS twins of @tsnix/nar vs the native addon, in-process times and peak RSS:
// - tree-hash / tree-scan / tree-both: narHashPath, scanReferences (100 candidates) and
//   narHashAndScan of a tree of 100 000 small files (0–2 KiB) in 1 100 nested directories,
//   with some symlinks and executables;
// - hash: narHashPath of a 1 GiB file;
// - scan-bytes / scan-file: reference scanning of 64 MiB of base-32-dense text.
// Each measurement is a fresh process running the task several times (the first run is JIT
// warm-up and cold cache, reported apart); native and TS processes alternate, and the figures
// are medians over the rounds (the machine is shared and noisy).
// Run by hand after building packages/nar: `node bench/nar-ts.mjs [--rounds N] [--keep] [task…]`.
// Inputs go to bench/.work/ and are deleted afterwards unless --keep.
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const WORK = fileURLToPath(new URL('./.work/', import.meta.url))
const NAR = fileURLToPath(new URL('../packages/nar/dist/index.js', import.meta.url))
const BIG = `${WORK}nar-ts-1gib.bin`
const DENSE = `${WORK}nar-ts-dense.txt`
const TREE = `${WORK}nar-ts-tree`
const B32 = '0123456789abcdfghijklmnpqrsvwxyz'

function rng(seed) {
  let x = seed >>> 0 || 1
  return () => ((x ^= x << 13), (x >>>= 0), (x ^= x >>> 17), (x ^= x << 5), (x >>>= 0))
}
const candidates = (() => {
  const r = rng(7)
  return Array.from({ length: 100 }, () => Array.from({ length: 32 }, () => B32[r() % 32]).join(''))
})()

function makeTree() {
  const r = rng(99)
  let n = 0
  for (let a = 0; a < 10; a++) {
    for (let b = 0; b < 100; b++) {
      const d = `${TREE}/lib${a}/pkg-${b}`
      mkdirSync(d, { recursive: true })
      for (let f = 0; f < 100; f++, n++) {
        const size = r() % 2048
        const body = Buffer.alloc(size, 0x61 + (n % 26))
        if (n % 997 === 0 && size > 40) body.write(`/nix/store/${candidates[n % 10]}-x`, 0, 'latin1')
        writeFileSync(`${d}/file-${f}.txt`, body)
        if (n % 50 === 0) chmodSync(`${d}/file-${f}.txt`, 0o755)
      }
      symlinkSync(`../pkg-${(b + 1) % 100}/file-0.txt`, `${d}/link`)
    }
  }
}

const TASKS = {
  'tree-hash': { runs: 5, go: async (nar) => (await nar.narHashPath(TREE, 'sha256')).hash.toSri() },
  'tree-scan': { runs: 5, go: async (nar) => (await nar.scanReferences(TREE, candidates)).join(',') },
  'tree-both': {
    runs: 5,
    go: async (nar) => {
      const r = await nar.narHashAndScan(TREE, 'sha256', candidates)
      return `${r.hash.toSri()} ${r.size} ${r.references.join(',')}`
    },
  },
  hash: { runs: 3, size: 1 << 30, go: async (nar) => (await nar.narHashPath(BIG, 'sha256')).hash.toSri() },
  'scan-bytes': { runs: 5, size: 64 << 20, go: async (nar, data) => nar.scanBytes(data, candidates).join(',') },
  'scan-file': { runs: 5, size: 64 << 20, go: async (nar) => (await nar.scanReferences(DENSE, candidates)).join(',') },
}

async function child(task, impl) {
  if (impl === 'ts') process.env.TSNIX_NATIVE = '0'
  const nar = await import(NAR)
  if (impl === 'native' && !nar.nativeAvailable()) return { skipped: true }
  const { readFileSync } = await import('node:fs')
  const data = task === 'scan-bytes' ? readFileSync(DENSE) : undefined
  const times = []
  let result
  for (let i = 0; i < TASKS[task].runs; i++) {
    const t0 = process.hrtime.bigint()
    result = await TASKS[task].go(nar, data)
    times.push(Number(process.hrtime.bigint() - t0) / 1e9)
  }
  return { first: times[0], s: median(times.slice(1)), rss: process.resourceUsage().maxRSS / 1024, result }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

if (process.argv[2] === '--child') {
  process.stdout.write(JSON.stringify(await child(process.argv[3], process.argv[4])))
} else {
  const args = process.argv.slice(2)
  const ri = args.indexOf('--rounds')
  const rounds = ri >= 0 ? Number(args[ri + 1]) : 3
  const tasks = args.filter((a, i) => !a.startsWith('--') && (ri < 0 || i !== ri + 1))
  const chosen = tasks.length > 0 ? tasks : Object.keys(TASKS)
  mkdirSync(WORK, { recursive: true })
  if (chosen.some((t) => t.startsWith('tree')) && !existsSync(TREE)) makeTree()
  if (chosen.includes('hash') && !existsSync(BIG)) spawnSync('sh', ['-c', `head -c 1073741824 /dev/urandom > '${BIG}'`])
  if (chosen.some((t) => t.startsWith('scan')) && !existsSync(DENSE)) {
    const size = 64 << 20
    const b = Buffer.alloc(size)
    const r = rng(42)
    for (let i = 0; i < size; i++) b[i] = (i + 1) % 101 === 0 ? 10 : B32.charCodeAt(r() % 32)
    candidates.slice(0, 10).forEach((c, i) => b.write(c, Math.floor(((i + 0.5) * size) / 10 / 101) * 101 + 7, 'latin1'))
    writeFileSync(DENSE, b)
  }
  console.log(`medians over ${rounds} alternating rounds (in-process: median of runs 2..n)`)
  console.log('task        impl     in-proc s   MB/s   first run s  peak RSS   TS/native  result')
  for (const task of chosen) {
    const runs = { ts: [], native: [] }
    for (let i = 0; i < rounds; i++) {
      for (const impl of i % 2 === 0 ? ['native', 'ts'] : ['ts', 'native']) {
        const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', task, impl], { encoding: 'utf8' })
        if (r.status !== 0) throw new Error(r.stderr)
        runs[impl].push(JSON.parse(r.stdout))
      }
    }
    const med = {}
    for (const impl of ['native', 'ts']) {
      if (runs[impl][0].skipped) { console.log(`${task.padEnd(11)} ${impl.padEnd(8)} (addon not built)`); continue }
      const results = new Set(runs[impl].map((r) => r.result))
      if (results.size !== 1) throw new Error(`${task} ${impl}: results differ between runs`)
      med[impl] = { s: median(runs[impl].map((r) => r.s)), first: median(runs[impl].map((r) => r.first)), rss: Math.max(...runs[impl].map((r) => r.rss)), result: runs[impl][0].result }
    }
    for (const impl of ['native', 'ts']) {
      const m = med[impl]
      if (m === undefined) continue
      const size = TASKS[task].size
      const mbs = size === undefined ? '-' : (size / 1e6 / m.s).toFixed(0)
      const ratio = impl === 'ts' && med.native !== undefined ? `${(m.s / med.native.s).toFixed(2)}×` : ''
      console.log(`${task.padEnd(11)} ${impl.padEnd(8)} ${m.s.toFixed(3).padStart(9)} ${mbs.padStart(6)} ${m.first.toFixed(3).padStart(12)} ${`${m.rss.toFixed(0)} MiB`.padStart(9)} ${ratio.padStart(10)}  ${String(m.result).slice(0, 30)}`)
    }
    if (med.ts !== undefined && med.native !== undefined && med.ts.result !== med.native.result) throw new Error(`${task}: implementations disagree`)
  }
  if (!args.includes('--keep')) for (const p of [BIG, DENSE, TREE]) rmSync(p, { recursive: true, force: true })
}
