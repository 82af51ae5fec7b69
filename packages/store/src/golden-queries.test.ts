import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Hash } from '@tsnix/hash'
import { StoreDb, type NewPathInfo } from '@tsnix/store-db'
import { afterAll, describe, expect, it } from 'vitest'
import { loadGoldenStore } from '@tsnix/test-kit'
import { runQuery, type QueryKind, type RunQueryOptions } from './index.js'

// Every nix-store -q answer recorded in golden/store/expected.json, through `runQuery`: the
// function the store-query tool prints (it only adds the separators). test/store runs the tool.
const { expected, pathRows } = loadGoldenStore()
const infos: NewPathInfo[] = pathRows.map((r) => ({ ...r, narHash: Hash.parse(r.narHash) }))
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
