// Black-box tests of evalNix, the native evaluator (its output is compared with the TS
// evaluator's on the generated programs in packages/eval/src/native-eval.test.ts). Skipped
// when the addon is not built (`pnpm run build:native`).
import { describe, expect, it } from 'vitest'
import { native } from './addon.js'

const run = (text: string, json = false, dir = '/tmp'): string | null => {
  const out = native!.evalNix(Buffer.from(text, 'latin1'), Buffer.from(dir), json, Buffer.from('/nix/store'), false)
  return out === null ? null : out.toString('latin1')
}

describe.skipIf(native === null)('evalNix', () => {
  it('prints values as nix-instantiate --eval --strict, with a newline', () => {
    expect(run('{ b = [ 1 2.5 "x\\n${"$"}{y}" null ]; a = rec { x = y; y = true; }; "c d" = x: x; }'))
      .toBe('{ a = { x = true; y = true; }; b = [ 1 2.5 "x\\n\\${y}" null ]; "c d" = <LAMBDA>; }\n')
    expect(run('[ (1.0 / 3) 1.0e30 (0.0 - 0.0) builtins.map (builtins.map (x: x)) ]')).toBe('[ 0.333333 1e+30 0 <PRIMOP> <PRIMOP-APP> ]\n')
  })
  it('writes JSON without a newline, as Nix', () => {
    expect(run('{ b = [ 1 "\\t" ]; a = { outPath = "/p"; }; }', true)).toBe('{"a":"/p","b":[1,"\\t"]}')
  })
  it('resolves relative paths against the directory given', () => {
    expect(run('[ ./a/../b (./c + "/d") ]', false, '/x/y')).toBe('[ /x/y/b /x/y/c/d ]\n')
  })
  it('returns null on errors and on what it leaves to the TS evaluator', () => {
    for (const text of ['throw "x"', '1 +', 'undefinedVariable', '{ a = 1; }.b', 'builtins.trace 1 1', '"${./x}"', 'let s = { a = 1; }; in [ s s ]',
      // values that hold themselves: each recursion declines at the end of its stack, not past it
      'let c = [ c 1 ]; in toString c', 'let c = [ c ]; in c == c', 'let c = { a = c; }; in c == c', 'let c = [ c ]; in builtins.toJSON c',
      'let c = [ c ]; in builtins.elem c [ c ]', 'let s = { __functor = s: s; }; in s 1']) {
      expect({ text, out: run(text) }).toEqual({ text, out: null })
    }
  })
  it('frees everything an evaluation made, reference cycles included (a fixpoint, a list holding itself)', () => {
    // each run leaves ≈ 10 MB of cycles: a set of 20 000 thunks over the scope of the function
    // that made it, and 20 000 lists that hold themselves; 40 runs kept would add ≈ 400 MB
    const text = `let fix = f: let x = f x; in x; s = fix (self: builtins.listToAttrs (builtins.genList (i: { name = "n\${toString i}"; value = [ self.n0 i ]; }) 20000));
      loops = builtins.genList (i: let c = [ c i ]; in c) 20000; in builtins.length (builtins.attrNames s) + builtins.length (builtins.head (builtins.elemAt loops 7)) + builtins.length s.n5`
    expect(run(text)).toBe('20004\n')
    const before = process.memoryUsage().rss
    for (let i = 0; i < 40; i++) run(text)
    expect(process.memoryUsage().rss - before).toBeLessThan(100 << 20)
  })
  it('frees values nested a million deep without running out of stack', () => {
    expect(run("builtins.seq (builtins.foldl' (acc: x: [ { inherit acc; } ]) [ ] (builtins.genList (x: x) 1000000)) 1")).toBe('1\n')
  })
})
