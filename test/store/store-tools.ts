// Shared helpers of the store e2e tests: async tool runs (so many can run at once) and
// loading rows into a store database through the built @tsnix/store-db.
import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { repoRoot } from '../helpers/run.js'

export interface Run { status: number | null; stdout: string; stderr: string }

/** Run `packages/store/bin/<tool>.cjs` asynchronously. */
export function runAsync(tool: string, args: readonly string[], input = ''): Promise<Run> {
  const bin = fileURLToPath(new URL(`../../packages/store/bin/${tool}.cjs`, import.meta.url))
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, NO_COLOR: '1' } })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, stdout, stderr }))
    child.stdin.end(input)
  })
}

/** Run `jobs` with at most `width` at a time, results in order. */
export async function pool<T>(jobs: (() => Promise<T>)[], width = 4): Promise<T[]> {
  const out: T[] = new Array(jobs.length)
  let next = 0
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < jobs.length) {
      const i = next++
      out[i] = await (jobs[i] as () => Promise<T>)()
    }
  }))
  return out
}

/** Module URLs of the built libraries (the e2e package spawns built code only). */
export const storeDbUrl = pathToFileURL(`${repoRoot}packages/store-db/dist/index.js`).href
export const hashUrl = pathToFileURL(`${repoRoot}packages/hash/dist/index.js`).href

/** A row to register, JSON-friendly (narHash in any form Nix parses). */
export interface RowInfo {
  path: string; narHash: string; narSize: number; references?: string[]; deriver?: string
  registrationTime?: number; ultimate?: boolean; sigs?: string[]; ca?: string; derivationOutputs?: Record<string, string>
}

/** Node code that registers JSON rows (on stdin) in the database of a chroot store at argv[1]. */
export const REGISTER_SCRIPT = `
const { StoreDb } = await import(${JSON.stringify(storeDbUrl)})
const { Hash } = await import(${JSON.stringify(hashUrl)})
let text = ''
for await (const c of process.stdin) text += c
const rows = JSON.parse(text)
const db = StoreDb.open(process.argv[1] + '/nix/var/nix/db', { create: true })
db.registerValidPaths(rows.map((r) => ({ ...r, narHash: Hash.parse(r.narHash) })))
db.close()
`

/** Register rows in the chroot store at `root` (creating its database). */
export function registerRows(root: string, rows: readonly RowInfo[]): void {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', REGISTER_SCRIPT, root], { input: JSON.stringify(rows), encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`registering rows failed: ${r.stderr}`)
}
