import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Hash } from '@tsnix/hash'
import { StoreDb, type NewPathInfo } from '@tsnix/store-db'
import { afterAll, describe, expect, it } from 'vitest'
import { runQuery, type QueryKind, type RunQueryOptions } from './index.js'

// Every nix-store -q answer recorded in golden/store/expected.json, through `runQuery`: the
// function the store-query tool prints (it only adds the separators). test/store runs the tool.
const dir = fileURLToPath(new URL('../../../../shared/golden/store/', import.meta.url))
const rows = JSON.parse(readFileSync(join(dir, 'rows.json'), 'utf8')) as {
  ValidPaths: { path: string; hash: string; registrationTime: number; deriver: string | null; narSize: number | null; ultimate: number | null; sigs: string | null; ca: string | null }[]
  Refs: { referrerPath: string; referencePath: string }[]
  DerivationOutputs: { drvPath: string; id: string; path: string }[]
}
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as {
  queries: Record<string, Record<string, string>>
  tree: Record<string, string>
  graph: Record<string, string>
  referrersClosure: Record<string, string>
  pathInfo: Record<string, Record<string, unknown[]>>
}

// rows.json was read after `nix-store --delete` removed the doomed output, but the queries
// were taken while it was valid: put it back from what the queries recorded about it.
const DOOMED = '/nix/store/51b67gxbwxs8rf0h3m1adfi7hq0x5g4y-doomed'
const dq = expected.queries[DOOMED] as Record<string, string>
const infos: NewPathInfo[] = [
  { path: DOOMED, narHash: Hash.parse((dq['--hash'] as string).trim()), narSize: Number(dq['--size']), deriver: (dq['--deriver'] as string).trim(), ultimate: true },
  ...rows.ValidPaths.map((v) => ({
    path: v.path,
    narHash: Hash.parse(v.hash),
    narSize: v.narSize ?? 0,
    references: rows.Refs.filter((r) => r.referrerPath === v.path).map((r) => r.referencePath),
    deriver: v.deriver ?? undefined,
    registrationTime: v.registrationTime,
    ultimate: v.ultimate === 1,
    sigs: v.sigs === null ? [] : v.sigs.split(' '),
    ca: v.ca ?? undefined,
    derivationOutputs: Object.fromEntries(rows.DerivationOutputs.filter((d) => d.drvPath === v.path).map((d) => [d.id, d.path])),
  })),
]
const tmp = mkdtempSync(join(tmpdir(), 'store-golden-'))
const w = StoreDb.open(tmp, { create: true })
w.registerValidPaths(infos)
w.close()
const db = StoreDb.open(tmp, { readOnly: true })
afterAll(() => {
  db.close()
  rmSync(tmp, { recursive: true, force: true })
})

const text = (r: string[] | string): string => (typeof r === 'string' ? r : r.map((l) => `${l}\n`).join(''))
function query(flags: string, path: string): string {
  const words = flags.split(' ')
  const options: RunQueryOptions = { includeOutputs: words.includes('--include-outputs') }
  const kind = (words[0] as string).slice(2) as QueryKind
  return text(runQuery(db, kind, [path], options))
}

describe('nix-store -q answers (golden/store)', () => {
  const cases = Object.entries(expected.queries).flatMap(([path, byFlag]) => Object.entries(byFlag).map(([flags, out]) => [flags, path, out] as const))
  it.each(cases)('%s %s', (flags, path, out) => {
    expect(query(flags, path)).toBe(out)
  })
  it.each(Object.entries(expected.tree))('--tree %s', (path, out) => expect(query('--tree', path)).toBe(out))
  it.each(Object.entries(expected.graph))('--graph %s', (path, out) => expect(query('--graph', path)).toBe(out))
  it.each(Object.entries(expected.referrersClosure))('--referrers-closure %s', (path, out) => expect(query('--referrers-closure', path)).toBe(out))
  // nix path-info on a .drv describes its outputs: that is store-query's -u.
  it.each(Object.entries(expected.pathInfo))('--json -R %s (nix path-info --json -r)', (path, byCmd) => {
    const json = runQuery(db, 'json', [path], { recursive: true, useOutput: path.endsWith('.drv') }) as string
    expect(JSON.parse(json)).toEqual(byCmd['nix path-info --json -r'])
  })
})
