import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { onPath, runTool } from '../helpers/run.js'

const hasNix = onPath('nix-instantiate')
const inst = (args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}) =>
  runTool('eval', 'instantiate', args, options)

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsnix-eval-'))
  writeFileSync(join(dir, 'default.nix'), '{ x ? 1, y }: { sum = x + y; nested.list = [ x y ]; }\n')
  writeFileSync(join(dir, 'lib.nix'), 'rec { twice = f: x: f (f x); inc = x: x + 1; }\n')
  mkdirSync(join(dir, 'sp'))
  writeFileSync(join(dir, 'sp', 'found.nix'), '"from the search path"\n')
  writeFileSync(join(dir, 'bad.nix'), 'let\n  a = 1;\nin\n  a + "x"\n')
  mkdirSync(join(dir, 'real'))
  writeFileSync(join(dir, 'real', 'main.nix'), 'import ./other.nix\n')
  writeFileSync(join(dir, 'real', 'other.nix'), '"next to the target"\n')
  symlinkSync('real/main.nix', join(dir, 'link.nix'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('instantiate --eval', () => {
  it('prints a value like nix-instantiate', () => {
    const r = inst(['--eval', '-E', '{ b = [ 1 2.5 "s" ]; a = x: x; }'])
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(r.stdout.toString()).toBe('{ a = <CODE>; b = <CODE>; }\n')
  })
  it('--strict evaluates deeply', () => {
    expect(inst(['--eval', '--strict', '-E', '{ b = [ (1 + 1) ]; }']).stdout.toString()).toBe('{ b = [ 2 ]; }\n')
  })
  it('--json prints JSON without a newline, --xml prints XML', () => {
    expect(inst(['--eval', '--strict', '--json', '-E', '{ a = [ 1 null ]; }']).stdout.toString()).toBe('{"a":[1,null]}')
    const xml = inst(['--eval', '--strict', '--xml', '-E', '[ true ]']).stdout.toString()
    expect(xml).toBe("<?xml version='1.0' encoding='utf-8'?>\n<expr>\n  <list>\n    <bool value=\"true\" />\n  </list>\n</expr>\n")
  })
  it('--parse prints the desugared AST', () => {
    expect(inst(['--parse', '-E', 'a: a - 1']).stdout.toString()).toBe('(a: (__sub a 1))\n')
  })
  it('reads stdin with -', () => {
    expect(inst(['--eval', '-'], { input: '6 * 7' }).stdout.toString()).toBe('42\n')
    // `-` reads standard input even with -E, once, before the other items (as nix-instantiate 2.8)
    expect(inst(['--eval', '-E', '-'], { input: '6 * 7' }).stdout.toString()).toBe('42\n')
    expect(inst(['--eval', '-E', '2', '-', '-'], { input: '1' }).stdout.toString()).toBe('1\n2\n')
  })
  it('evaluates files with -A, --arg and --argstr (auto-calling functions)', () => {
    const r = inst(['--eval', '--strict', '-A', 'nested.list', '--arg', 'y', '40 + 1', join(dir, 'default.nix')])
    expect(r.stderr).toBe('')
    expect(r.stdout.toString()).toBe('[ 1 41 ]\n')
    const s = inst(['--eval', '-A', 'sum', '--argstr', 'x', 'a', '--argstr', 'y', 'b', dir])
    expect(s.stdout.toString()).toBe('"ab"\n')
  })
  it('resolves <paths> through -I and NIX_PATH', () => {
    const r = inst(['--eval', '-I', `p=${join(dir, 'sp')}`, '-E', '[ (import <p/found.nix>) (builtins.length builtins.nixPath) ]', '--strict'],
      { env: { NIX_PATH: join(dir, 'sp') } })
    expect(r.stdout.toString()).toBe('[ "from the search path" 2 ]\n')
    expect(inst(['--eval', '-E', 'import <found.nix>'], { env: { NIX_PATH: join(dir, 'sp') } }).stdout.toString()).toBe('"from the search path"\n')
  })
  it('follows a symlinked file, so its relative paths resolve next to the target', () => {
    expect(inst(['--eval', join(dir, 'link.nix')]).stdout.toString()).toBe('"next to the target"\n')
    expect(inst(['--eval', '-E', `import ${join(dir, 'link.nix')}`]).stdout.toString()).toBe('"next to the target"\n')
  })
  it('goes deeper than Nix 2.8 in non-tail recursion', () => {
    const r = inst(['--eval', '-E', 'let f = n: if n == 0 then 0 else 1 + f (n - 1); in f 100000'])
    expect(r.stderr).toBe('')
    expect(r.stdout.toString()).toBe('100000\n')
  })
  it('prints the traces of an evaluation retried on a big stack once', () => {
    // the first attempt overflows the main thread's stack after tracing; its output is dropped
    const r = inst(['--eval', '--strict', '-E',
      'let f = n: if n == 0 then builtins.trace "deep" 0 else 1 + f (n - 1); in [ (builtins.trace "before" 1) (f 100000) (builtins.trace "after" 2) ]'])
    expect(r.status).toBe(0)
    expect(r.stderr).toBe('trace: before\ntrace: deep\ntrace: after\n')
    expect(r.stdout.toString()).toBe('[ 1 100000 2 ]\n')
  })
  it('reports infinite recursion as a Nix error', () => {
    const r = inst(['--eval', '-E', 'let f = x: f x; in f 1'])
    expect(r.status).toBe(1)
    expect(r.stderr).toBe('error: stack overflow (possible infinite recursion)\n')
  })
})

describe('instantiate errors', () => {
  it('prints evaluation errors like Nix, exit 1', () => {
    const r = inst(['--eval', join(dir, 'bad.nix')])
    expect(r.status).toBe(1)
    expect(r.stdout.toString()).toBe('')
    expect(r.stderr).toBe(`error: cannot add a string to an integer

       at ${join(dir, 'bad.nix')}:4:7:

            3| in
            4|   a + "x"
             |       ^
`)
  })
  it('usage errors exit 2', () => {
    const r = inst(['--eval', '--frobnicate'])
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('instantiate:')
  })
  it('--help goes to stdout', () => {
    const r = inst(['--help'])
    expect(r.status).toBe(0)
    expect(r.stdout.toString()).toContain('--strict')
  })
})

describe('instantiate on large sources (the native parser, when built)', () => {
  // 40 KiB of package definitions: over the size from which `parse` tries the native parser
  const big = `let lib = { f = x: x; }; in rec {\n${Array.from({ length: 400 }, (_, i) =>
    `  p${i} = { name = "p-${i}"; deps = [ ${i > 0 ? `p${i - 1}` : ''} ]; meta = with lib; { n = ''\n    x ${i}\n  ''; g = f ${i}; }; };`).join('\n')}\n}\n`
  const both = (args: string[], file: string, text: string) => {
    writeFileSync(join(dir, file), text)
    return [inst([...args, join(dir, file)]), inst([...args, join(dir, file)], { env: { TSNIX_NATIVE: '0' } })] as const
  }
  it('evaluates and prints the parse as with the TS parser', () => {
    for (const args of [['--eval', '--strict'], ['--parse']]) {
      const [native, ts] = both(args, 'big.nix', big)
      expect(native.stderr).toBe('')
      expect(native.status).toBe(0)
      expect(native.stdout.toString('latin1')).toBe(ts.stdout.toString('latin1'))
    }
  })
  it('reports a syntax error and a duplicate attribute as the TS parser does', () => {
    // (two set definitions of p398 merge, as in Nix: `name` is the duplicate)
    for (const broken of [big.replace('p399 = {', 'p399 = = {'), big.replace('p399 =', 'p398 =')]) {
      const [native, ts] = both(['--eval'], 'broken.nix', broken)
      expect(native.status).toBe(1)
      expect(native.stderr).toMatch(/^error: (syntax error, unexpected '='|attribute 'name' already defined)/)
      expect(native.stderr).toBe(ts.stderr)
    }
  })
})

describe.skipIf(!hasNix)('instantiate against real nix-instantiate', () => {
  const cases: string[][] = [
    ['--eval', '-E', '{ a = 1; b = [ 2 ]; }'],
    ['--eval', '--strict', '-E', 'let f = x: { inherit x; y = x * 2; }; in map f [ 1 2 ]'],
    ['--eval', '--strict', '--json', '-E', 'builtins.fromJSON "{\\"x\\": [1, 2.5, true]}"'],
    ['--eval', '--strict', '--xml', '-E', '{ f = { a, b ? 1, ... }@args: a; s = "x<y>&"; }'],
    ['--eval', '-E', 'builtins.trace "tracing" 1'],
    ['--eval', '-E', 'throw "boom"'],
    ['--eval', '-E', 'let x = { a = 1; }; in x.b'],
    ['--parse', '-E', '{ a'],
  ]
  it.each(cases)('%s %s %s %s', (...args) => {
    const nix = spawnSync('nix-instantiate', args, { cwd: dir, env: { ...process.env, NIX_REMOTE: 'dummy://' } })
    const ours = inst(args, { cwd: dir })
    expect(ours.status).toBe(nix.status)
    expect(ours.stdout.toString('utf8')).toBe(nix.stdout.toString('utf8'))
    expect(ours.stderr).toBe(nix.stderr.toString('utf8'))
  })
})
