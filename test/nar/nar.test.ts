// CLI e2e: the `nar` tool of @tsnix/nar — dump/restore/ls/cat, pipes, exit codes, one-line errors.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { goldenDir, onPath, runTool } from '../helpers/run.js'

const nar = (args: string[], input?: Uint8Array | string) => runTool('nar', 'nar', args, input === undefined ? {} : { input })
const bin = fileURLToPath(new URL('../../packages/nar/bin/nar.cjs', import.meta.url))
const work = mkdtempSync(join(tmpdir(), 'tsnix-nar-e2e-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const narDir = join(goldenDir, 'nar')
const cases = readdirSync(narDir).filter((n) => existsSync(join(narDir, n, 'dump.nar'))).sort()

function tree(name: string): string {
  const dest = join(work, `src-${name}`)
  if (!existsSync(dest)) expect(spawnSync('sh', [join(narDir, name, 'make.sh'), dest]).status).toBe(0)
  return dest
}

describe.each(cases)('golden %s', (name) => {
  const golden = readFileSync(join(narDir, name, 'dump.nar'))
  const expected = JSON.parse(readFileSync(join(narDir, name, 'expected.json'), 'utf8')) as { ls: unknown }

  it('dump prints the bytes of nix-store --dump; restore from stdin reproduces them', () => {
    const d = nar(['dump', tree(name)])
    expect(d.status).toBe(0)
    expect(d.stderr).toBe('')
    expect(d.stdout.equals(golden)).toBe(true)
    const dest = join(work, `restored-${name}`)
    const r = nar(['restore', dest], golden)
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' })
    expect(nar(['dump', dest]).stdout.equals(golden)).toBe(true)
  })

  it('ls --json -R is the listing of nix nar ls (file and stdin)', () => {
    const file = join(narDir, name, 'dump.nar')
    const a = nar(['ls', '--json', '-R', file, '/'])
    expect(a.status).toBe(0)
    expect(JSON.parse(a.stdout.toString())).toEqual(expected.ls)
    if (name === 'dir-mixed') {
      const b = nar(['ls', '--json', '-R', '-', '/'], golden)
      expect(b.stdout.equals(a.stdout)).toBe(true)
    }
  })
})

describe('pipes', () => {
  it('nar dump x | nar restore y', () => {
    const src = tree('dir-mixed')
    const dest = join(work, 'piped')
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" dump "$1" | "${process.execPath}" "${bin}" restore "$2"`, 'sh', src, dest], { encoding: 'utf8' })
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' })
    expect(nar(['dump', dest]).stdout.equals(readFileSync(join(narDir, 'dir-mixed', 'dump.nar')))).toBe(true)
  })

  it.runIf(onPath('zstd'))('nar dump x | zstd | zstd -d | nar restore y', () => {
    const src = tree('dir-nested')
    const dest = join(work, 'zstd')
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" dump "$1" | zstd -q | zstd -dq | "${process.execPath}" "${bin}" restore "$2"`, 'sh', src, dest], { encoding: 'utf8' })
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' })
    expect(nar(['dump', dest]).stdout.equals(readFileSync(join(narDir, 'dir-nested', 'dump.nar')))).toBe(true)
  })

  it('a 5 MiB file streams through dump | restore', () => {
    const src = join(work, 'big')
    expect(spawnSync('sh', [join(narDir, 'big-random-5mib', 'make.sh'), src]).status).toBe(0)
    const dest = join(work, 'big-restored')
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" dump "$1" | "${process.execPath}" "${bin}" restore "$2"`, 'sh', src, dest], { encoding: 'utf8' })
    expect(r.status).toBe(0)
    expect(readFileSync(dest).equals(readFileSync(src))).toBe(true)
  })
})

describe('ls and cat', () => {
  const file = join(narDir, 'dir-mixed', 'dump.nar')
  const live = onPath('nix')

  it('text forms as nix nar ls', () => {
    expect(nar(['ls', '-lR', file, '/']).stdout.toString()).toBe([
      'dr-xr-xr-x                    0 ./bin',
      '-r-xr-xr-x                   17 ./bin/tool',
      'lrwxrwxrwx                    0 ./bin/tool-alias -> tool',
      'dr-xr-xr-x                    0 ./lib',
      '-r--r--r--                 1000 ./lib/blob.bin',
      '-r--r--r--                    0 ./lib/empty',
      '-r--r--r--                    7 ./lib/seven',
      'dr-xr-xr-x                    0 ./share',
      'dr-xr-xr-x                    0 ./share/doc',
      '-r--r--r--                    5 ./share/doc/README',
      '',
    ].join('\n'))
    expect(nar(['ls', file, '/bin']).stdout.toString()).toBe('./tool\n./tool-alias\n')
    expect(nar(['ls', '--json', file, '/bin']).stdout.toString()).toBe('{"type":"directory","entries":{"tool":{},"tool-alias":{}}}\n')
  })

  it.runIf(live)('every form agrees with live nix nar ls', () => {
    for (const flags of [['-lR'], ['-R'], ['-l'], [], ['--json'], ['--json', '-R']]) {
      for (const path of ['/', '/bin', '/bin/tool', '/bin/tool-alias', '/share/doc']) {
        const n = spawnSync('nix', ['--extra-experimental-features', 'nix-command', 'nar', 'ls', ...flags, file, path], { encoding: 'utf8' })
        const ours = nar(['ls', ...flags, file, path]).stdout.toString()
        // Nix prints JSON without a final newline; ours ends each output with one.
        expect({ flags, path, out: flags.includes('--json') ? ours.replace(/\n$/, '') : ours }).toEqual({ flags, path, out: n.stdout })
      }
    }
  })

  it('cat prints one file, from a file or stdin', () => {
    expect(nar(['cat', file, '/bin/tool']).stdout.toString()).toBe('#!/bin/sh\nexit 0\n')
    expect(nar(['cat', '-', '/lib/blob.bin'], readFileSync(file)).stdout.length).toBe(1000)
  })

  it('errors: exit 1 and one line naming the path', () => {
    for (const [args, message] of [
      [['cat', file, '/bin'], "nar: path '/bin' is not a regular file\n"],
      [['cat', file, '/nope'], "nar: path '/nope' does not exist in the archive\n"],
      [['ls', file, '/bin/../lib'], "nar: path '/bin/../lib' does not exist in the archive\n"],
      [['ls', '/nonexistent.nar', '/'], "nar: cannot read '/nonexistent.nar': no such file or directory\n"],
    ] as const) {
      const r = nar([...args])
      expect({ args, status: r.status, stderr: r.stderr }).toEqual({ args, status: 1, stderr: message })
    }
  })
})

describe('restore is strict', () => {
  const good = readFileSync(join(narDir, 'dir-mixed', 'dump.nar'))

  it('refuses an existing destination (exit 1, untouched)', () => {
    const dest = join(work, 'exists')
    expect(nar(['restore', dest], good).status).toBe(0)
    const r = nar(['restore', dest], good)
    expect(r.status).toBe(1)
    expect(r.stderr).toBe(`nar: cannot restore to '${dest}': destination exists\n`)
  })

  it('rejects garbage, truncation and trailing data, leaving nothing behind', () => {
    for (const [data, pattern] of [
      [Buffer.from('not a nar'), /^nar: not a NAR: bad magic \(byte 0\)\n$/],
      [good.subarray(0, good.length - 9), /^nar: archive truncated: [^\n]* \(at '\/[^']*', byte \d+\)\n$/],
      [Buffer.concat([good, Buffer.alloc(8)]), /^nar: trailing data after the archive \(byte 2960\)\n$/],
    ] as const) {
      const dest = join(work, 'never')
      const r = nar(['restore', dest], data)
      expect(r.status).toBe(1)
      expect(r.stderr).toMatch(pattern)
      expect(existsSync(dest)).toBe(false)
    }
  })

  it('usage errors exit 2', () => {
    for (const args of [[], ['restore'], ['dump'], ['frobnicate'], ['ls', '--bogus', 'x']]) {
      const r = nar(args)
      expect({ args, status: r.status }).toEqual({ args, status: 2 })
      expect(r.stderr).toMatch(/^nar: [^\n]+\n$/)
    }
  })

  it('dumping a socket is a user error', () => {
    const sock = join(work, 'sock')
    const py = spawnSync('python3', ['-c', `import socket; socket.socket(socket.AF_UNIX).bind(${JSON.stringify(sock)})`])
    expect(py.status).toBe(0)
    const r = nar(['dump', sock])
    expect(r.status).toBe(1)
    expect(r.stderr).toBe(`nar: cannot dump '${sock}': unsupported file type (socket)\n`)
  })
})
