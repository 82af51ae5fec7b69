// CLI e2e: exit codes, one-line errors and help of store-query, store-add and store-verify.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runTool } from '../helpers/run.js'

const work = mkdtempSync(join(tmpdir(), 'tsnix-store-cli-'))
afterAll(() => {
  spawnSync('chmod', ['-R', 'u+w', work])
  rmSync(work, { recursive: true, force: true })
})
const root = join(work, 'root')
const q = (args: string[], input?: string) => runTool('store', 'store-query', ['--store', root, ...args], input === undefined ? {} : { input })
let file = ''
let added = ''

beforeAll(() => {
  file = join(work, 'a.txt')
  writeFileSync(file, 'a\n')
  const r = runTool('store', 'store-add', ['--store', root, file])
  expect(r.status).toBe(0)
  added = r.stdout.toString().trim()
})

describe('store-query', () => {
  it('exits 2 with a one-line message on usage errors', () => {
    for (const args of [['--references', '--referrers', added], ['--bogus', added], ['--json', '--tree', added]]) {
      const r = q(args)
      expect(r.status).toBe(2)
      expect(r.stdout.toString()).toBe('')
      expect(r.stderr.split('\n')).toHaveLength(2)
      expect(r.stderr.startsWith('store-query: ')).toBe(true)
    }
  })

  it('exits 1 for invalid and outside paths, --roots and a missing store, like nix-store', () => {
    const invalid = '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x'
    expect(q(['--references', invalid])).toMatchObject({ status: 1, stderr: `store-query: store-db: path '${invalid}' is not valid\n` })
    expect(q(['--referrers', invalid])).toMatchObject({ status: 0 })
    expect(q(['--references', '/tmp'])).toMatchObject({ status: 1, stderr: "store-query: path '/tmp' is not in the Nix store\n" })
    expect(q(['--roots', added])).toMatchObject({ status: 1, stderr: 'store-query: --roots is not supported yet (it needs the garbage collector)\n' })
    const none = runTool('store', 'store-query', ['--store', join(work, 'none'), '--hash', added])
    expect(none.status).toBe(1)
    expect(none.stderr).toMatch(/^store-query: store-db: no store database/)
  })

  it('follows symlinks, prints outputs by default and resolves', () => {
    const link = join(work, 'result')
    symlinkSync(added, link)
    expect(q([link]).stdout.toString()).toBe(`${added}\n`)
    expect(q(['--resolve', `${added}/inner/file`]).stdout.toString()).toBe(`${added}\n`)
    expect(q(['--size', link]).stdout.toString()).toBe('120\n')
  })

  it('reads a store whose database directory it cannot write to, creating nothing', () => {
    const ro = join(work, 'ro')
    expect(runTool('store', 'store-add', ['--store', ro, file]).status).toBe(0)
    const dbDir = join(ro, 'nix/var/nix/db')
    rmSync(join(dbDir, 'db.sqlite-wal'), { force: true })
    rmSync(join(dbDir, 'db.sqlite-shm'), { force: true })
    const before = readdirSync(dbDir).sort()
    const asRoot = process.getuid?.() === 0
    let r
    if (asRoot) {
      // As another user, like someone querying a root-owned /nix/var/nix/db.
      spawnSync('chmod', ['-R', 'a+rX', work])
      const bin = fileURLToPath(new URL('../../packages/store/bin/store-query.cjs', import.meta.url))
      r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, bin, '--store', ro, '--hash', added], { encoding: 'utf8' })
    } else {
      spawnSync('chmod', ['555', dbDir])
      r = spawnSync(process.execPath, [fileURLToPath(new URL('../../packages/store/bin/store-query.cjs', import.meta.url)), '--store', ro, '--hash', added], { encoding: 'utf8' })
      spawnSync('chmod', ['755', dbDir])
    }
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' })
    expect(r.stdout).toMatch(/^sha256:[0-9a-z]{52}\n$/)
    expect(readdirSync(dbDir).sort()).toEqual(before)
  })

  it('prints help on stdout', () => {
    const r = runTool('store', 'store-query', ['--help'])
    expect(r.status).toBe(0)
    expect(r.stdout.toString()).toContain('--requisites')
  })
})

describe('store-add and store-verify', () => {
  it('reject wrong arguments with exit 2', () => {
    expect(runTool('store', 'store-add', ['--store', root, '--fixed', 'sha3', file]).status).toBe(2)
    expect(runTool('store', 'store-add', ['--store', root, '--recursive', file]).status).toBe(2)
    expect(runTool('store', 'store-add', ['--store', root, '--ref', added, file]).status).toBe(2)
    expect(runTool('store', 'store-verify', ['--store', root, 'extra']).status).toBe(2)
  })

  it('store-add reports a reference that is not valid', () => {
    const r = runTool('store', 'store-add', ['--store', root, '--text', 't', '--ref', '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x', '-'], { input: 'x' })
    expect(r.status).toBe(1)
    expect(r.stderr).toContain("path '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x' is not valid")
  })

  it('store-verify removes rows whose files are gone, as nix-store --verify', () => {
    spawnSync('chmod', ['u+w', join(root, 'nix/store')])
    rmSync(join(root, added.slice(1)), { force: true })
    const r = runTool('store', 'store-verify', ['--store', root])
    expect(r.status).toBe(0)
    expect(r.stderr).toContain(`path '${added}' disappeared, removing from database...`)
    expect(q(['--hash', added]).status).toBe(1)
  })
})
