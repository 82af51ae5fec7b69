import { describe, expect, it } from 'vitest'
import { seededRandom } from '@tsnix/test-kit'
import { evalString, printValue, runInstantiate, forceDeep } from './index.js'

/**
 * `nix-instantiate --eval --strict -E expr` stdout (or stderr on failure), by the TS evaluator;
 * the native one, where it takes the program, must print the same.
 */
const ev = (expr: string, extra: { json?: boolean; strict?: boolean } = {}): string => {
  const opts = { mode: 'eval', strict: extra.strict ?? true, output: extra.json === true ? 'json' : 'nix', fromArgs: true, items: [expr], cwd: '/tmp' } as const
  const out = (r: { exitCode: number; stdout: string; stderr: string }): string => (r.exitCode === 0 ? r.stdout.replace(/\n$/, '') : r.stderr)
  const ts = runInstantiate({ ...opts, native: false })
  const native = runInstantiate({ ...opts, native: true })
  if (native.native === true) expect({ expr, native: out(native) }).toEqual({ expr, native: out(ts) })
  return out(ts)
}

// Expected outputs were produced by nix-instantiate 2.8.0.
const CASES: Array<[string, string]> = [
  ['1 + 2 * 3 - 4 / 2', '5'],
  ['9223372036854775807 + 1', '-9223372036854775808'],
  ['4611686018427387904 * 4', '0'],
  ['9007199254740993 / 3', '3002399751580331'],
  ['7 / -2', '-3'],
  ['0.1 + 0.2', '0.3'],
  // C's %f keeps the sign of -0.0 (JS's toFixed does not); a literal -0.0 is 0 - 0.0
  ['[ (toString (0.0 * (-1))) (toString (builtins.fromJSON "-0.0")) (toString (-0.0)) ]', '[ "-0.000000" "-0.000000" "0.000000" ]'],
  // substring and elemAt keep their integers in a C int (the low 32 bits)
  ['[ (builtins.substring 2 (-9223372036854775807 - 1) "a-b_c") (builtins.substring (-9223372036854775807 - 1) 9223372036854775807 "ab") (builtins.substring 4294967297 2 "abcdef") (builtins.elemAt [ 1 2 ] 4294967297) (builtins.elemAt [ 1 2 ] (-4294967295)) ]', '[ "" "ab" "bc" 2 2 ]'],
  // genericClosure keys are compared as `<` compares (lists too), queued results forced in order
  ['builtins.genericClosure { startSet = [ { key = [ 1 ]; } { key = [ 1.0 ]; } { key = [ 2 ]; } { key = 1; } ]; operator = x: [ ]; }', 'error: cannot compare an integer with a list\n'],
  ['map (x: x.key) (builtins.genericClosure { startSet = [ { key = [ 1 ]; } { key = [ 1.0 ]; } { key = [ 2 ]; } ]; operator = x: [ ]; })', '[ [ 1 ] [ 2 ] ]'],
  ['builtins.genericClosure { startSet = [ { key = "a"; } { key = 1; } ]; operator = x: [ ]; }', 'error: cannot compare an integer with a string\n'],
  ['builtins.length (builtins.genericClosure { startSet = [ { key = 0; } ]; operator = x: if x.key < 100000 then [ { key = x.key + 1; } ] else [ ]; })', '100001'],
  // a list of one or two elements is held in each of Nix's value cells: «repeated» only where
  // the same cell (or a longer list, or a set) shows again
  ['let p = { linux = [ "a" "b" ]; long = [ 1 2 3 ]; }; in [ { x = p.linux; } { x = p.linux; } p.long p.long ]', '[ { x = [ "a" "b" ]; } { x = [ "a" "b" ]; } [ 1 2 3 ] «repeated» ]'],
  ['let s = [ 1 s ]; t = [ 1 2 ]; f = x: x; in [ s (f t) t t ]', '[ [ 1 «repeated» ] [ 1 2 ] [ 1 2 ] «repeated» ]'],
  // an integer is never -0, which JS makes of 0 * -3 and ceil (-0.5): a float made from it shows
  // the sign (each multiplication path: a builtin, `*` on variables, on a let's known values, in foldl')
  ['let z = 0; m = -3; in [ (0 * (-3) - 0.0) (z * m - 0.0) (builtins.mul (-5) 0 - 0.0) (builtins.foldl\' (a: b: a * b) 1 [ (-1) 0 ] - 0.0) (builtins.ceil (-0.5) - 0.0) (let p = z * m; in p - 0.0) (toString (z * m - 0.0)) ]', '[ 0 0 0 0 0 0 "0.000000" ]'],
  // an integer goes through a double
  ['map builtins.ceil [ 9007199254740993 4611686018427387904 9223372036854775807 (-5) ]', '[ 9007199254740992 4611686018427387904 -9223372036854775808 -5 ]'],
  // NaNs keep their sign as on x86: new ones are negative, NaN operands pass through
  ['let inf = 1.0e308 * 10.0; nan = (builtins.fromTOML "a = nan").a; in [ (inf - inf) nan (nan + 1.0) (1.0 + nan) (toString nan) (toString (inf - inf)) (builtins.fromTOML "a = -nan").a (0 - nan) (nan * inf) (builtins.toJSON nan) ]',
    '[ -nan nan nan nan "nan" "-nan" -nan nan nan "nan" ]'],
  ['[ 1.0e-5 0.0001 100000.0 1234567.0 1.5 ]', '[ 1e-05 0.0001 100000 1.23457e+06 1.5 ]'],
  ['"a${"b"}\\n\\t\\"\\\\" + "\\${x}"', '"ab\\n\\t\\"\\\\\\${x}"'],
  ['let a = { x = 1; }; in [ a a ]', '[ { x = 1; } «repeated» ]'],
  // `//` of shapes met before reuses their layout: values and positions from the right set
  // (five right-hand shapes per left-hand one: more than a shape remembers)
  ['let f = a: b: a // b; mk = i: { x = i; y = i * 2; }; rs = builtins.genList (i: [ (f (mk i) { y = "b${toString i}"; z = i; }) (f (mk i) { a = i; }) (f (mk i) { x = 0; }) (f (mk i) { w = 1; y = 1; z = 1; }) (f (mk i) { q = i; }) (f { z = 1; } (mk i)) ]) 3; in [ (builtins.elemAt rs 2) (builtins.unsafeGetAttrPos "y" (builtins.elemAt (builtins.elemAt rs 2) 0)).column (builtins.unsafeGetAttrPos "x" (builtins.elemAt (builtins.elemAt rs 2) 2)).column (builtins.unsafeGetAttrPos "y" (builtins.elemAt (builtins.elemAt rs 1) 3)).column ]',
    '[ [ { x = 2; y = "b2"; z = 2; } { a = 2; x = 2; y = 4; } { x = 0; y = 4; } { w = 1; x = 2; y = 1; z = 1; } { q = 2; x = 2; y = 4; } { x = 2; y = 4; z = 1; } ] 94 160 189 ]'],
  ['{ "a b" = 1; c = x: x; d = map; e = map (x: x); }', '{ "a b" = 1; c = <LAMBDA>; d = <PRIMOP>; e = <PRIMOP-APP>; }'],
  ['rec { a = 1; b = a; __overrides = { a = 2; }; }', '{ __overrides = { a = 2; }; a = 2; b = 2; }'],
  ['let x = 1; in with { x = 2; y = 3; }; with { y = 4; }; [ x y ]', '[ 1 4 ]'],
  ['with { map = 1; }; builtins.isFunction map', 'true'],
  ['let a = "x"; in { ${a} = 1; "${a}y" = 2; ${null} = 3; }', '{ x = 1; xy = 2; }'],
  ['{ a = 1; } // { b = 2; } // { a = 3; }', '{ a = 3; b = 2; }'],
  ['let f = {a, b ? 1}: a; in [ (builtins.functionArgs f) (builtins.functionArgs f) ]', '[ { a = false; b = true; } { a = false; b = true; } ]'],
  ['let a = { x = 1; }; in [ (a // a) a (a // { }) ]', '[ { x = 1; } { x = 1; } «repeated» ]'],
  // sort is libstdc++'s stable_sort: even a comparator that is not a strict weak order gives Nix's order
  ['builtins.sort (a: b: (a + b) - ((a + b) / 3) * 3 == 0) [ 8 0 8 12 7 3 3 18 6 9 13 13 ]', '[ 7 8 9 6 18 3 0 13 13 8 3 12 ]'],
  // lists passed on unchanged are the same list, except lists of one or two elements (Nix keeps
  // those inside the value it copies)
  ['let w = [ 1 2 3 ]; v = [ 1 2 ]; in [ w (w ++ [ ]) ([ ] ++ w) (builtins.filter (x: true) w) (builtins.concatLists [ [ ] w ]) v (v ++ [ ]) (builtins.concatLists [ v ]) ]',
    '[ [ 1 2 3 ] «repeated» «repeated» «repeated» «repeated» [ 1 2 ] [ 1 2 ] [ 1 2 ] ]'],
  // version components beyond a C int are not numbers; floats beyond 64 bits floor to INT64_MIN (x86)
  ['[ (builtins.compareVersions "2147483648" "1") (builtins.compareVersions "2147483647" "1") (builtins.floor 1.0e19) (builtins.ceil (-1.0e19)) ]',
    '[ -1 1 -9223372036854775808 -9223372036854775808 ]'],
  ['[ (builtins.unsafeGetAttrPos "a" (builtins.mapAttrs (n: v: v) { a = 1; })) (builtins.unsafeGetAttrPos "a" (builtins.removeAttrs { a = 1; b = 2; } [ "b" ])).column ]', '[ null 131 ]'],
  ['let f = y: { x = y; }; a = f 1; b = f 2; in [ (a // b) b ]', '[ { x = 2; } { x = 2; } ]'],
  // `//` merges sorted names; later sets win, positions follow the winning definition
  ['let a = { z = 1; m = 2; b = 3; }; b = { y = 4; m = 5; a = 6; }; in [ (a // b) (b // a) (builtins.attrNames (a // b)) ((a // b).m) (builtins.unsafeGetAttrPos "m" (a // b)).column ]',
    '[ { a = 6; b = 3; m = 5; y = 4; z = 1; } { a = 6; b = 3; m = 2; y = 4; z = 1; } [ "a" "b" "m" "y" "z" ] 5 48 ]'],
  ['builtins.attrNames (builtins.listToAttrs (map (n: { name = n; value = 1; }) [ "b" "a" "B" "_" "a" "~" "0" ]))', '[ "0" "B" "_" "a" "b" "~" ]'],
  // builtins that build strings collect context with reused collectors: a string without
  // context built right after one with context must stay plain
  ['let s = builtins.appendContext "x" { "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x" = { path = true; }; }; in [ (builtins.getContext (builtins.toString s)) (builtins.getContext (builtins.toString "y")) (builtins.getContext (builtins.substring 0 1 s)) (builtins.getContext (builtins.concatStringsSep "," [ "a" s ])) (builtins.getContext "${s}${s}") (builtins.getContext (toString [ s "b" ])) (builtins.getContext (builtins.toJSON [ s ])) (builtins.getContext (builtins.baseNameOf s)) (builtins.getContext (builtins.baseNameOf "z")) ]',
    '[ { "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x" = { path = true; }; } { } { "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x" = { path = true; }; } { "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x" = { path = true; }; } { "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x" = { path = true; }; } { "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x" = { path = true; }; } { "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x" = { path = true; }; } { "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x" = { path = true; }; } { } ]'],
  ['let f = { a, b ? a + 1, ... }@args: [ a b args.c ]; in f { a = 1; c = 3; }', '[ 1 2 3 ]'],
  ['{ a = 1; }.a.b or 2', '2'],
  ['{ a.b.c = 1; } ? a.b.c', 'true'],
  ['"a" < "b" && [ 1 2 ] < [ 1 3 ] && !(2 < 1.5)', 'true'],
  ['builtins.sort builtins.lessThan [ 3 1 2 ]', '[ 1 2 3 ]'],
  ['builtins.sort (a: b: a.k < b.k) [ { k = 1; v = "a"; } { k = 0; v = "b"; } { k = 1; v = "c"; } ]',
    '[ { k = 0; v = "b"; } { k = 1; v = "a"; } { k = 1; v = "c"; } ]'],
  ['builtins.split "(a)|b" "xaybz"', '[ "x" [ "a" ] "y" [ null ] "z" ]'],
  ['builtins.split "a*" "baaac"', '[ "" [ ] "b" [ ] "" [ ] "c" [ ] "" ]'],
  ['builtins.match "([a-z]+)([0-9]*)" "abc123"', '[ "abc" "123" ]'],
  ['builtins.match "[[:alpha:]]+" "ab1"', 'null'],
  ['builtins.replaceStrings [ "" "a" ] [ "-" "b" ] "xay"', '"-x-a-y-"'],
  ['builtins.toString [ 1 [ ] [ 2 ] null true false 1.5 "x" ]', '"1 2  1  1.500000 x"'],
  ['builtins.substring 1 2 "hello"', '"el"'],
  ['builtins.stringLength "é"', '2'],
  ['builtins.compareVersions "1.2.3" "1.2pre"', '1'],
  ['builtins.splitVersion "1.2.3pre-foo"', '[ "1" "2" "3" "pre" "foo" ]'],
  ['builtins.parseDrvName "hello-2.1.0-rc1"', '{ name = "hello"; version = "2.1.0-rc1"; }'],
  ['builtins.genericClosure { startSet = [ { key = 1; } ]; operator = x: if x.key < 3 then [ { key = x.key + 1; } ] else [ ]; }',
    '[ { key = 1; } { key = 2; } { key = 3; } ]'],
  ['builtins.functionArgs ({ a, b ? 1 }: a)', '{ a = false; b = true; }'],
  ['builtins.tryEval (throw "x")', '{ success = false; value = false; }'],
  ['builtins.tryEval (assert false; 1)', '{ success = false; value = false; }'],
  ['builtins.groupBy (x: if x > 2 then "big" else "small") [ 1 2 3 ]', '{ big = [ 3 ]; small = [ 1 2 ]; }'],
  ['builtins.zipAttrsWith (n: v: v) [ { a = 1; } { a = 2; b = 3; } ]', '{ a = [ 1 2 ]; b = [ 3 ]; }'],
  ['builtins.listToAttrs [ { name = "a"; value = 1; } { name = "a"; value = 2; } ]', '{ a = 1; }'],
  ['builtins.hashString "sha256" "abc"', '"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"'],
  ['builtins.placeholder "out"', '"/1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9"'],
  ['builtins.fromJSON "{\\"a\\": [1, 2.5, -3e2, \\"\\\\u00e9\\"], \\"b\\": null}"', '{ a = [ 1 2.5 -300 "é" ]; b = null; }'],
  ['builtins.fromTOML "a = 1\\n[b]\\nc = \\"x\\""', '{ a = 1; b = { c = "x"; }; }'],
  ['builtins.toXML { a = [ 1 "x" ]; }', '"<?xml version=\'1.0\' encoding=\'utf-8\'?>\\n<expr>\\n  <attrs>\\n    <attr name=\\"a\\">\\n      <list>\\n        <int value=\\"1\\" />\\n        <string value=\\"x\\" />\\n      </list>\\n    </attr>\\n  </attrs>\\n</expr>\\n"'],
  ["builtins.foldl' (a: b: a + b) 0 (builtins.genList (x: x) 100000)", '4999950000'],
  ['let f = n: if n == 0 then 0 else 1 + f (n - 1); in f 300', '300'],
  // sets with the same names from different literals share a layout, not positions: `//` and
  // `removeAttrs` by a known plan keep each set's own
  ['let f = a: b: a // b; g = p: i: f p { z = i; }; p1 = { x = 1; y = 2; }; p2 = { x = 3; y = 4; }; rs = [ (g p1 1) (g p2 2) (g p2 3) (g p1 4) ]; col = n: r: (builtins.unsafeGetAttrPos n r).column; in [ rs (map (col "x") rs) (map (col "z") rs) (col "a" ({ a = 1; b = 2; } // { a = 3; b = 4; })) ]',
    '[ [ { x = 1; y = 2; z = 1; } { x = 3; y = 4; z = 2; } { x = 3; y = 4; z = 3; } { x = 1; y = 2; z = 4; } ] [ 56 80 80 56 ] [ 39 39 39 39 ] 274 ]'],
  ['let q1 = { a = 1; b = 2; }; q2 = { a = 3; b = 4; }; r = q: removeAttrs q [ "b" ]; in [ (r q1) (r q2) (r q1) (builtins.unsafeGetAttrPos "a" (r q1)).column (builtins.unsafeGetAttrPos "a" (r q2)).column ]',
    '[ { a = 1; } { a = 3; } { a = 1; } 12 36 ]'],
  // toJSON works out a layout's keys once: escaped keys, and sets with outPath or __toString, twice each
  ['let s = n: { inherit n; "a\\"b" = n; "\\n" = [ n ]; }; d = n: { type = "derivation"; outPath = "/nix/store/x-${toString n}"; y = throw "no"; }; t = n: { __toString = self: "t${toString n}"; z = throw "no"; }; in builtins.toJSON [ (s 1) (s 2) (d 1) (d 2) (t 1) (t 2) { outPath = { __toString = self: "deep"; }; } ]',
    '"[{\\"\\\\n\\":[1],\\"a\\\\\\"b\\":1,\\"n\\":1},{\\"\\\\n\\":[2],\\"a\\\\\\"b\\":2,\\"n\\":2},\\"/nix/store/x-1\\",\\"/nix/store/x-2\\",\\"t1\\",\\"t2\\",\\"deep\\"]"'],
  // a function remembers where its formals are in the last layout it was called with
  ['let f = { a, b ? 2, ... }: [ a b ]; in [ (f { a = 1; }) (f { a = 3; b = 4; c = 5; }) (f { a = 5; }) (f { b = 6; a = 7; }) ]', '[ [ 1 2 ] [ 3 4 ] [ 5 2 ] [ 7 6 ] ]'],
  // subsets of a large layout (not remembered) and of a small one (remembered)
  ['let big = builtins.listToAttrs (builtins.genList (i: { name = "n${toString i}"; value = i; }) 100); lit = { n1 = "a"; n50 = "b"; n99 = "c"; x = "d"; }; f = s: builtins.intersectAttrs lit s; g = s: removeAttrs s (builtins.genList (i: "n${toString (i + 3)}") 97); in [ (f big) (f big) (g big) (g big) (builtins.unsafeGetAttrPos "n50" (builtins.intersectAttrs big lit)).column (builtins.attrNames (g (big // { y = 1; }))) ]',
    '[ { n1 = 1; n50 = 50; n99 = 99; } { n1 = 1; n50 = 50; n99 = 99; } { n0 = 0; n1 = 1; n2 = 2; } { n0 = 0; n1 = 1; n2 = 2; } 119 [ "n0" "n1" "n2" "y" ] ]'],
  // a select remembers the slot of the last layout it saw: other layouts look again
  ['let get = s: s.b; deep = s: s.x.b; in [ (get { a = 1; b = 2; }) (get { b = 3; }) (get { a = 1; b = 2; }) (get { b = 5; c = 1; }) (deep { x = { b = 1; }; }) (deep { x = { a = 0; b = 2; }; }) (deep { x = { b = 3; }; }) ]',
    '[ 2 3 2 5 1 2 3 ]'],
]

describe('evaluation (outputs of nix-instantiate --eval --strict)', () => {
  it.each(CASES)('%s', (expr, want) => {
    expect(ev(expr)).toBe(Buffer.from(want, 'utf8').toString('latin1'))
  })
})

describe('laziness', () => {
  it('does not evaluate what is not needed', () => {
    expect(ev('let x = throw "no"; in [ 1 (builtins.length [ x x ]) ]')).toBe('[ 1 2 ]')
    expect(ev('builtins.seq { a = throw "no"; } 1')).toBe('1')
  })
  it('prints unevaluated values as <CODE> without --strict', () => {
    expect(ev('[ (1 + 1) null ]', { strict: false })).toBe('[ <CODE> null ]')
  })
  it('shows builtins.derivation evaluated, as Nix computes it at start-up', () => {
    expect(ev('{ inherit derivation; }', { strict: false })).toBe('{ derivation = <LAMBDA>; }')
    expect(ev('[ derivation ]', { strict: false })).toBe('[ <LAMBDA> ]')
    expect(ev('{ inherit (builtins) derivation; }', { strict: false })).toBe('{ derivation = <CODE>; }')
  })
  it('reports infinite recursion with the position that forced it', () => {
    expect(ev('let x = x; in x')).toContain("error: infinite recursion encountered\n\n       at «string»:1:9:".replace(/«|»/g, (c) => Buffer.from(c, 'utf8').toString('latin1')))
    // an operand of -, *, / and < is forced by the builtin, where the call is
    expect(ev('let b = 3 - b; in b')).toContain("error: infinite recursion encountered\n\n       at «string»:1:9:".replace(/«|»/g, (c) => Buffer.from(c, 'utf8').toString('latin1')))
    expect(ev('let b = (1 + b); in b')).toContain("error: infinite recursion encountered\n\n       at «string»:1:14:".replace(/«|»/g, (c) => Buffer.from(c, 'utf8').toString('latin1')))
  })
  it('reads a variable where it is used: what it selects from, calls, interpolates, at any depth', () => {
    const at = (pos: string): string => `error: infinite recursion encountered\n\n       at \xc2\xabstring\xc2\xbb:${pos}:`
    expect(ev('let a = a.x; in a')).toContain(at('1:9'))
    expect(ev('let f = f 1; in f')).toContain(at('1:9'))
    expect(ev('let f = f 1 2; in f')).toContain(at('1:9'))
    expect(ev('let f = f 1 2 3; in f')).toContain(at('1:9'))
    expect(ev('let s = "${s}"; in s')).toContain(at('1:12'))
    expect(ev('let s = "x${s}y"; in s')).toContain(at('1:13'))
    expect(ev('let a = (x: y: z: w: a.b) 1 2 3 4; in a')).toContain(at('1:22'))
    expect(ev('let a = { b = a.b; }; in a.b')).toContain(at('1:11'))
    expect(ev('let f = a: b: c: d: { inherit a; v = "${d}-${c}"; w = [ a b ]; g = b 3; h = a ? x; }; in f 1 (x: x * 2) "c" "d"'))
      .toBe('{ a = 1; g = 6; h = false; v = "d-c"; w = [ 1 <LAMBDA> ]; }')
    // a variable whose slot is not filled yet when its value is taken (a later binding)
    expect(ev('let x = [ y ]; y = 1; in x')).toBe('[ 1 ]')
    expect(ev('let f = a: b: let x = [ a b c ]; c = 3; in x; in f 1 2')).toBe('[ 1 2 3 ]')
    expect(ev('rec { a = [ b ]; b = 1; }')).toBe('{ a = [ 1 ]; b = 1; }')
  })
  it('turns a JS stack overflow into a Nix error', () => {
    const r = runInstantiate({ mode: 'eval', fromArgs: true, items: ['let f = x: f x; in f 1'] })
    expect(r.exitCode).toBe(1)
    expect(r.stackOverflow).toBe(true)
    expect(r.stderr).toBe('error: stack overflow (possible infinite recursion)\n')
  })
  it('deep-forces with an explicit stack', () => {
    const { value, state } = evalString('builtins.genList (x: [ x ]) 200000')
    forceDeep(state, value)
    expect(printValue(value).length).toBeGreaterThan(200000)
  })
})

describe('attribute sets of every size (against a model)', () => {
  // sizes around the linear-search, binary-search and hash-index thresholds of shapes
  const rand = seededRandom(7)
  const names = (n: number): string[] => Array.from({ length: n }, () => `${'abcxyzAB_-'[Math.floor(rand() * 10)]!}${Math.floor(rand() * n)}`)
  const list = (xs: string[], tag: string): string => `[ ${xs.map((x, i) => `{ name = "${x}"; value = "${tag}${i}"; }`).join(' ')} ]`
  for (const [na, nb] of [[3, 2], [9, 8], [40, 30], [70, 5], [300, 300]] as const) {
    it(`listToAttrs, //, lookups and attrNames with ${na} and ${nb} names`, () => {
      const a = names(na)
      const b = names(nb)
      // model: listToAttrs keeps the first definition, `//` the right-hand one, names in byte order
      const model = new Map<string, string>()
      a.forEach((x, i) => { if (!model.has(x)) model.set(x, `a${i}`) })
      const fromB = new Map<string, string>()
      b.forEach((x, i) => { if (!fromB.has(x)) fromB.set(x, `b${i}`) })
      for (const [k, v] of fromB) model.set(k, v)
      const keys = [...model.keys()].sort()
      const probes = [...keys, ...names(20)]
      const expr = `let s = builtins.listToAttrs ${list(a, 'a')} // builtins.listToAttrs ${list(b, 'b')};
        in [ (builtins.attrNames s) (builtins.attrValues s) (map (n: s.\${n} or null) [ ${probes.map((p) => `"${p}"`).join(' ')} ]) ]`
      const str = (x: string): string => `"${x}"`
      const expected = `[ [ ${keys.map(str).join(' ')} ] [ ${keys.map((k) => str(model.get(k)!)).join(' ')} ] [ ${probes.map((p) => (model.has(p) ? str(model.get(p)!) : 'null')).join(' ')} ] ]`
      expect(ev(expr)).toBe(expected)
    })
  }
})

describe('evaluation order, where an error shows it (outputs of nix-instantiate 2.8)', () => {
  const first = (e: string): string => ev(e).split('\n')[0]!
  it('checks or coerces each part of + and of an interpolation before evaluating the next', () => {
    expect(first('null + (throw "R")')).toBe('error: cannot coerce null to a string')
    expect(first('[ ] + (throw "R")')).toBe('error: cannot coerce a list to a string')
    expect(first('"a${null}${throw "R"}"')).toBe('error: cannot coerce null to a string')
    expect(first('"${null}${throw "R"}"')).toBe('error: cannot coerce null to a string')
    expect(first('"${{ __toString = s: throw "T"; }}${throw "R"}"')).toBe('error: T')
    // numbers are added as they come; a plain string cannot fail
    expect(first('1 + (throw "R")')).toBe('error: R')
    expect(first('"a" + (throw "R")')).toBe('error: R')
    expect(first('"a${"b"}${throw "R"}"')).toBe('error: R')
  })
  it('copies a path operand of + to the store only after a string', () => {
    expect(first('{ outPath = "/o"; } + /nonexistent-tsnix')).toBe('"/o/nonexistent-tsnix"')
    expect(first('"a" + /nonexistent-tsnix')).toBe("error: getting status of '/nonexistent-tsnix': No such file or directory")
  })
  it('copies a path to the store where Nix coerces it with its defaults (throw, abort)', () => {
    expect(first('throw /nonexistent-tsnix')).toBe("error: getting status of '/nonexistent-tsnix': No such file or directory")
    expect(first('builtins.abort /nonexistent-tsnix')).toBe("error: getting status of '/nonexistent-tsnix': No such file or directory")
    expect(first('builtins.unsafeDiscardStringContext /nonexistent-tsnix')).toBe("error: getting status of '/nonexistent-tsnix': No such file or directory")
  })
  it('reports C int indices as Nix does', () => {
    expect(first('builtins.substring 9223372036854775807 1 "a"')).toBe("error: negative start position in 'substring'")
    expect(first('builtins.elemAt [ 1 2 ] 4294967299')).toBe('error: list index 3 is out of bounds')
    expect(first('builtins.elemAt [ 1 2 ] 2147483648')).toBe('error: list index -2147483648 is out of bounds')
  })
  it('reports a list or string too large to make as out of memory (what Nix says of such a list), not a crash', () => {
    expect(first('builtins.genList (x: x) 9223372036854775807')).toBe('error: out of memory')
    expect(first('builtins.genList (x: x) 4294967296')).toBe('error: out of memory')
    expect(first('builtins.stringLength (builtins.foldl\' (s: i: s + s) "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" (builtins.genList (x: x) 40))')).toBe('error: out of memory')
  })
  it('evaluates both operands of ++ before checking either', () => {
    expect(first('1 ++ (throw "R")')).toBe('error: R')
    expect(first('(throw "L") ++ 1')).toBe('error: L')
    expect(first('{ } ++ 18')).toBe('error: value is a set while a list was expected')
  })
})

describe('symbol order (first seen), where Nix shows it (outputs of nix-instantiate 2.8)', () => {
  // the order is process-wide, as in Nix: these tests use names no other test uses
  it('forces attributes in it under --strict and deepSeq', () => {
    expect(ev('{ sob = throw "b"; soa = throw "a"; }').split('\n')[0]).toBe('error: b')
    expect(ev('builtins.deepSeq { sodb = throw "b"; soda = throw "a"; } 1').split('\n')[0]).toBe('error: b')
    // names Nix makes at start-up come first
    expect(ev('{ som = throw "a"; meta = throw "m"; }').split('\n')[0]).toBe('error: m')
    // builtins.toJSON goes by name, and shows nothing of what it converted
    const r = runInstantiate({ mode: 'eval', strict: true, fromArgs: true, items: ['builtins.toJSON { sojb = throw "b"; soja = throw "a"; }'], cwd: '/tmp' })
    expect([r.stdout, r.stderr.split('\n')[0]]).toEqual(['', 'error: a'])
  })
  it('names the first unexpected or missing argument in it', () => {
    expect(ev('({ x }: x) { soub = 1; soua = 2; x = 3; }').split('\n')[0]).toBe("error: anonymous function at (string):1:2 called with unexpected argument 'soub'")
    expect(ev('({ somb, soma }: soma) { }').split('\n')[0]).toBe("error: anonymous function at (string):1:2 called without required argument 'somb'")
  })
  it('quotes names in messages as Nix prints symbols', () => {
    expect(ev('({ }: 1) { "x y" = 1; }').split('\n')[0]).toBe("error: anonymous function at (string):1:2 called with unexpected argument '\"x y\"'")
    expect(ev('builtins.getAttr "if" { }').split('\n')[0]).toBe("error: attribute '\"if\"' missing for call to 'getAttr'")
    // (a select's message shows the name as it is)
    expect(ev('{ }."x y"').split('\n')[0]).toBe("error: attribute 'x y' missing")
    // after a function was called with another layout
    expect(ev('let f = { a, b ? 2 }: [ a b ]; in [ (f { a = 1; b = 3; }) (f { a = 2; }) (f { b = 1; }) ]').split('\n')[0]).toBe("error: 'f' at (string):1:9 called without required argument 'a'")
    expect(ev('let f = { a, b ? 2 }: [ a b ]; in [ (f { a = 1; }) (f { a = 1; c = 3; }) ]').split('\n')[0]).toBe("error: 'f' at (string):1:9 called with unexpected argument 'c'")
    // after a select site has seen a set that has the name
    expect(ev('let get = s: s.b; in [ (get { b = 1; }) (get { a = 1; }) ]').split('\n').slice(0, 3)).toEqual(["error: attribute 'b' missing", '', '       at \xc2\xabstring\xc2\xbb:1:14:'])
    expect(ev('let deep = s: s.x.b; in [ (deep { x = { b = 1; }; }) (deep { x = { a = 1; }; }) ]').split('\n').slice(0, 3)).toEqual(["error: attribute 'b' missing", '', '       at \xc2\xabstring\xc2\xbb:1:15:'])
  })
  it('keeps formals in it', () => {
    const parse = (e: string): string => runInstantiate({ mode: 'parse', fromArgs: true, items: [e], cwd: '/tmp' }).stdout
    expect(parse('{ sofb, sofa, sofz, sofc ? 1 }: sofa')).toBe('({ sofb, sofa, sofz, sofc ? 1 }: sofa)\n')
    expect(parse('{ value, name }: 1')).toBe('({ name, value }: 1)\n')
  })
})

describe('traces', () => {
  const expr = 'builtins.trace "one" (builtins.trace "two\\tx" 3)'
  it('are collected in stderr, filtered as Nix prints them', () => {
    const r = runInstantiate({ mode: 'eval', fromArgs: true, items: [expr], cwd: '/tmp' })
    expect(r.stderr).toBe('trace: one\ntrace: two      x\n')
  })
  it('go to onTrace as they happen, and the first ones can be left out', () => {
    const seen: string[] = []
    const r = runInstantiate({ mode: 'eval', fromArgs: true, items: [expr], cwd: '/tmp', onTrace: (t) => seen.push(t), skipTraces: 1 })
    expect(seen).toEqual(['trace: two      x\n'])
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe('3\n')
  })
})

describe('JSON output', () => {
  it('is compact and sorted', () => {
    expect(ev('{ b = [ 1 1.5 "a\\nb" null true ]; a = { }; }', { json: true })).toBe('{"a":{},"b":[1,1.5,"a\\nb",null,true]}')
  })
  it('without --strict fails on unevaluated values, keeping what was printed', () => {
    const r = runInstantiate({ mode: 'eval', output: 'json', fromArgs: true, items: ['{ a = 1 + 1; }'] })
    expect(r.exitCode).toBe(1)
    expect(r.stdout).toBe('{"a":}')
    expect(r.stderr.split('\n')[0]).toBe('error: cannot convert a thunk to JSON')
    // what builtins make lazily is a function application in Nix's words
    const app = runInstantiate({ mode: 'eval', output: 'json', fromArgs: true, items: ['builtins.genList (x: x) 2'] })
    expect([app.stdout, app.stderr.split('\n')[0]]).toEqual(['[]', 'error: cannot convert a function application to JSON'])
  })
})
