// CLI e2e: store-query prints exactly what nix-store -q printed for every query recorded in
// ../shared/golden/store/expected.json, on a fresh database loaded from rows.json.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadGoldenStore } from '@tsnix/test-kit'
import { pool, registerRows, runAsync, type Run } from './store-tools.js'

const { expected, pathRows } = loadGoldenStore()

const root = mkdtempSync(join(tmpdir(), 'tsnix-store-golden-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
beforeAll(() => registerRows(root, pathRows))
const q = (args: string[]): Promise<Run> => runAsync('store-query', ['--store', root, ...args])

// Every recorded query is checked in-process by packages/store (golden-queries.test.ts); here the
// tool itself answers a spread of them (each spawn costs a Node start-up).
const SAMPLE = [
  '/nix/store/s7lqgjqls01n2y87ab7fvyz86dds7cwl-top',
  '/nix/store/w3cnal3vqf9lwcf01wyv3qs7826dlbc8-top.drv',
  '/nix/store/x5qbk3rdymh6vmm8gfx4kpmkcyzfsi7b-leaf',
  '/nix/store/ilmzfgz39lscv505n0riw5m8bf1zsck8-self-ref',
  '/nix/store/9bwiqfzg31yb0nf8w979iviqdzfm6wpd-multi.drv',
]

describe('store-query output equals nix-store -q (golden/store)', () => {
  const cases: { args: string[]; out: string }[] = []
  for (const path of SAMPLE) {
    for (const [flags, out] of Object.entries(expected.queries[path] as Record<string, string>)) {
      cases.push({ args: [...flags.split(' '), path], out })
    }
  }
  // Per-argument queries print one answer per argument: one run covers every path.
  for (const flag of ['--deriver', '--hash', '--size', '--outputs']) {
    const paths = Object.keys(expected.queries).filter((p) => (expected.queries[p] as Record<string, string>)[flag] !== undefined)
    cases.push({ args: [flag, ...paths], out: paths.map((p) => (expected.queries[p] as Record<string, string>)[flag]).join('') })
  }
  for (const [path, out] of Object.entries(expected.tree)) cases.push({ args: ['--tree', path], out })
  for (const [path, out] of Object.entries(expected.graph)) cases.push({ args: ['--graph', path], out })
  for (const [path, out] of Object.entries(expected.referrersClosure)) cases.push({ args: ['--referrers-closure', path], out })

  it(`answers ${cases.length} recorded queries byte for byte`, async () => {
    const results = await pool(cases.map((c) => () => q(c.args)))
    const wrong = cases.map((c, i) => ({ ...c, got: results[i] as Run }))
      .filter((c) => c.got.status !== 0 || c.got.stdout !== c.out || c.got.stderr !== '')
      .map((c) => ({ args: c.args.join(' '), want: c.out, got: c.got }))
    expect(wrong).toEqual([])
  })

  it('path info --json -R matches nix path-info --json -r (-u for a .drv, as nix path-info does)', async () => {
    for (const [path, byCmd] of Object.entries(expected.pathInfo)) {
      const r = await q(['--json', '-R', ...(path.endsWith('.drv') ? ['-u'] : []), path])
      expect(r.status).toBe(0)
      expect(JSON.parse(r.stdout)).toEqual(byCmd['nix path-info --json -r'])
    }
  })

  it('per-argument queries concatenate like nix-store (several paths at once, -0, --stdin)', async () => {
    const paths = Object.keys(expected.queries).sort()
    const want = paths.map((p) => (expected.queries[p] as Record<string, string>)['--hash']).join('')
    expect((await q(['--hash', ...paths])).stdout).toBe(want)
    expect((await q(['--hash', '-0', ...paths])).stdout).toBe(want.replaceAll('\n', '\0'))
    expect((await runAsync('store-query', ['--store', root, '--hash', '--stdin'], paths.join('\n'))).stdout).toBe(want)
    expect((await runAsync('store-query', ['--store', root, '--size', '-'], paths.join('\n'))).stdout)
      .toBe(paths.map((p) => (expected.queries[p] as Record<string, string>)['--size']).join(''))
  })

  it('--valid-derivers (not in Nix 2.8) lists the derivations that output a path', async () => {
    const out = '/nix/store/s7lqgjqls01n2y87ab7fvyz86dds7cwl-top'
    expect(expected.validDerivers.command).toContain(out)
    const r = await q(['--valid-derivers', out])
    expect(r).toEqual({ status: 0, stdout: '/nix/store/w3cnal3vqf9lwcf01wyv3qs7826dlbc8-top.drv\n', stderr: '' })
  })
})
