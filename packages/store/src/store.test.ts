import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { chmod } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { goldenDir } from '@tsnix/test-kit'
import {
  LocalStore, StoreError, lockPath, pathInfoJson, renderDotGraph, renderTree, resolveStoreConfig, runQuery, type StoreConfig,
} from './index.js'

const golden = goldenDir
const tmp = mkdtempSync(join(tmpdir(), 'store-test-'))
afterAll(async () => {
  // Store objects are read-only: make them writable before removing.
  const walk = (p: string): void => {
    const st = lstatSync(p)
    if (st.isSymbolicLink()) return
    chmodSync(p, st.isDirectory() ? 0o755 : 0o644)
    if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n))
  }
  walk(tmp)
  rmSync(tmp, { recursive: true, force: true })
})
let n = 0
const freshConfig = (): StoreConfig => resolveStoreConfig({ store: join(tmp, `root${n++}`), env: {} })

describe('store configuration', () => {
  it('lays out a chroot store like nix-store --store ROOT', () => {
    const c = resolveStoreConfig({ store: '/tmp/r', env: {} })
    expect(c).toMatchObject({
      storeDir: '/nix/store', realStoreDir: '/tmp/r/nix/store', stateDir: '/tmp/r/nix/var/nix',
      logDir: '/tmp/r/nix/var/log/nix', dbDir: '/tmp/r/nix/var/nix/db', rootDir: '/tmp/r',
    })
    expect(resolveStoreConfig({ store: 'local?root=/tmp/r', env: {} }).realStoreDir).toBe('/tmp/r/nix/store')
    expect(resolveStoreConfig({ store: './r', env: {}, cwd: '/w' }).rootDir).toBe('/w/r')
  })

  it('honours NIX_STORE_DIR, NIX_STATE_DIR and NIX_LOG_DIR for the system store', () => {
    const c = resolveStoreConfig({ store: 'local', env: { NIX_STORE_DIR: '/s', NIX_STATE_DIR: '/st', NIX_LOG_DIR: '/l' } })
    expect(c).toMatchObject({ storeDir: '/s', realStoreDir: '/s', stateDir: '/st', dbDir: '/st/db', logDir: '/l', rootDir: undefined })
    expect(resolveStoreConfig({ store: '/r', env: { NIX_STORE_DIR: '/s' } }).storeDir).toBe('/s')
  })

  it('defaults to the system store when its db exists, else a per-user store', () => {
    const state = join(tmp, 'state')
    mkdirSync(join(state, 'db'), { recursive: true })
    expect(resolveStoreConfig({ env: { NIX_STATE_DIR: state } }).description).toBe('local')
    const user = resolveStoreConfig({ env: { NIX_STATE_DIR: join(tmp, 'nothing'), XDG_DATA_HOME: '/x' } })
    expect(user).toMatchObject({ storeDir: '/nix/store', realStoreDir: '/x/tsnix/nix/store', description: 'user:/x/tsnix' })
    expect(resolveStoreConfig({ env: { NIX_STATE_DIR: join(tmp, 'nothing'), HOME: '/h' } }).rootDir).toBe('/h/.local/share/tsnix')
  })

  it('rejects stores it cannot open', () => {
    expect(() => resolveStoreConfig({ store: 'daemon', env: {} })).toThrow(StoreError)
    expect(() => resolveStoreConfig({ store: 'https://cache.nixos.org', env: {} })).toThrow(/not supported/)
    expect(() => resolveStoreConfig({ store: 'local?state=/x', env: {} })).toThrow(/parameter 'state'/)
    expect(() => resolveStoreConfig({ store: 'foo', env: {} })).toThrow(/don't know how to open/)
  })
})

interface Listing { type: 'regular' | 'symlink' | 'directory'; executable?: boolean; target?: string; entries?: Record<string, Listing> }
interface GoldenAdd {
  ls?: Listing
  label: string; command?: string; expr?: string; input: string | null; storePath: string
  narHash: string; narSize: number; references: string[]; ca: string; contents?: string
}
/**
 * The golden input as Nix saw it: the shared copy of a directory input lost its symlink
 * (srcdir/readme-link became a regular file), so directories are rebuilt from the recorded
 * `nix nar ls` listing, taking file contents from the shared copy.
 */
async function fixture(a: GoldenAdd): Promise<string> {
  const src = join(golden, 'hash', a.input as string)
  if (a.ls === undefined || a.ls.type !== 'directory') return src
  const dest = join(tmp, `fixture-${a.label}`, basename(src))
  const build = (l: Listing, from: string, to: string): void => {
    if (l.type === 'directory') {
      mkdirSync(to)
      for (const [name, e] of Object.entries(l.entries ?? {})) build(e, join(from, name), join(to, name))
    } else if (l.type === 'symlink') symlinkSync(l.target as string, to)
    else writeFileSync(to, readFileSync(from), { mode: l.executable === true ? 0o755 : 0o644 })
  }
  mkdirSync(dirname(dest), { recursive: true })
  rmSync(dest, { recursive: true, force: true })
  build(a.ls, src, dest)
  return dest
}
const adds = (JSON.parse(readFileSync(join(golden, 'hash/store-paths.json'), 'utf8')) as { items: GoldenAdd[] }).items

describe('adding to the store (golden nix-store --add, --add-fixed, toFile, builtins.path)', async () => {
  const config = freshConfig()
  const store = await LocalStore.open(config)
  afterAll(() => store.close())
  const inputs = join(golden, 'hash')

  it.each(adds.filter((a) => a.command !== undefined))('$label', async (a) => {
    const words = (a.command as string).split(' ')
    const file = await fixture(a)
    let path: string
    if (words[1] === '--add') path = await store.addPath(file)
    else {
      const recursive = words.includes('--recursive')
      path = await store.addPath(file, { method: recursive ? 'recursive' : 'flat', algorithm: words[words.length - 2] as 'sha256' })
    }
    expect(path).toBe(a.storePath)
    expect(pathInfoJson(store.db, [path])[0]).toMatchObject({ narHash: a.narHash, narSize: a.narSize, references: a.references, ca: a.ca })
  })

  it.each(adds.filter((a) => a.label.startsWith('tofile')))('$label', async (a) => {
    for (const r of a.references) {
      if (!store.db.isValidPath(r)) {
        const src = adds.find((x) => x.storePath === r) as GoldenAdd
        if (src.input !== null) await store.addPath(join(inputs, src.input))
        else await store.addText(r.slice(44), src.contents as string)
      }
    }
    const name = /toFile "([^"]+)"/.exec(a.expr as string)?.[1] as string
    const path = await store.addText(name, a.contents as string, a.references)
    expect(path).toBe(a.storePath)
    expect(pathInfoJson(store.db, [path])[0]).toMatchObject({ narHash: a.narHash, narSize: a.narSize, references: a.references, ca: a.ca })
  })

  it('builtins.path with a name, recursive and flat', async () => {
    for (const a of adds.filter((x) => x.label.startsWith('builtins-path'))) {
      const name = /name = "([^"]+)"/.exec(a.expr as string)?.[1] as string
      const flat = (a.expr as string).includes('recursive = false')
      const path = await store.addPath(await fixture(a), { name, ...(flat ? { method: 'flat' as const } : {}) })
      expect(path).toBe(a.storePath)
      expect(store.db.queryPathInfo(path)?.ca).toBe(a.ca)
    }
  })

  it('copies canonicalised: read-only, mtime 1, executable bit kept, setuid dropped', async () => {
    const src = join(tmp, 'canon')
    mkdirSync(join(src, 'sub'), { recursive: true })
    writeFileSync(join(src, 'sub', 'f'), 'x')
    chmodSync(join(src, 'sub', 'f'), 0o666)
    writeFileSync(join(src, 'run'), '#!/bin/sh\n')
    await chmod(join(src, 'run'), 0o4755)
    symlinkSync('sub/f', join(src, 'link'))
    const path = await store.addPath(src)
    const real = store.toRealPath(path)
    const mode = (p: string): number => lstatSync(p).mode & 0o7777
    expect(mode(real)).toBe(0o555)
    expect(mode(join(real, 'sub'))).toBe(0o555)
    expect(mode(join(real, 'sub', 'f'))).toBe(0o444)
    expect(mode(join(real, 'run'))).toBe(0o555)
    for (const p of [real, join(real, 'sub', 'f'), join(real, 'link'), join(real, 'run')]) expect(lstatSync(p).mtimeMs).toBe(1000)
    expect(readdirSync(config.realStoreDir).filter((e) => e.startsWith('.tmp') || e.endsWith('.lock'))).toEqual([])
  })

  it('adds the same path from many concurrent callers once', async () => {
    const src = join(tmp, 'same.txt')
    writeFileSync(src, 'same\n')
    const paths = await Promise.all(Array.from({ length: 8 }, () => store.addPath(src)))
    expect(new Set(paths).size).toBe(1)
    expect(store.db.queryAllValidPaths().filter((p) => p === paths[0])).toHaveLength(1)
  })

  it('registers a .drv with its outputs (golden derivation)', async () => {
    const exp = JSON.parse(readFileSync(join(golden, 'drv/outputs-out-dev-lib/expected.json'), 'utf8')) as {
      drvPath: string; outputs: Record<string, string>; drvs: Record<string, string>
    }
    const name = exp.drvPath.slice(44)
    const path = await store.addText(name, exp.drvs[exp.drvPath] as string)
    expect(path).toBe(exp.drvPath)
    expect(Object.fromEntries(store.db.queryDerivationOutputs(path))).toEqual(exp.outputs)
    expect(runQuery(store.db, 'outputs', [path])).toEqual(Object.values(exp.outputs).sort())
  })

  it('rejects bad names and references outside the store', async () => {
    await expect(store.addText('bad name', 'x')).rejects.toThrow(expect.objectContaining({ code: 'bad-argument' }))
    await expect(store.addText('ok', 'x', ['/tmp/nope'])).rejects.toThrow(expect.objectContaining({ code: 'bad-argument' }))
    await expect(store.addText('ok', 'x', ['/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-gone'])).rejects.toThrow(/is not valid/)
  })
})

describe('queries', async () => {
  const store = await LocalStore.open(freshConfig())
  afterAll(() => store.close())
  const leaf = await store.addText('leaf', 'leaf\n')
  const mid = await store.addText('mid', `mid ${leaf}\n`, [leaf])
  const top = await store.addText('top', `top ${mid} ${leaf}\n`, [leaf, mid])

  it('answers the list queries in Nix order', () => {
    expect(runQuery(store.db, 'requisites', [top])).toEqual([leaf, mid, top])
    expect(runQuery(store.db, 'referrers-closure', [leaf])).toEqual([leaf, mid, top])
    expect(runQuery(store.db, 'references', [top])).toEqual([leaf, mid])
    expect(runQuery(store.db, 'referrers', [leaf])).toEqual([mid, top])
    expect(runQuery(store.db, 'deriver', [top])).toEqual(['unknown-deriver'])
    expect(runQuery(store.db, 'outputs', [top])).toEqual([top])
    expect(runQuery(store.db, 'size', [leaf])).toEqual(['120'])
  })

  it('draws trees and dot graphs', () => {
    // Nix sorts the references topologically and prints dependencies first: leaf, then mid.
    expect(renderTree(store.db, [top])).toBe(`${top}\n├───${leaf}\n└───${mid}\n    └───${leaf} [...]\n`)
    const dot = renderDotGraph(store.db, [top])
    expect(dot.startsWith('digraph G {\n')).toBe(true)
    expect(dot.split('\n').filter((l) => l.includes('->'))).toHaveLength(3)
  })

  it('prints path info as nix path-info --json', () => {
    const json = JSON.parse(runQuery(store.db, 'json', [top], { recursive: true }) as string) as { path: string }[]
    expect(json.map((j) => j.path)).toEqual([leaf, mid, top].sort())
    expect(pathInfoJson(store.db, ['/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x'])).toEqual([{ path: '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x', valid: false }])
  })

  it('follows symlinks to store paths like nix-store', async () => {
    const link = join(tmp, 'result')
    symlinkSync(top, link)
    expect(await store.followLinksToStorePath(link)).toBe(top)
    expect(await store.followLinksToStorePath(`${top}/sub/x`)).toBe(top)
    await expect(store.followLinksToStorePath('/tmp')).rejects.toThrow("path '/tmp' is not in the Nix store")
  })
})

describe('verify', () => {
  it('reports modified contents and drops rows whose file is gone', async () => {
    const store = await LocalStore.open(freshConfig())
    const a = await store.addText('a', 'a\n')
    const b = await store.addText('b', 'b\n')
    const c = await store.addText('c', `c ${b}\n`, [b])
    expect((await store.verify({ checkContents: true })).errors).toBe(false)
    chmodSync(store.toRealPath(a), 0o644)
    writeFileSync(store.toRealPath(a), 'changed\n')
    rmSync(store.toRealPath(b))
    const messages: string[] = []
    const r = await store.verify({ checkContents: true, onMessage: (m) => messages.push(m.text) })
    expect(r).toMatchObject({ errors: true, modified: [a], missing: [b], removed: [] })
    expect(messages).toContain(`path '${b}' disappeared, but it still has valid referrers!`)
    expect(messages.some((m) => m.startsWith(`path '${a}' was modified! expected hash 'sha256:`))).toBe(true)
    rmSync(store.toRealPath(c))
    const r2 = await store.verify()
    expect(r2.removed).toEqual([c, b])
    expect(store.db.isValidPath(b)).toBe(false)
    store.close()
  })
})

describe('path locks', () => {
  it('serialises holders and takes over a lock whose owner died', async () => {
    const base = join(tmp, 'locked')
    const first = await lockPath(base)
    let second = false
    const waiting = lockPath(base).then((l) => {
      second = true
      return l
    })
    await new Promise((r) => setTimeout(r, 100))
    expect(second).toBe(false)
    await first.release()
    await (await waiting).release()
    writeFileSync(`${base}.lock`, '999999999\n')
    const third = await lockPath(base, 2000)
    await third.release()
    writeFileSync(`${base}.lock`, `${process.pid + 0}\n`)
    // Our own pid in the file from an earlier run in this process: still held, times out.
    await expect(lockPath(base, 100)).rejects.toThrow(expect.objectContaining({ code: 'lock-timeout' }))
  })
})
