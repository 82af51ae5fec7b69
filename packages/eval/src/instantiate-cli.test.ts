import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runInstantiate, type InstantiateOptions } from './index.js'

describe('paths and names from the command line', () => {
  // arguments are UTF-8 (as Nix takes their bytes); inside, paths are byte strings
  it('reads files, relative paths, -I and --argstr under a non-ASCII directory', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tsnix-args-')), 'dé')
    mkdirSync(dir)
    writeFileSync(join(dir, 'a.nix'), '"in dé"')
    const run = (o: Partial<InstantiateOptions>): string => {
      const r = runInstantiate({ mode: 'eval', cwd: dir, ...o })
      return Buffer.from(r.exitCode === 0 ? r.stdout : r.stderr, 'latin1').toString('utf8')
    }
    expect(run({ items: ['a.nix'] })).toBe('"in dé"\n')
    expect(run({ fromArgs: true, items: ['./a.nix'] })).toBe(`${dir}/a.nix\n`)
    expect(run({ fromArgs: true, items: ['import ./a.nix'] })).toBe('"in dé"\n')
    expect(run({ fromArgs: true, items: ['<u/a.nix>'], searchPath: [`u=${dir}`] })).toBe(`${dir}/a.nix\n`)
    expect(run({ fromArgs: true, items: ['{ x }: x'], autoArgs: [{ kind: 'str', name: 'x', value: 'ü' }] })).toBe('"ü"\n')
    rmSync(dirname(dir), { recursive: true })
  })
})
