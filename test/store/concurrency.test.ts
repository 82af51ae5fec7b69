// Several processes adding and registering overlapping paths in one store at the same time:
// no error, no duplicate row, no lost row, nothing half-written left behind.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { REGISTER_SCRIPT, runAsync, storeDbUrl, type RowInfo } from './store-tools.js'
import { spawnSync } from 'node:child_process'

const work = mkdtempSync(join(tmpdir(), 'tsnix-store-conc-'))
afterAll(() => {
  spawnSync('chmod', ['-R', 'u+w', work])
  rmSync(work, { recursive: true, force: true })
})

const COUNT_SCRIPT = `
const { StoreDb } = await import(${JSON.stringify(storeDbUrl)})
const db = StoreDb.open(process.argv[1] + '/nix/var/nix/db', { readOnly: true })
const all = db.queryAllValidPaths()
console.log(JSON.stringify({ all, refs: Object.fromEntries(all.map((p) => [p, db.queryReferences(p)])) }))
db.close()
`
function dbContents(root: string): { all: string[]; refs: Record<string, string[]> } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', COUNT_SCRIPT, root], { encoding: 'utf8' })
  expect(r.stderr).toBe('')
  return JSON.parse(r.stdout) as { all: string[]; refs: Record<string, string[]> }
}

function register(root: string, rows: RowInfo[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', REGISTER_SCRIPT, root])
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
    child.on('close', (status) => resolve({ status, stderr }))
    child.stdin.end(JSON.stringify(rows))
  })
}

describe('concurrent writers', () => {
  it('store-add processes adding overlapping files end with each path once', async () => {
    const root = join(work, 'add')
    const src = join(work, 'src')
    mkdirSync(join(src, 'tree', 'sub'), { recursive: true })
    const files = Array.from({ length: 12 }, (_, i) => {
      const f = join(src, `f${i}`)
      writeFileSync(f, `file ${i}\n`.repeat(1 + i * 500))
      return f
    })
    writeFileSync(join(src, 'tree', 'sub', 'x'), 'x')
    files.push(join(src, 'tree'))
    const orders = Array.from({ length: 5 }, (_, k) => files.map((_, i) => files[(i * (k + 1) + k) % files.length] as string))
    const runs = await Promise.all(orders.map((o) => runAsync('store-add', ['--store', root, ...new Set(o)])))
    for (const r of runs) expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' })
    const printed = new Set(runs.flatMap((r) => r.stdout.trim().split('\n')))
    expect(printed.size).toBe(files.length)
    const { all } = dbContents(root)
    expect(all).toEqual([...printed].sort())
    expect(readdirSync(join(root, 'nix/store')).filter((e) => e !== '.links').sort()).toEqual(all.map((p) => p.slice(11)).sort())
    const verify = await runAsync('store-verify', ['--store', root, '--check-contents'])
    expect({ status: verify.status, stderr: verify.stderr })
      .toEqual({ status: 0, stderr: 'reading the Nix store...\nchecking path existence...\nchecking link hashes...\nchecking store hashes...\n' })
  })

  it('processes registering overlapping batches with references lose nothing', async () => {
    const root = join(work, 'reg')
    const p = (i: number): string => `/nix/store/${String(i).padStart(32, '0').replace(/[eotu]/g, 'a')}-p${i}`
    const row = (i: number): RowInfo => ({
      path: p(i), narHash: `sha256:${'0'.repeat(63)}${i % 10}`, narSize: 100 + i,
      references: i > 0 ? [p(i - 1), p(Math.floor(i / 2))] : [p(0)],
    })
    // Writer k registers paths 0..(20+10k) in batches of 10, each batch needing the earlier ones.
    const writer = async (k: number): Promise<void> => {
      for (let start = 0; start < 20 + 10 * k; start += 10) {
        const r = await register(root, Array.from({ length: 10 }, (_, j) => row(start + j)))
        expect(r).toEqual({ status: 0, stderr: '' })
      }
    }
    await register(root, [row(0)])
    await Promise.all([0, 1, 2, 3].map(writer))
    const { all, refs } = dbContents(root)
    const n = 20 + 10 * 3
    expect(all).toEqual(Array.from({ length: n }, (_, i) => p(i)).sort())
    for (let i = 0; i < n; i++) expect(refs[p(i)]).toEqual([...new Set((row(i).references ?? []))].sort())
  })
})
