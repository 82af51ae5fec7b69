// CLI e2e: zstd-compressed NARs in the `nar` tool — transparent decompression for ls/cat/restore,
// `dump --compress zstd`, the zstd CLI both ways, clear errors, and plain tools without zstd-napi.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { goldenDir, onPath, runTool } from '../helpers/run.js'

const nar = (args: string[], input?: Uint8Array | string, env?: NodeJS.ProcessEnv) =>
  runTool('nar', 'nar', args, { ...(input === undefined ? {} : { input }), ...(env === undefined ? {} : { env }) })
const bin = fileURLToPath(new URL('../../packages/nar/bin/nar.cjs', import.meta.url))
const hasZstd = onPath('zstd')
const work = mkdtempSync(join(tmpdir(), 'tsnix-nar-zstd-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const narDir = join(goldenDir, 'nar')
const cases = readdirSync(narDir).filter((n) => existsSync(join(narDir, n, 'expected.json'))).sort()

function tree(name: string): string {
  const dest = join(work, `src-${name}`)
  if (!existsSync(dest)) expect(spawnSync('sh', [join(narDir, name, 'make.sh'), dest]).status).toBe(0)
  return dest
}

/** `nar dump --compress zstd` of a golden tree, written to a `.nar.zst` file. */
function zstFile(name: string, extra: string[] = []): string {
  const file = join(work, `${name}${extra.join('')}.nar.zst`)
  if (!existsSync(file)) {
    const d = nar(['dump', '--compress', 'zstd', ...extra, tree(name)])
    expect({ status: d.status, stderr: d.stderr }).toEqual({ status: 0, stderr: '' })
    writeFileSync(file, d.stdout)
  }
  return file
}

function sh(script: string, ...args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync('sh', ['-c', script, 'sh', process.execPath, bin, ...args], { encoding: 'utf8' })
  return { status: r.status, stderr: r.stderr }
}

describe.each(cases)('golden %s', (name) => {
  const expected = JSON.parse(readFileSync(join(narDir, name, 'expected.json'), 'utf8')) as { ls: unknown }
  const plain = join(narDir, name, 'dump.nar')

  it('nar ls of the .nar.zst is the listing of nix nar ls; the zstd CLI decodes it to the golden NAR', () => {
    const file = zstFile(name)
    const z = readFileSync(file)
    expect([...z.subarray(0, 4)]).toEqual([0x28, 0xb5, 0x2f, 0xfd])
    const l = nar(['ls', '--json', '-R', file, '/'])
    expect({ status: l.status, stderr: l.stderr }).toEqual({ status: 0, stderr: '' })
    expect(JSON.parse(l.stdout.toString())).toEqual(expected.ls)
    if (existsSync(plain)) {
      if (hasZstd) {
        const d = spawnSync('zstd', ['-d', '-c', '-q'], { input: z, maxBuffer: 1 << 26 })
        expect(d.status).toBe(0)
        expect(d.stdout.equals(readFileSync(plain))).toBe(true)
      }
    }
  })
})

describe('ls, cat and restore read zstd transparently', () => {
  const plain = join(narDir, 'dir-mixed', 'dump.nar')

  it('every ls form and cat agree with the plain NAR, from a file and from stdin', () => {
    const file = zstFile('dir-mixed')
    for (const flags of [['-lR'], ['--json']]) {
      for (const path of ['/', '/bin']) {
        expect({ flags, path, out: nar(['ls', ...flags, file, path]).stdout.toString() })
          .toEqual({ flags, path, out: nar(['ls', ...flags, plain, path]).stdout.toString() })
      }
    }
    expect(nar(['ls', '-lR', '-', '/'], readFileSync(file)).stdout.toString()).toBe(nar(['ls', '-lR', plain, '/']).stdout.toString())
    expect(nar(['cat', file, '/bin/tool']).stdout.toString()).toBe('#!/bin/sh\nexit 0\n')
    expect(nar(['cat', '-', '/lib/blob.bin'], readFileSync(file)).stdout.equals(nar(['cat', plain, '/lib/blob.bin']).stdout)).toBe(true)
  })

  it('restore from a .nar.zst on stdin reproduces the tree; --level changes size, not content', () => {
    const dest = join(work, 'restored-zst')
    const r = nar(['restore', dest], readFileSync(zstFile('dir-nested')))
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' })
    expect(nar(['dump', dest]).stdout.equals(readFileSync(join(narDir, 'dir-nested', 'dump.nar')))).toBe(true)
    const big1 = readFileSync(zstFile('many-files-1000', ['--level', '1']))
    const big19 = readFileSync(zstFile('many-files-1000', ['--level', '19']))
    expect(big19.length).toBeLessThan(big1.length)
    expect(nar(['ls', '-R', '-', '/'], big19).stdout.equals(nar(['ls', '-R', '-', '/'], big1).stdout)).toBe(true)
  })

  it('a 5 MiB file streams through dump --compress zstd | restore', () => {
    const src = tree('big-random-5mib')
    const dest = join(work, 'big-zst')
    expect(sh('"$1" "$2" dump --compress zstd "$3" | "$1" "$2" restore "$4"', src, dest)).toEqual({ status: 0, stderr: '' })
    expect(readFileSync(dest).equals(readFileSync(src))).toBe(true)
  })
})

describe.runIf(hasZstd)('with the zstd CLI', () => {
  const golden = readFileSync(join(narDir, 'dir-mixed', 'dump.nar'))

  it('nar dump x | zstd | nar restore y', () => {
    const dest = join(work, 'cli-1')
    expect(sh('"$1" "$2" dump "$3" | zstd -q -19 | "$1" "$2" restore "$4"', tree('dir-mixed'), dest)).toEqual({ status: 0, stderr: '' })
    expect(nar(['dump', dest]).stdout.equals(golden)).toBe(true)
  })

  it('nar dump --compress zstd x | zstd -d | nar restore y', () => {
    const dest = join(work, 'cli-2')
    expect(sh('"$1" "$2" dump --compress zstd "$3" | zstd -d -q | "$1" "$2" restore "$4"', tree('dir-mixed'), dest)).toEqual({ status: 0, stderr: '' })
    expect(nar(['dump', dest]).stdout.equals(golden)).toBe(true)
  })

  it('multi-frame .nar.zst from the CLI (zstd of two halves, concatenated)', () => {
    const half = Math.floor(golden.length / 2)
    const a = spawnSync('zstd', ['-q', '-c'], { input: golden.subarray(0, half) }).stdout
    const b = spawnSync('zstd', ['-q', '-c'], { input: golden.subarray(half) }).stdout
    const l = nar(['ls', '-lR', '-', '/'], Buffer.concat([a, b]))
    expect(l.status).toBe(0)
    expect(l.stdout.toString()).toBe(nar(['ls', '-lR', '-', '/'], golden).stdout.toString())
  })
})

describe('errors', () => {
  const golden = readFileSync(join(narDir, 'dir-mixed', 'dump.nar'))

  it('xz input: one line, exit 1, nothing restored', () => {
    const xz = Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), golden])
    const message = "nar: xz-compressed NARs are not supported yet; decompress with 'xz -d' first\n"
    const file = join(work, 'x.nar.xz')
    writeFileSync(file, xz)
    expect(nar(['ls', file, '/'])).toMatchObject({ status: 1, stderr: message })
    expect(nar(['cat', '-', '/bin/tool'], xz)).toMatchObject({ status: 1, stderr: message })
    const dest = join(work, 'xz-dest')
    expect(nar(['restore', dest], xz)).toMatchObject({ status: 1, stderr: message })
    expect(existsSync(dest)).toBe(false)
  })

  it('truncated or corrupt zstd: one line, exit 1, nothing left half-restored', () => {
    const z = readFileSync(zstFile('dir-mixed'))
    const flipped = Buffer.from(z)
    flipped.writeUInt8((flipped[z.length >> 1] as number) ^ 0x55, z.length >> 1)
    for (const [label, data, pattern] of [
      ['truncated', z.subarray(0, z.length - 20), /^nar: cannot decompress zstd data: input ends inside a frame \(compressed byte \d+\)\n$/],
      ['corrupt', flipped, /^nar: cannot decompress zstd data: [^\n]+ \(compressed input, at or after byte \d+\)\n$/],
      ['trailing garbage', Buffer.concat([z, Buffer.from('junk')]), /^nar: cannot decompress zstd data: unknown frame descriptor \(compressed input, at or after byte \d+\)\n$/],
    ] as const) {
      const dest = join(work, `bad-${label.replace(' ', '-')}`)
      const r = nar(['restore', dest], data)
      expect({ label, status: r.status }).toEqual({ label, status: 1 })
      expect(r.stderr).toMatch(pattern)
      expect(existsSync(dest)).toBe(false)
      expect(nar(['ls', '-R', '-', '/'], data).status).toBe(1)
    }
  })

  it('usage errors: unknown --compress, --level without zstd, level out of range (exit 2)', () => {
    const src = tree('file-1-byte')
    for (const args of [['--compress', 'xz'], ['--level', '3'], ['--compress', 'zstd', '--level', 'high'], ['--compress', 'zstd', '--level', '23']]) {
      const r = nar(['dump', ...args, src])
      expect({ args, status: r.status, lines: r.stderr.split('\n').length }).toEqual({ args, status: 2, lines: 2 })
      expect(r.stdout.length).toBe(0)
    }
  })
})

describe('without zstd-napi (a machine where it failed to build)', () => {
  // Loader hooks make every import and require of zstd-napi fail, as a missing native module
  // would (the tool's bundle requires it; its modules import it).
  const hooks = join(work, 'no-zstd-hooks.mjs')
  const register = join(work, 'no-zstd.mjs')
  const requireHook = join(work, 'no-zstd.cjs')
  writeFileSync(hooks, "export async function resolve(specifier, context, next) {\n  if (specifier.startsWith('zstd-napi')) throw new Error('simulated: zstd-napi was not built')\n  return next(specifier, context)\n}\n")
  writeFileSync(register, `import { register } from 'node:module'\nregister(${JSON.stringify(pathToFileURL(hooks).href)})\n`)
  writeFileSync(requireHook, "const Module = require('node:module')\nconst resolve = Module._resolveFilename\nModule._resolveFilename = function (request, ...rest) {\n  if (request.startsWith('zstd-napi')) throw new Error('simulated: zstd-napi was not built')\n  return resolve.call(this, request, ...rest)\n}\n")
  const env = { NODE_OPTIONS: `--import=${pathToFileURL(register).href} --require=${requireHook}` }
  const golden = readFileSync(join(narDir, 'dir-mixed', 'dump.nar'))

  it('plain dump, restore, ls and cat still work', () => {
    const d = nar(['dump', tree('dir-mixed')], undefined, env)
    expect({ status: d.status, stderr: d.stderr }).toEqual({ status: 0, stderr: '' })
    expect(d.stdout.equals(golden)).toBe(true)
    const dest = join(work, 'no-zstd-restored')
    expect(nar(['restore', dest], golden, env)).toMatchObject({ status: 0, stderr: '' })
    expect(nar(['ls', '-R', '-', '/'], golden, env)).toMatchObject({ status: 0, stderr: '' })
    expect(nar(['cat', '-', '/bin/tool'], golden, env).stdout.toString()).toBe('#!/bin/sh\nexit 0\n')
  })

  it('zstd input and --compress zstd fail with one clear line', () => {
    const z = readFileSync(zstFile('dir-mixed'))
    const dest = join(work, 'no-zstd-dest')
    for (const r of [nar(['ls', '-', '/'], z, env), nar(['restore', dest], z, env), nar(['dump', '--compress', 'zstd', tree('dir-mixed')], undefined, env)]) {
      expect(r.status).toBe(1)
      expect(r.stderr).toMatch(/^nar: zstd support is not available: the native module zstd-napi could not be loaded \([^\n]*simulated[^\n]*\)\n$/)
      expect(r.stdout.length).toBe(0)
    }
    expect(existsSync(dest)).toBe(false)
  })
})
