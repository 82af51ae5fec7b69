// Differential: stores written by real Nix are read by our tools with the same answers, and
// stores written by our tools are read and verified by real Nix. Temp chroot stores only.
import { spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { goldenDir, onPath } from '../helpers/run.js'
import { runAsync } from './store-tools.js'

const hasNix = onPath('nix-store') && onPath('nix-instantiate')
const work = mkdtempSync(join(tmpdir(), 'tsnix-store-interop-'))
afterAll(() => {
  spawnSync('chmod', ['-R', 'u+w', work])
  rmSync(work, { recursive: true, force: true })
})

function nix(cmd: string, args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: input ?? '', env: { ...process.env, NIX_CONFIG: 'substituters =' } })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

function sources(name: string): string {
  const src = join(work, name)
  mkdirSync(join(src, 'dir', 'sub'), { recursive: true })
  writeFileSync(join(src, 'hello.txt'), 'hello\n')
  writeFileSync(join(src, 'dir', 'sub', 'data'), Buffer.from([0, 1, 2, 255]))
  writeFileSync(join(src, 'dir', 'run.sh'), '#!/bin/sh\necho hi\n')
  chmodSync(join(src, 'dir', 'run.sh'), 0o755)
  symlinkSync('sub/data', join(src, 'dir', 'link'))
  return src
}

/** Every query flag, each run once over all paths (set queries then take the union, as Nix does). */
const FLAGS: string[][] = [
  ['--references'], ['--referrers'], ['--requisites'], ['--referrers-closure'], ['--deriver'], ['--hash'],
  ['--size'], ['--tree'], ['--graph'], ['-R', '--include-outputs'],
]

async function compareQueries(root: string, paths: string[], drvs: string[]): Promise<void> {
  const runs = [...FLAGS.map((f) => [...f, ...paths]), ['--outputs', ...drvs], ['--requisites', '--include-outputs', ...drvs]]
  for (const args of runs) {
    const want = nix('nix-store', ['--store', root, '-q', ...args])
    const got = await runAsync('store-query', ['--store', root, ...args])
    expect({ args: args.slice(0, 2), status: got.status, stdout: got.stdout, stderr: got.stderr })
      .toEqual({ args: args.slice(0, 2), status: want.status, stdout: want.stdout, stderr: '' })
  }
  // nix path-info reads a .drv argument as "its outputs": compare the other paths.
  const plain = paths.filter((p) => !p.endsWith('.drv'))
  const info = nix('nix', ['--extra-experimental-features', 'nix-command', 'path-info', '--store', root, '--json', ...plain])
  const ours = await runAsync('store-query', ['--store', root, '--json', ...plain])
  expect(plain.length).toBeGreaterThan(3)
  expect(JSON.parse(ours.stdout)).toEqual(JSON.parse(info.stdout))
}

describe.skipIf(!hasNix)('a store written by real Nix, read by store-query', () => {
  const root = join(work, 'nix-root')
  const paths: string[] = []
  const drvs: string[] = []
  beforeAll(() => {
    const src = sources('src-nix')
    for (const args of [['--add', join(src, 'hello.txt')], ['--add', join(src, 'dir')], ['--add-fixed', 'sha1', join(src, 'hello.txt')],
      ['--add-fixed', '--recursive', 'sha512', join(src, 'dir')]]) {
      const r = nix('nix-store', ['--store', root, ...args])
      expect(r.status).toBe(0)
      paths.push(r.stdout.trim())
    }
    const expr = join(work, 'default.nix')
    copyFileSync(join(goldenDir, 'store', 'default.nix'), expr)
    for (const attr of ['top', 'uses-fixed', 'self-ref']) {
      const r = nix('nix-instantiate', ['--store', root, expr, '-A', attr])
      expect(r.status).toBe(0)
      drvs.push(r.stdout.trim())
    }
    const closure = nix('nix-store', ['--store', root, '-q', '-R', ...drvs]).stdout.trim().split('\n')
    paths.push(...closure)
  })

  it('gives the same answers as nix-store -q and nix path-info --json', async () => {
    expect(drvs).toHaveLength(3)
    await compareQueries(root, paths, drvs)
  })
})

describe.skipIf(!hasNix)('a store written by our tools, read and verified by real Nix', () => {
  const root = join(work, 'our-root')
  const paths: string[] = []
  let drv = ''
  beforeAll(async () => {
    const src = sources('src')
    const add = async (args: string[], input = ''): Promise<string> => {
      const r = await runAsync('store-add', ['--store', root, ...args], input)
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' })
      return r.stdout.trim()
    }
    paths.push(await add([join(src, 'hello.txt'), join(src, 'dir')]))
    paths.push(await add(['--fixed', 'sha1', join(src, 'hello.txt')]))
    paths.push(await add(['--fixed', 'sha512', '--recursive', join(src, 'dir')]))
    paths.push(await add(['--fixed', 'md5', join(src, 'dir', 'sub', 'data')]))
    const hello = (paths[0] as string).split('\n')[0] as string
    paths.push(await add(['--text', 'refs.txt', '--ref', hello, '-'], `see ${hello}\n`))
    const minimal = JSON.parse(readFileSync(join(goldenDir, 'drv', 'minimal', 'expected.json'), 'utf8')) as { drvPath: string; drvs: Record<string, string> }
    drv = await add(['--text', minimal.drvPath.slice(44), '-'], minimal.drvs[minimal.drvPath])
    expect(drv).toBe(minimal.drvPath)
    paths.push(drv)
  })

  it('gives the same store paths as nix-store --add / --add-fixed / toFile', () => {
    const all = paths.flatMap((p) => p.split('\n'))
    // Computed by Nix from the same file; --store keeps Nix off the system store (unprivileged runs).
    const hello = join(work, 'src', 'hello.txt')
    const fixedPath = (args: string[]): string => {
      const r = nix('nix-store', ['--store', root, '--print-fixed-path', ...args, 'hello.txt'])
      expect(r.status).toBe(0)
      return r.stdout.trim()
    }
    const source = fixedPath(['--recursive', 'sha256', nix('nix-hash', ['--type', 'sha256', hello]).stdout.trim()])
    const flatSha1 = fixedPath(['sha1', nix('nix-hash', ['--type', 'sha1', '--flat', hello]).stdout.trim()])
    expect(source).toMatch(/^\/nix\/store\/[0-9a-z]{32}-hello\.txt$/)
    expect(all).toContain(source)
    expect(all).toContain(flatSha1)
  })

  it('passes nix-store --verify --check-contents', () => {
    const r = nix('nix-store', ['--store', root, '--verify', '--check-contents'])
    expect(r.status).toBe(0)
    expect(r.stderr).toBe('reading the Nix store...\nchecking path existence...\nchecking link hashes...\nchecking store hashes...\n')
  })

  it('gives the same answers through nix-store -q and nix path-info --json', async () => {
    await compareQueries(root, paths.flatMap((p) => p.split('\n')), [drv])
  })

  it('is then verified by store-verify too, which reports a modified path like Nix', async () => {
    expect((await runAsync('store-verify', ['--store', root, '--check-contents'])).status).toBe(0)
    const victim = join(root, (paths[1] as string).slice(1).replace(/^nix\/store/, 'nix/store'))
    chmodSync(victim, 0o644)
    writeFileSync(victim, 'tampered\n')
    const ours = await runAsync('store-verify', ['--store', root, '--check-contents'])
    const theirs = nix('nix-store', ['--store', root, '--verify', '--check-contents'])
    expect(ours.status).toBe(1)
    expect(theirs.status).toBe(1)
    const line = (s: string): string | undefined => s.split('\n').find((l) => l.includes('was modified!'))
    expect(line(ours.stderr)).toBe(line(theirs.stderr))
  })
})
