// Shared helpers for bench/nar-hash.mjs and bench/ref-scan.mjs (run by hand, never as tests).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const WORK = fileURLToPath(new URL('./.work/', import.meta.url))
mkdirSync(WORK, { recursive: true })

export const NATIVE_INDEX = `${ROOT}native/index.js`
export const TS_NAR_DIST = `${ROOT}packages/nar/dist/index.js`
export const HASH_TOOL = `${ROOT}packages/nar/bin/hash.cjs`

/** The addon, or null when it is not built. */
export async function loadNative() {
  try {
    return await import(NATIVE_INDEX)
  } catch {
    return null
  }
}

/** The pure-TS twin from packages/nar's built dist (forced to its TS path), or null. */
export async function loadTsNar() {
  if (!existsSync(TS_NAR_DIST)) return null
  let mod
  try {
    mod = await withoutNative(() => import(TS_NAR_DIST))
  } catch {
    return null
  }
  /** Runs `f(mod)` with the native addon disabled (the loader reads TSNIX_NATIVE on every call). */
  return { mod, run: (f) => withoutNative(() => f(mod)) }
}

async function withoutNative(f) {
  const before = process.env.TSNIX_NATIVE
  process.env.TSNIX_NATIVE = '0'
  try {
    return await f()
  } finally {
    if (before === undefined) delete process.env.TSNIX_NATIVE
    else process.env.TSNIX_NATIVE = before
  }
}

export const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** Wall time in seconds of an async or sync function. */
export async function time(f) {
  const t = process.hrtime.bigint()
  const r = await f()
  return { s: Number(process.hrtime.bigint() - t) / 1e9, r }
}

/** Runs a command, returns wall seconds, stdout and status. */
export function timeProcess(cmd, args, env = process.env) {
  const t = process.hrtime.bigint()
  const p = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, env })
  const s = Number(process.hrtime.bigint() - t) / 1e9
  if (p.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${p.stderr}`)
  return { s, out: p.stdout.trim() }
}

/**
 * Alternates `a` and `b` for `rounds` rounds (the machine is noisy) and returns
 * their medians, minima and the median of the per-round ratios b/a.
 */
export async function paired(a, b, rounds) {
  const ta = []
  const tb = []
  const ratios = []
  for (let i = 0; i < rounds; i++) {
    const first = i % 2 === 0
    const x = first ? await a() : await b()
    const y = first ? await b() : await a()
    const [sa, sb] = first ? [x, y] : [y, x]
    ta.push(sa)
    tb.push(sb)
    ratios.push(sb / sa)
  }
  return { a: { med: median(ta), min: Math.min(...ta) }, b: { med: median(tb), min: Math.min(...tb) }, ratio: median(ratios) }
}

export const gbps = (bytes, s) => `${(bytes / s / 1e9).toFixed(2)} GB/s`
export const mbps = (bytes, s) => `${(bytes / s / 1e6).toFixed(0)} MB/s`
export const secs = (s) => `${s.toFixed(3)} s`

/** Prints a markdown table. */
export function table(title, header, rows) {
  console.log(`\n### ${title}\n`)
  console.log(`| ${header.join(' | ')} |`)
  console.log(`|${header.map(() => '---').join('|')}|`)
  for (const r of rows) console.log(`| ${r.join(' | ')} |`)
}

/** Single-core SHA-256 limit measured with openssl, in bytes/s (null without openssl). */
export function opensslSha256() {
  if (!has('openssl')) return null
  const p = spawnSync('openssl', ['speed', '-evp', 'sha256', '-bytes', '262144', '-seconds', '2'], { encoding: 'utf8' })
  const line = p.stdout.trim().split('\n').pop() ?? ''
  const k = Number.parseFloat(line.split(/\s+/)[1] ?? '')
  return Number.isFinite(k) ? k * 1000 : null
}

export const require = createRequire(import.meta.url)
