import { spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Hash, hashBytes } from '@tsnix/hash'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { golden, loadGoldenStore } from '@tsnix/test-kit'
import { SCHEMA_VERSION, StoreDb, StoreDbError, topoSortPaths, type NewPathInfo } from './index.js'

const { rows, expected, doomedPath: DOOMED, pathRows } = loadGoldenStore()
const goldenInfos = (): NewPathInfo[] => pathRows.map((r) => ({ ...r, narHash: Hash.parse(r.narHash) }))

const tmp = mkdtempSync(join(tmpdir(), 'store-db-test-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))
let n = 0
const freshDir = (): string => join(tmp, `db${n++}`)
const lines = (ps: readonly string[]): string => ps.map((p) => `${p}\n`).join('')
const fakePath = (name: string): string => `/nix/store/${hashBytes('sha256', name).toNix32().slice(0, 32)}-${name}`
const h = (s: string): Hash => hashBytes('sha256', s)
const hasSqlite3 = spawnSync('sqlite3', ['-version']).status === 0

describe('golden store (rows.json → fresh database → nix-store -q answers)', () => {
  let db: StoreDb
  beforeAll(() => {
    const dir = freshDir()
    const w = StoreDb.open(dir, { create: true })
    w.registerValidPaths(goldenInfos())
    w.close()
    db = StoreDb.open(dir, { readOnly: true })
  })
  afterAll(() => db.close())

  const queried = Object.keys(expected.queries)
  it('every queried path is in rows.json except the one deleted later', () => {
    expect(queried.filter((p) => !rows.ValidPaths.some((v) => v.path === p))).toEqual([DOOMED])
  })
  const cases = queried.flatMap((p) =>
    Object.entries(expected.queries[p] as Record<string, string>).map(([flag, out]) => [p, flag, out] as const))

  it.each(cases)('%s %s', (path, flag, out) => {
    let got: string
    switch (flag) {
      case '--references': got = lines(db.topoSortPaths(db.queryReferences(path)).reverse()); break
      case '--referrers': got = lines(db.topoSortPaths(db.queryReferrers(path)).reverse()); break
      case '--requisites': got = lines(db.queryRequisites([path])); break
      case '--requisites --include-outputs': got = lines(db.queryRequisites([path], { includeOutputs: true })); break
      case '--referrers-closure': got = lines(db.queryReferrersClosure([path])); break
      case '--deriver': got = `${db.queryPathInfo(path)?.deriver ?? 'unknown-deriver'}\n`; break
      case '--hash': got = `${db.queryPathInfo(path)?.narHash.format('nix32', true)}\n`; break
      case '--size': got = `${db.queryPathInfo(path)?.narSize}\n`; break
      case '--outputs': got = lines([...db.queryDerivationOutputs(path).values()].sort()); break
      default: throw new Error(`unhandled flag ${flag}`)
    }
    expect(got).toBe(out)
  })

  it.each(Object.entries(expected.referrersClosure))('referrers closure of %s', (path, out) => {
    expect(lines(db.queryReferrersClosure([path]))).toBe(out)
  })

  it('round-trips every column in Nix format', () => {
    expect(db.queryAllValidPaths()).toHaveLength(rows.ValidPaths.length + 1)
    for (const v of rows.ValidPaths) {
      const info = db.queryPathInfo(v.path)
      expect(info?.narHash.format('base16', true)).toBe(v.hash)
      expect(info?.narSize).toBe(v.narSize ?? 0)
      expect(info?.deriver).toBe(v.deriver ?? undefined)
      expect(info?.ca).toBe(v.ca ?? undefined)
      expect(info?.ultimate).toBe(v.ultimate === 1)
      expect(info?.registrationTime).toBe(v.registrationTime)
    }
  })

  it('answers valid derivers, hash-part lookups and invalid paths', () => {
    const leaf = '/nix/store/x5qbk3rdymh6vmm8gfx4kpmkcyzfsi7b-leaf'
    expect(db.queryValidDerivers(leaf)).toEqual(['/nix/store/5msbsz4y0ix6bwd5phmfsaipb4w9q8n1-leaf.drv'])
    expect(db.queryPathFromHashPart('x5qbk3rdymh6vmm8gfx4kpmkcyzfsi7b')).toBe(leaf)
    expect(db.queryPathFromHashPart('x5qbk3rdymh6vmm8gfx4kpmkcyzfsi7a')).toBeUndefined()
    expect(db.queryPathInfo(fakePath('nope'))).toBeUndefined()
    expect(() => db.queryRequisites([fakePath('nope')])).toThrow(/is not valid/)
    expect(db.queryReferrers(fakePath('nope'))).toEqual([])
    expect(db.isValidPath(leaf)).toBe(true)
  })

  it('refuses to write when opened read-only', () => {
    expect(() => db.registerValidPaths([{ path: fakePath('x'), narHash: h('x'), narSize: 1 }])).toThrow(StoreDbError)
  })
})

describe('database files', () => {
  it('creates Nix\'s schema and the schema file', () => {
    const dir = freshDir()
    StoreDb.open(dir, { create: true }).close()
    expect(readFileSync(join(dir, 'schema'), 'utf8')).toBe(String(SCHEMA_VERSION))
    if (hasSqlite3) {
      const ours = spawnSync('sqlite3', [join(dir, 'db.sqlite'), '.schema'], { encoding: 'utf8' }).stdout
      expect(ours).toBe(readFileSync(golden('store', 'schema.sql'), 'utf8'))
      expect(spawnSync('sqlite3', [join(dir, 'db.sqlite'), 'pragma journal_mode'], { encoding: 'utf8' }).stdout).toBe('wal\n')
    }
  })

  it('refuses unknown schema versions and missing databases with a clear error', () => {
    const dir = freshDir()
    StoreDb.open(dir, { create: true }).close()
    writeFileSync(join(dir, 'schema'), '11')
    expect(() => StoreDb.open(dir)).toThrow(/schema is version 11, but I only support 10/)
    expect(() => StoreDb.open(dir, { readOnly: true })).toThrow(/version 11/)
    writeFileSync(join(dir, 'schema'), '7')
    expect(() => StoreDb.open(dir, { readOnly: true })).toThrow(expect.objectContaining({ code: 'unknown-schema' }))
    writeFileSync(join(dir, 'schema'), 'ten')
    expect(() => StoreDb.open(dir)).toThrow(expect.objectContaining({ code: 'corrupt-schema' }))
    expect(() => StoreDb.open(freshDir(), { readOnly: true })).toThrow(expect.objectContaining({ code: 'no-database' }))
    expect(() => StoreDb.open(freshDir())).toThrow(expect.objectContaining({ code: 'no-database' }))
  })

  it('opens read-only without touching the directory (bytes unchanged, nothing in a -wal)', () => {
    const dir = freshDir()
    const w = StoreDb.open(dir, { create: true })
    w.registerValidPaths([{ path: fakePath('a'), narHash: h('a'), narSize: 8 }])
    w.close()
    const before = readFileSync(join(dir, 'db.sqlite'))
    const mtime = statSync(join(dir, 'db.sqlite')).mtimeMs
    const r = StoreDb.open(dir, { readOnly: true })
    expect(r.queryAllValidPaths()).toEqual([fakePath('a')])
    r.close()
    expect(readFileSync(join(dir, 'db.sqlite')).equals(before)).toBe(true)
    expect(statSync(join(dir, 'db.sqlite')).mtimeMs).toBe(mtime)
    // SQLite may leave an empty -wal beside a WAL database it read; it must hold nothing.
    if (existsSync(join(dir, 'db.sqlite-wal'))) expect(statSync(join(dir, 'db.sqlite-wal')).size).toBe(0)
  })

  // Root can always create -shm; test/store/cli.test.ts covers this case as another user.
  it.skipIf(process.getuid?.() === 0)('reads a WAL database whose directory it cannot write to', () => {
    const dir = freshDir()
    const w = StoreDb.open(dir, { create: true })
    w.registerValidPaths([{ path: fakePath('b'), narHash: h('b'), narSize: 8 }])
    w.close()
    const ro = freshDir()
    spawnSync('mkdir', [ro])
    copyFileSync(join(dir, 'db.sqlite'), join(ro, 'db.sqlite'))
    copyFileSync(join(dir, 'schema'), join(ro, 'schema'))
    chmodSync(ro, 0o555)
    try {
      const r = StoreDb.open(ro, { readOnly: true })
      expect(r.queryAllValidPaths()).toEqual([fakePath('b')])
      r.close()
    } finally {
      chmodSync(ro, 0o755) // so the temporary tree can be removed
    }
  })
})

describe('registration', () => {
  it('stores Nix column formats (NULL for zero size, absent deriver, false ultimate, no sigs)', () => {
    const dir = freshDir()
    const db = StoreDb.open(dir, { create: true })
    const a = fakePath('a')
    db.registerValidPaths([{ path: a, narHash: h('a'), narSize: 0, sigs: ['k:2', 'k:1'], registrationTime: 5 }])
    db.close()
    if (hasSqlite3) {
      const out = spawnSync('sqlite3', ['-separator', '|', '-nullvalue', 'NULL', join(dir, 'db.sqlite'),
        'select path, hash, registrationTime, deriver, narSize, ultimate, sigs, ca from ValidPaths'], { encoding: 'utf8' }).stdout
      expect(out).toBe(`${a}|sha256:${h('a').toBase16()}|5|NULL|NULL|NULL|k:2 k:1|NULL\n`)
    }
    const r = StoreDb.open(dir, { readOnly: true })
    expect(r.queryPathInfo(a)).toMatchObject({ narSize: 0, sigs: ['k:1', 'k:2'], ultimate: false, deriver: undefined })
    r.close()
  })

  it('allows self-references and invalidates such paths', () => {
    const db = StoreDb.open(freshDir(), { create: true })
    const a = fakePath('self')
    db.registerValidPaths([{ path: a, narHash: h('s'), narSize: 1, references: [a] }])
    expect(db.queryReferences(a)).toEqual([a])
    expect(db.queryRequisites([a])).toEqual([a])
    db.invalidatePaths([a])
    expect(db.isValidPath(a)).toBe(false)
    db.close()
  })

  it('rolls back the whole batch on a reference cycle', () => {
    const db = StoreDb.open(freshDir(), { create: true })
    const [a, b, c] = [fakePath('a'), fakePath('b'), fakePath('c')]
    expect(() => db.registerValidPaths([
      { path: c, narHash: h('c'), narSize: 1 },
      { path: a, narHash: h('a'), narSize: 1, references: [b] },
      { path: b, narHash: h('b'), narSize: 1, references: [a] },
    ])).toThrow(/cycle detected in the references of/)
    expect(db.queryAllValidPaths()).toEqual([])
    db.close()
  })

  it('rolls back when a reference is not valid', () => {
    const db = StoreDb.open(freshDir(), { create: true })
    expect(() => db.registerValidPaths([
      { path: fakePath('a'), narHash: h('a'), narSize: 1 },
      { path: fakePath('b'), narHash: h('b'), narSize: 1, references: [fakePath('zz')] },
    ])).toThrow(expect.objectContaining({ code: 'invalid-path' }))
    expect(db.queryAllValidPaths()).toEqual([])
    db.close()
  })

  it('updates an already valid path and records derivation outputs for new .drv paths', () => {
    const db = StoreDb.open(freshDir(), { create: true })
    const drv = fakePath('x.drv')
    const out = fakePath('x')
    db.registerValidPaths([{ path: drv, narHash: h('d'), narSize: 1, derivationOutputs: { out, dev: fakePath('x-dev') } }])
    db.registerValidPaths([{ path: out, narHash: h('o'), narSize: 2, deriver: drv }])
    db.registerValidPaths([{ path: out, narHash: h('o2'), narSize: 3, ultimate: true }])
    expect(db.queryPathInfo(out)).toMatchObject({ narSize: 3, ultimate: true, deriver: drv })
    expect([...db.queryDerivationOutputs(drv)]).toEqual([['dev', fakePath('x-dev')], ['out', out]])
    expect(db.queryValidDerivers(out)).toEqual([drv])
    expect(db.queryRequisites([drv], { includeOutputs: true })).toEqual([drv, out])
    expect(db.queryClosure([out], { referrers: true, includeOutputs: true })).toEqual([drv, out].sort())
    db.close()
  })

  it('refuses to invalidate a path that is still referenced, unless its referrers go too', () => {
    const db = StoreDb.open(freshDir(), { create: true })
    const [a, b] = [fakePath('a'), fakePath('b')]
    db.registerValidPaths([{ path: a, narHash: h('a'), narSize: 1 }, { path: b, narHash: h('b'), narSize: 1, references: [a] }])
    expect(() => db.invalidatePaths([a])).toThrow(expect.objectContaining({ code: 'path-in-use' }))
    db.invalidatePaths([a, b])
    expect(db.queryAllValidPaths()).toEqual([])
    db.close()
  })

  it('rejects non-store paths and non-sha256 hashes', () => {
    const db = StoreDb.open(freshDir(), { create: true })
    expect(() => db.registerValidPaths([{ path: '/tmp/x', narHash: h('a'), narSize: 1 }])).toThrow(expect.objectContaining({ code: 'bad-path' }))
    expect(() => db.registerValidPaths([{ path: fakePath('a'), narHash: hashBytes('sha1', 'a'), narSize: 1 }]))
      .toThrow(expect.objectContaining({ code: 'bad-argument' }))
    db.close()
  })
})

describe('topological order', () => {
  it('breaks ties by path order and puts referrers first', () => {
    const refs: Record<string, string[]> = { '/s/c': ['/s/a'], '/s/b': [], '/s/a': [] }
    expect(topoSortPaths(['/s/a', '/s/b', '/s/c'], (p) => refs[p] ?? [])).toEqual(['/s/c', '/s/b', '/s/a'])
  })

  it('sorts a deep chain without overflowing the stack', () => {
    const N = 200_000
    const order = topoSortPaths(Array.from({ length: N }, (_, i) => `/s/${String(i).padStart(7, '0')}`), (p) => {
      const i = Number(p.slice(3))
      return i + 1 < N ? [`/s/${String(i + 1).padStart(7, '0')}`] : []
    })
    expect(order[0]).toBe('/s/0000000')
    expect(order[N - 1]).toBe(`/s/${String(N - 1).padStart(7, '0')}`)
  })

  it('reports cycles in Nix\'s words', () => {
    expect(() => topoSortPaths(['/s/a', '/s/b'], (p) => (p === '/s/a' ? ['/s/b'] : ['/s/a'])))
      .toThrow("cycle detected in the references of '/s/a' from '/s/b'")
  })
})

describe('large closures (walked in memory) agree with the reference algorithm', () => {
  // 6000 paths: large enough that a closure over most of them is loaded in bulk.
  const N = 6000
  const path = (i: number): string => fakePath(i % 7 === 0 ? `n${i}.drv` : `n${i}`)
  let seed = 7
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed / 2147483648
  }
  const refs = new Map<string, string[]>()
  const outputs = new Map<string, string>()
  const infos: NewPathInfo[] = []
  for (let i = 0; i < N; i++) {
    const r = new Set<string>()
    if (i > 0 && i % 500 !== 0) r.add(path(i - 1)) // long chains, broken every 500 paths
    for (let k = Math.floor(rand() * 4); k > 0 && i > 0; k--) r.add(path(Math.floor(rand() * i)))
    if (i % 11 === 0) r.add(path(i))
    refs.set(path(i), [...r])
    const info: NewPathInfo = { path: path(i), narHash: h(String(i)), narSize: i + 1, references: [...r] }
    // Every .drv path outputs the next path (when that one is not a .drv).
    if (i % 7 === 0 && i + 1 < N) {
      outputs.set(path(i), path(i + 1))
      infos.push({ ...info, derivationOutputs: { out: path(i + 1) } })
    } else infos.push(info)
  }
  const dir = freshDir()
  beforeAll(() => {
    const w = StoreDb.open(dir, { create: true })
    w.registerValidPaths(infos)
    w.close()
  })

  function reference(start: string, back: boolean, withOutputs: boolean): string[] {
    const rev = new Map<string, string[]>()
    for (const [p, rs] of refs) for (const r of rs) rev.set(r, [...(rev.get(r) ?? []), p])
    const seen = new Set([start])
    const todo = [start]
    while (todo.length > 0) {
      const p = todo.pop() as string
      const next = [...(back ? rev.get(p) ?? [] : refs.get(p) ?? [])]
      if (withOutputs && !back && outputs.has(p)) next.push(outputs.get(p) as string)
      for (const q of next) if (!seen.has(q)) { seen.add(q); todo.push(q) }
    }
    return topoSortPaths(seen, (p) => refs.get(p) ?? []).reverse()
  }

  it('requisites, with and without outputs, and referrers closures', () => {
    const db = StoreDb.open(dir, { readOnly: true })
    const top = path(N - 1)
    const big = db.queryRequisites([top])
    expect(big.length).toBeGreaterThan(5000)
    expect(big).toEqual(reference(top, false, false))
    expect(db.queryRequisites([path(N - 7)], { includeOutputs: true })).toEqual(reference(path(N - 7), false, true))
    const back = db.queryReferrersClosure([path(3)])
    expect(back.length).toBeGreaterThan(5000)
    expect(back).toEqual(reference(path(3), true, false))
    const small = db.queryRequisites([path(5)])
    expect(small).toEqual(reference(path(5), false, false))
    db.close()
  })
})
