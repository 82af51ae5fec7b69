#!/usr/bin/env node
// TS twins of @tsnix/nar vs the native addon: NAR hash of a 1 GiB file and reference scanning of
// 64 MiB of base-32-dense text with 100 candidates, each measured in a fresh process (peak RSS).
// Run by hand after building packages/nar: `node bench/nar-ts.mjs [--keep]`. Inputs go to bench/.work/.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const WORK = fileURLToPath(new URL('./.work/', import.meta.url))
const NAR = fileURLToPath(new URL('../packages/nar/dist/index.js', import.meta.url))
const BIG = `${WORK}nar-ts-1gib.bin`
const DENSE = `${WORK}nar-ts-dense.txt`
const B32 = '0123456789abcdfghijklmnpqrsvwxyz'

function rng(seed) {
  let x = seed >>> 0 || 1
  return () => ((x ^= x << 13), (x >>>= 0), (x ^= x >>> 17), (x ^= x << 5), (x >>>= 0))
}
const candidates = (() => {
  const r = rng(7)
  return Array.from({ length: 100 }, () => Array.from({ length: 32 }, () => B32[r() % 32]).join(''))
})()

async function child(task, impl) {
  if (impl === 'ts') process.env.TSNIX_NATIVE = '0'
  const nar = await import(NAR)
  if (impl === 'native' && !nar.nativeAvailable()) return { skipped: true }
  // Run 5 times in this process: the first run includes JIT warm-up (and, for TS, the cold loop).
  const { readFileSync } = await import('node:fs')
  const data = task === 'scan-bytes' ? readFileSync(DENSE) : undefined
  const times = []
  let result
  for (let i = 0; i < (task === 'hash' ? 3 : 5); i++) {
    const t0 = process.hrtime.bigint()
    if (task === 'hash') result = (await nar.narHashPath(BIG, 'sha256')).hash.toSri()
    if (task === 'scan-file') result = (await nar.scanReferences(DENSE, candidates)).join(',')
    if (task === 'scan-bytes') result = nar.scanBytes(data, candidates).join(',')
    times.push(Number(process.hrtime.bigint() - t0) / 1e9)
  }
  return { first: times[0], s: Math.min(...times), rss: process.resourceUsage().maxRSS / 1024, result }
}

if (process.argv[2] === '--child') {
  process.stdout.write(JSON.stringify(await child(process.argv[3], process.argv[4])))
} else {
  mkdirSync(WORK, { recursive: true })
  if (!existsSync(BIG)) spawnSync('sh', ['-c', `head -c 1073741824 /dev/urandom > '${BIG}'`])
  if (!existsSync(DENSE)) {
    const size = 64 << 20
    const b = Buffer.alloc(size)
    const r = rng(42)
    for (let i = 0; i < size; i++) b[i] = (i + 1) % 101 === 0 ? 10 : B32.charCodeAt(r() % 32)
    candidates.slice(0, 10).forEach((c, i) => b.write(c, Math.floor(((i + 0.5) * size) / 10 / 101) * 101 + 7, 'latin1'))
    writeFileSync(DENSE, b)
  }
  const sizes = { hash: 1 << 30, 'scan-file': 64 << 20, 'scan-bytes': 64 << 20 }
  console.log('task        impl     best s   best MB/s  first-run MB/s  peak RSS   result')
  for (const task of ['hash', 'scan-bytes', 'scan-file']) {
    const results = {}
    for (const impl of ['ts', 'native']) {
      const runs = []
      for (let i = 0; i < 2; i++) {
        const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', task, impl], { encoding: 'utf8' })
        if (r.status !== 0) throw new Error(r.stderr)
        runs.push(JSON.parse(r.stdout))
      }
      if (runs[0].skipped) { console.log(`${task.padEnd(11)} ${impl.padEnd(8)} (addon not built)`); continue }
      const best = runs.sort((a, b) => a.s - b.s)[0]
      results[impl] = best.result
      const mb = (t) => (sizes[task] / 1e6 / t).toFixed(0)
      console.log(`${task.padEnd(11)} ${impl.padEnd(8)} ${best.s.toFixed(3).padStart(6)} ${mb(best.s).padStart(11)} ${mb(best.first).padStart(15)} ${`${best.rss.toFixed(0)} MiB`.padStart(9)}   ${String(best.result).slice(0, 30)}`)
    }
    if (results.ts !== undefined && results.native !== undefined && results.ts !== results.native) throw new Error(`${task}: implementations disagree`)
  }
  if (!process.argv.includes('--keep')) rmSync(WORK + 'nar-ts-1gib.bin', { force: true }), rmSync(DENSE, { force: true })
}
