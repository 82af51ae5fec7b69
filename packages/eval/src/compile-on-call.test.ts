// Function bodies of large sources compiled when first called (and the rest of a function
// when it is first evaluated): the same outputs, errors and traces as compiling everything
// first (which the TS parser's trees, without lazy bodies, still get), and an undefined
// variable is still reported before anything runs.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Evaluator } from './eval.js'
import { runInstantiate } from './index.js'
import { nativeParserAvailable } from './native-parse.js'

/** A source large enough for the native parser: 300 functions with large bodies, and `tail`. */
function program(tail: string, extra = ''): string {
  const fns = Array.from({ length: 300 }, (_, i) => `  f${i} = { a, b ? ${i} }: let c = a + b; d = [ a b c ]; in {
    inherit c d; s = "${i}-\${toString c}"; t = builtins.map (x: x * 2) d; u = builtins.length d + ${i};
    v = if c > 10 then "big" else "small"; w = { inherit a b; n = ${i}; }; } // { n = ${i}; m = c - a; };`).join('\n')
  return `let\n${fns}\n  g = x: y: if x > y then throw "x > y at \${toString x}" else x * y;\n${extra}in ${tail}`
}

/** stdout and stderr of `instantiate --eval --strict -E text`, and how many nodes it compiled. */
function run(text: string, native: boolean): { out: string; compiled: number } {
  const before = process.env['TSNIX_NATIVE']
  process.env['TSNIX_NATIVE'] = native ? '1' : '0'
  const compile = vi.spyOn(Evaluator.prototype, 'compile')
  try {
    const r = runInstantiate({ mode: 'eval', strict: true, fromArgs: true, items: [text], showTrace: true, cwd: '/tmp' })
    return { out: `${r.exitCode}\n${r.stdout}${r.stderr}`, compiled: compile.mock.calls.length }
  } finally {
    compile.mockRestore()
    if (before === undefined) delete process.env['TSNIX_NATIVE']
    else process.env['TSNIX_NATIVE'] = before
  }
}

afterEach(() => vi.restoreAllMocks())

describe.skipIf(!nativeParserAvailable())('function bodies compiled when first called', () => {
  it('compiles only the bodies of the functions called', () => {
    const text = program('(f3 { a = 1; }).s')
    expect(text.length).toBeGreaterThan(16 * 1024)
    const lazy = run(text, true)
    const eager = run(text, false)
    expect(lazy.out).toBe('0\n"3-4"\n')
    expect(lazy.out).toBe(eager.out)
    expect(lazy.compiled * 20).toBeLessThan(eager.compiled)
  })

  it('gives the values, errors and traces of compiling everything first', () => {
    const tails = [
      'builtins.attrNames (f1 { a = 2; b = 3; })',
      '[ (f1 { a = 2; b = 3; }) (f299 { a = 0; }).v (g 2 3) ]',
      'g 3 2',
      'f5 { }',
      'f7 { a = 1; c = 2; }',
      '(f7 { a = "x"; }).c',
      '(f8 { a = 1; b = null; }).s',
      'builtins.map (f: (f { a = 1; }).u) [ f0 f1 f0 ]',
      'let h = f9; in [ (h { a = 1; }).m (h { a = 2; }).m ]',
      '[ (builtins.functionArgs f3) (f3 { a = 1; }).c (builtins.functionArgs f3) ]',
      'builtins.functionArgs (x: f4 x)',
    ]
    for (const tail of tails) expect(run(program(tail), true).out, tail).toBe(run(program(tail), false).out)
  })

  it('reports an undefined variable in a function that is never called, as Nix does when it parses', () => {
    const text = program('1', '  never = x: { y = x + nope; };\n')
    const out = run(text, true).out
    expect(out).toContain("error: undefined variable 'nope'")
    expect(out).toBe(run(text, false).out)
    // under a `with`, a name is looked up when evaluated: no error unless it runs
    expect(run(program('1', '  never = x: with x; { y = nope; };\n'), true).out).toBe('0\n1\n')
  })
})
