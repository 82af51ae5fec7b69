// CLI e2e: the `ref-scan` tool of @tsnix/nar.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runTool } from '../helpers/run.js'

const scan = (args: string[], input?: string) => runTool('nar', 'ref-scan', args, input === undefined ? {} : { input })
const work = mkdtempSync(join(tmpdir(), 'tsnix-refscan-e2e-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const leaf = '/nix/store/x5qbk3rdymh6vmm8gfx4kpmkcyzfsi7b-leaf'
const second = '/nix/store/svdpmjd9rz9fzdb9772gjap0xnwlf4vz-second-leaf'
const other = '/nix/store/9c9ihhq2p5qmsm3wakpw44b25m7jrxn0-refs-one'
const absent = '/nix/store/00000000000000000000000000000000-absent'

const root = join(work, 'out')
mkdirSync(join(root, 'bin'), { recursive: true })
writeFileSync(join(root, 'bin', 'run'), `#!/bin/sh\nexec ${leaf}/bin/leaf\n`)
symlinkSync(`${second}/lib`, join(root, 'lib'))
const candidates = [leaf, second, other, absent].join('\n') + '\n'
writeFileSync(join(work, 'candidates'), candidates)

describe('ref-scan', () => {
  it('prints the candidates found, sorted, from a file or stdin', () => {
    const a = scan([root, '--candidates', join(work, 'candidates')])
    expect({ status: a.status, stdout: a.stdout.toString(), stderr: a.stderr }).toEqual({ status: 0, stdout: `${second}\n${leaf}\n`, stderr: '' })
    const b = scan([root, '--candidates', '-'], candidates)
    expect(b.stdout.equals(a.stdout)).toBe(true)
  })

  it('accepts bare hash parts and prints them as given', () => {
    const r = scan([root, '--candidates', '-'], 'x5qbk3rdymh6vmm8gfx4kpmkcyzfsi7b\n')
    expect(r.stdout.toString()).toBe('x5qbk3rdymh6vmm8gfx4kpmkcyzfsi7b\n')
  })

  it('-0 separates with NUL', () => {
    expect(scan([root, '-0', '--candidates', '-'], candidates).stdout.toString()).toBe(`${second}\0${leaf}\0`)
  })

  it('--json names the file, field and offset', () => {
    const r = scan([root, '--json', '--candidates', '-'], candidates)
    expect(JSON.parse(r.stdout.toString())).toEqual([
      { path: second, hashPart: 'svdpmjd9rz9fzdb9772gjap0xnwlf4vz', occurrences: [{ root, file: '/lib', field: 'target', offset: 11 }] },
      { path: leaf, hashPart: 'x5qbk3rdymh6vmm8gfx4kpmkcyzfsi7b', occurrences: [{ root, file: '/bin/run', field: 'contents', offset: 26 }] },
    ])
  })

  it('--all reports every well-formed store path', () => {
    expect(scan([root, '--all']).stdout.toString()).toBe(`${second}\n${leaf}\n`)
    const custom = join(work, 'custom')
    writeFileSync(custom, '/gnu/store/x5qbk3rdymh6vmm8gfx4kpmkcyzfsi7b-guile/bin')
    expect(scan([custom, '--all', '--store-dir', '/gnu/store']).stdout.toString()).toBe('/gnu/store/x5qbk3rdymh6vmm8gfx4kpmkcyzfsi7b-guile\n')
    expect(scan([custom, '--all']).stdout.toString()).toBe('')
  })

  it('usage errors exit 2; bad candidates and missing paths exit 1', () => {
    for (const args of [[root], [root, '--all', '--candidates', '-'], ['--all'], [root, '--bogus']]) {
      const r = scan(args)
      expect({ args, status: r.status }).toEqual({ args, status: 2 })
      expect(r.stderr).toMatch(/^ref-scan: [^\n]+\n$/)
    }
    const bad = scan([root, '--candidates', '-'], `${leaf}\nnot-a-path\n`)
    expect(bad.status).toBe(1)
    expect(bad.stderr).toBe("ref-scan: invalid candidate 'not-a-path': not a store path or hash part (line 2)\n")
    const missing = scan(['/nonexistent/x', '--candidates', '-'], candidates)
    expect(missing.status).toBe(1)
    expect(missing.stderr).toBe("ref-scan: nar: cannot read '/nonexistent/x': no such file or directory (ENOENT)\n")
    // The same words whichever implementation runs.
    const ts = runTool('nar', 'ref-scan', ['/nonexistent/x', '--candidates', '-'], { input: candidates, env: { TSNIX_NATIVE: '0' } })
    expect(ts.stderr).toBe(missing.stderr)
  })
})
