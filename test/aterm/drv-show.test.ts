/**
 * End-to-end tests of the built `drv-show` tool (build packages/aterm first:
 * `pnpm exec tsc -p tsconfig.build.json`). A temporary chroot-style store root is filled
 * with golden .drv files: DIR/nix/store/<hash>-<name>.drv.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { goldenDir, onPath, runTool } from '../helpers/run.js'

interface Case { drvPath: string; drvs: Record<string, string>; show: Record<string, unknown> }
const load = (name: string): Case => JSON.parse(readFileSync(join(goldenDir, 'drv', name, 'expected.json'), 'utf8')) as Case
const drvShow = (args: string[], options: Parameters<typeof runTool>[3] = {}): ReturnType<typeof runTool> =>
  runTool('aterm', 'drv-show', args, options)

/** `jq -S .` without jq: keys sorted recursively, 2-space indent, DEL escaped as jq does. */
const jqSorted = (value: unknown): string => {
  const sortDeep = (v: unknown): unknown => Array.isArray(v) ? v.map(sortDeep)
    : v !== null && typeof v === 'object'
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortDeep((v as Record<string, unknown>)[k])]))
      : v
  return `${JSON.stringify(sortDeep(value), null, 2).replace(/\u007f/g, '\\u007f')}\n`
}

let root: string
const names = readdirSync(join(goldenDir, 'drv'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tsnix-drv-show-'))
  mkdirSync(join(root, 'nix/store'), { recursive: true })
  for (const name of names) {
    for (const [path, text] of Object.entries(load(name).drvs)) writeFileSync(join(root, path), text)
  }
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('drv-show JSON', () => {
  it('shows one derivation as nix show-derivation does', () => {
    const c = load('outputs-out-dev-lib')
    const r = drvShow(['--store', root, c.drvPath])
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(JSON.parse(r.stdout.toString())).toEqual({ [c.drvPath]: c.show[c.drvPath] })
  })

  it.each(['diamond', 'structured-attrs', 'fod-dependent-1', 'drvpath-ref', 'sh-indented-string'])('--recursive %s equals nix show-derivation -r | jq -S .', (name) => {
    const c = load(name)
    const r = drvShow(['--store', root, '-r', c.drvPath])
    expect(r.status).toBe(0)
    expect(JSON.parse(r.stdout.toString())).toEqual(c.show)
    expect(r.stdout.toString()).toBe(jqSorted(c.show))
  })

  it('--stdin reads many paths (blank lines ignored) and pipes into jq', () => {
    const paths = ['minimal', 'chain-abc', 'placeholder'].map((n) => load(n).drvPath)
    const r = drvShow(['--store', root, '--stdin'], { input: `${paths.join('\n')}\n\n` })
    expect(r.status).toBe(0)
    expect(Object.keys(JSON.parse(r.stdout.toString()) as object)).toEqual([...paths].sort())
    if (onPath('jq')) {
      const jq = spawnSync('jq', ['-r', 'keys[]'], { input: r.stdout })
      expect(jq.stdout.toString()).toBe(`${[...paths].sort().join('\n')}\n`)
    }
  })

  it('- reads ATerm from stdin and keys it by the .drv path it would have', () => {
    const c = load('seed-two-outputs')
    const r = drvShow(['-'], { input: c.drvs[c.drvPath] as string })
    expect(r.status).toBe(0)
    expect(JSON.parse(r.stdout.toString())).toEqual({ [c.drvPath]: c.show[c.drvPath] })
  })

  it('honours NIX_STORE_DIR as the logical store dir', () => {
    const c = load('minimal')
    const r = drvShow(['-'], { input: c.drvs[c.drvPath] as string, env: { NIX_STORE_DIR: '/foo/store' } })
    expect(r.status).toBe(0)
    const key = Object.keys(JSON.parse(r.stdout.toString()) as object)[0] as string
    expect(key).toMatch(/^\/foo\/store\/[0-9a-z]{32}-minimal\.drv$/)
    expect(key.slice(-40)).not.toBe(c.drvPath.slice(-40))
  })

  it('--format v4 prints the upstream shape', () => {
    const c = load('seed-great-program')
    const r = drvShow(['--store', root, '--format', 'v4', c.drvPath])
    expect(r.status).toBe(0)
    const doc = JSON.parse(r.stdout.toString()) as Record<string, { name: string; inputDrvs: Record<string, unknown> }>
    const drv = doc[c.drvPath]
    expect(drv?.name).toBe('great-program')
    expect(Object.values(drv?.inputDrvs ?? {})).toEqual([{ dynamicOutputs: {}, outputs: ['out'] }])
  })
})

describe('drv-show --format aterm', () => {
  it.each(['minimal', 'sh-indented-string', 'fod-recursive-sha512-sri', 'structured-attrs'])('re-prints %s byte for byte', (name) => {
    const c = load(name)
    const r = drvShow(['--store', root, '--format', 'aterm', c.drvPath])
    expect(r.status).toBe(0)
    expect(r.stdout.equals(readFileSync(join(root, c.drvPath)))).toBe(true)
  })
})

describe('drv-show --check', () => {
  it('passes on derivations Nix wrote', () => {
    const c = load('fod-dependent-2')
    const r = drvShow(['--store', root, '-r', '--check', c.drvPath])
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
  })
  it('fails on a derivation whose output path was tampered with', () => {
    const c = load('minimal')
    const tampered = (c.drvs[c.drvPath] as string).replaceAll('836m0annknkxjpqz0abbmxsr41xghjyb', '00000000000000000000000000000000')
    const file = join(root, 'nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-minimal.drv')
    writeFileSync(file, tampered)
    const r = drvShow(['--store', root, '--check', '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-minimal.drv'])
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/^drv-show: check failed: .*should be \/nix\/store\/836m0annknkxjpqz0abbmxsr41xghjyb-minimal/)
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1)
  })
})

describe('drv-show errors: exit codes and one-line messages', () => {
  it('missing file: exit 1', () => {
    const r = drvShow(['--store', root, '/nix/store/00000000000000000000000000000000-nope.drv'])
    expect(r.status).toBe(1)
    expect(r.stdout.length).toBe(0)
    expect(r.stderr).toMatch(/^drv-show: cannot read '.*00000000000000000000000000000000-nope\.drv': no such file or directory\n$/)
  })
  it('not a .drv: exit 1', () => {
    const r = drvShow(['--store', root, '/nix/store/00000000000000000000000000000000-x'])
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/^drv-show: .*is not a derivation.*\n$/)
  })
  it('malformed drv: exit 1 with the byte offset', () => {
    const input = 'Derive([("out","/nix/store/x","","")],[],['
    const r = drvShow(['-'], { input })
    expect(r.status).toBe(1)
    expect(r.stderr).toBe(`drv-show: <stdin>: aterm: input ends early, expected '"' (at byte ${input.length})\n`)
  })
  it('malformed drv file in the store: exit 1 naming the path', () => {
    const file = join(root, 'nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-bad.drv')
    const text = 'Derive([("out","/nix/store/x","","")],[],[],"s","b\\q",[],[])'
    writeFileSync(file, text)
    const r = drvShow(['--store', root, '/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-bad.drv'])
    expect(r.status).toBe(1)
    expect(r.stderr).toBe(`drv-show: /nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-bad.drv: aterm: bad escape '\\q' (Nix writes only \\" \\\\ \\n \\r \\t) (at byte ${text.indexOf('\\q')})\n`)
  })
  it.each([[['--bogus']], [[]], [['--format', 'yaml', '-']], [['--stdin', '-']]])('usage error %j: exit 2', (args) => {
    const r = drvShow(args, { input: '' })
    expect(r.status).toBe(2)
    expect(r.stdout.length).toBe(0)
    expect(r.stderr).toMatch(/^drv-show: .*\(see 'drv-show --help'\)\n$/)
  })
  it('--help: exit 0 on stdout', () => {
    const r = drvShow(['--help'])
    expect(r.status).toBe(0)
    expect(r.stdout.toString()).toMatch(/--recursive/)
  })
})
