/**
 * The native evaluator (native/src/nixeval) against its twin, the TS evaluator: on every
 * generated program and on package-set programs, whatever the native one prints must be
 * exactly what the TS one prints; where it declines, the TS one runs and the result is the
 * same as without it. Counts of accepted programs make sure the native path is exercised.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { seededRandom } from '@tsnix/test-kit'
import { runInstantiate, type InstantiateOptions } from './index.js'
import { nativeAddon } from './native-addon.js'
import { corpus, illTypedProgram, numberProgram, pathProgram, sharingProgram } from './fixtures/programs.js'

const hasEvaluator = nativeAddon()?.evalNix !== undefined

/** Both evaluators on one job: the native one's result (if it took the job) must be the TS one's. */
function twin(opts: InstantiateOptions): boolean {
  const ts = runInstantiate({ ...opts, native: false })
  const native = runInstantiate({ ...opts, native: true })
  const strip = (r: typeof ts): object => ({ stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode })
  expect({ program: opts.items, ...strip(native) }).toEqual({ program: opts.items, ...strip(ts) })
  return native.native === true
}

const expr = (e: string, output: 'nix' | 'json' = 'nix'): InstantiateOptions =>
  ({ mode: 'eval', strict: true, output, fromArgs: true, items: [e], cwd: '/tmp' })

/** A package set in nixpkgs' style: callPackage, overlays, a fixpoint, `//`, strings, versions. */
function packageSet(n: number): string {
  const pkgs: string[] = []
  for (let i = 0; i < n; i++) {
    const deps = i < 3 ? [] : [...new Set([Math.floor(i / 2), (i * 7) % i, i - 1])]
    pkgs.push(`p${i} = callPackage ({ lib, mkDerivation${deps.map((d) => `, p${d}`).join('')}${i % 4 === 0 ? ', docs ? false, ...' : ''} }: mkDerivation {
      pname = "pkg-${i}"; version = "${1 + (i % 5)}.${i % 7}${i % 9 === 0 ? 'pre' : ''}";
      buildInputs = [ ${deps.map((d) => `p${d}`).join(' ')} ]${i % 4 === 0 ? ' ++ lib.optional docs "doc"' : ''};
      meta = with lib; { license = licenses.${['mit', 'gpl'][i % 2]}; description = "Package \${toString ${i}}"; };
    }) { };`)
  }
  return `let
    lib = rec {
      fix = f: let x = f x; in x;
      extends = o: f: self: let super = f self; in super // o self super;
      optional = c: x: if c then [ x ] else [ ];
      licenses = builtins.mapAttrs (n: v: { shortName = n; fullName = v; }) { mit = "MIT"; gpl = "GPL"; };
      hasSuffix = s: t: let a = builtins.stringLength t; b = builtins.stringLength s; in a >= b && builtins.substring (a - b) a t == s;
      filterAttrs = p: s: builtins.listToAttrs (builtins.concatMap (n: if p n s.\${n} then [ { name = n; value = s.\${n}; } ] else [ ]) (builtins.attrNames s));
      callPackageWith = auto: f: args: f (builtins.intersectAttrs (builtins.functionArgs f) auto // args);
    };
    mkDerivation = { pname, version, buildInputs ? [ ], meta ? { } }@a: a // {
      name = "\${pname}-\${version}";
      outPath = "/nix/store/\${builtins.substring 0 32 (builtins.hashString "sha256" pname)}-\${pname}";
      depth = builtins.foldl' (m: d: if d.depth >= m then d.depth + 1 else m) 0 buildInputs;
    };
    base = self: let callPackage = lib.callPackageWith (self // { inherit lib mkDerivation; }); in {
      ${pkgs.join('\n      ')}
    };
    overlay = self: super: builtins.mapAttrs (n: p: if lib.hasSuffix "0" n then p // { tagged = true; } else p) super;
    pkgs = lib.fix (lib.extends overlay base);
    names = builtins.attrNames pkgs;
  in {
    count = builtins.length names;
    depth = builtins.foldl' (a: n: a + pkgs.\${n}.depth) 0 names;
    tagged = builtins.attrNames (lib.filterAttrs (n: p: p ? tagged) pkgs);
    versions = builtins.groupBy (n: builtins.head (builtins.splitVersion pkgs.\${n}.version)) names;
    newest = builtins.foldl' (a: n: if builtins.compareVersions pkgs.\${n}.version a > 0 then pkgs.\${n}.version else a) "0" names;
    json = builtins.toJSON (map (n: { inherit (pkgs.\${n}) name outPath; licence = pkgs.\${n}.meta.license.shortName; }) names);
  }`
}

describe.skipIf(!hasEvaluator)('native evaluator: same output as the TS evaluator', () => {
  it('on each expression of the generated corpus, text and JSON (seeded)', () => {
    let accepted = 0
    let total = 0
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      for (const e of corpus(seed, 120)) {
        total += 2
        if (twin(expr(e))) accepted++
        if (twin(expr(e, 'json'))) accepted++
      }
    }
    // (the rest use what the native evaluator leaves out: `sort`, `match`, `split`, paths in strings, …)
    expect(accepted / total).toBeGreaterThan(0.85)
  }, 120_000)
  it('on ill-typed programs: every error is the TS evaluator\'s (seeded)', () => {
    let accepted = 0
    const rand = seededRandom(31337)
    for (let i = 0; i < 400; i++) if (twin(expr(illTypedProgram(rand, 5, [])))) accepted++
    expect(accepted).toBeGreaterThan(100)
  }, 120_000)
  it('on values reached along several paths («repeated» is left to the TS evaluator) (seeded)', () => {
    let accepted = 0
    const rand = seededRandom(4242)
    for (let i = 0; i < 200; i++) if (twin(expr(sharingProgram(rand)))) accepted++
    expect(accepted).toBeGreaterThan(40)
  }, 60_000)
  it('on numbers and paths (seeded)', () => {
    let accepted = 0
    const nums = seededRandom(2453)
    for (let i = 0; i < 300; i++) if (twin(expr(numberProgram(nums, 3)))) accepted++
    const paths = seededRandom(2412)
    for (let i = 0; i < 200; i++) if (twin(expr(pathProgram(paths)))) accepted++
    expect(accepted).toBeGreaterThan(180)
  }, 60_000)
  it('on package sets, which it evaluates itself', () => {
    for (const n of [1, 10, 200]) {
      expect(twin(expr(packageSet(n)))).toBe(true)
      expect(twin(expr(packageSet(n), 'json'))).toBe(true)
    }
  }, 60_000)
})

describe.skipIf(!hasEvaluator)('native evaluator: what it takes and what it leaves', () => {
  const takes = (e: string): boolean => twin(expr(e))
  it('takes programs within what it implements', () => {
    for (const e of [
      '1', '"a${"b"}c"', '[ 1 2.5 "x" null true ]', '{ a = 1; "b c" = 2; "if" = 3; }', 'rec { a = b; b = 1; }',
      'let f = { a, b ? a + 1, ... }@s: [ a b (s ? c) ]; in f { a = 1; c = 2; }', 'with { x = 1; }; with { y = 2; }; x + y',
      'builtins.genList (i: { i = i; }) 3', '{ __functor = s: x: x + 1; } 1', 'builtins.map (builtins.add 1) [ 1 2 ]',
      'let x = 1.0e300 * 1.0e300; in [ x (-x) (0.1 + 0.2) 1.0e-5 123456789.0 ]', '(9223372036854775807 + 1)',
      'builtins.toJSON { a = [ 1 "\\n" { b = null; } ]; c = { outPath = "/x"; }; d = { __toString = s: "y"; }; }',
      'builtins.replaceStrings [ "" "a" ] [ "-" "A" ] "abc"', 'builtins.genericClosure { startSet = [ { key = 1; } ]; operator = x: if x.key < 5 then [ { key = x.key + 1; } ] else [ ]; }',
      '[ (x: x) builtins.map (builtins.map (x: x)) ]',
    ]) expect({ e, taken: takes(e) }).toEqual({ e, taken: true })
  })
  it('sorts as Nix, whatever the comparator (seeded)', () => {
    const rand = seededRandom(77)
    const cmps = ['a: b: a < b', 'a: b: a <= b', 'a: b: true', 'a: b: false', 'a: b: (a + b) - ((a + b) / 3) * 3 == 0', 'builtins.lessThan']
    for (let i = 0; i < 60; i++) {
      const list = Array.from({ length: Math.floor(rand() * 60) }, () => Math.floor(rand() * 20))
      const e = `builtins.sort (${cmps[Math.floor(rand() * cmps.length)]!}) [ ${list.join(' ')} ]`
      expect({ e, taken: takes(e) }).toEqual({ e, taken: true })
    }
  })
  it('reads JSON as the TS evaluator (seeded texts, some malformed)', () => {
    const rand = seededRandom(1717)
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
    const json = (d: number): string => {
      if (d <= 0 || rand() < 0.3) {
        return pick(['0', '-0', '12', '-7', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '1.5', '-0.0', '1e3',
          '2.5E-3', '1e400', '01', '1.', 'true', 'false', 'null', 'nul', '"a"', '"\\u00e9\\n"', '"\\ud83d\\ude00"', '"\\ud800"',
          '"x\\u0000y"', '"é"', '"\\/\\b\\f"', '""'])
      }
      const n = Math.floor(rand() * 4)
      if (rand() < 0.5) return `[${Array.from({ length: n }, () => json(d - 1)).join(pick([',', ' , ', ',,']))}]`
      return `{${Array.from({ length: n }, () => `${pick(['"a"', '"b"', '"a b"', '"é"', 'c'])}:${json(d - 1)}`).join(',')}}`
    }
    let accepted = 0
    for (let i = 0; i < 300; i++) {
      const text = pick(['', ' ', '\n']) + json(3) + pick(['', ' ', 'x'])
      if (twin(expr(`builtins.fromJSON ${JSON.stringify(text).replace(/\$\{/g, '\\${')}`))) accepted++
    }
    expect(accepted).toBeGreaterThan(80)
  })
  it('leaves errors, traces, string context, the store, regular expressions and «repeated» to the TS evaluator', () => {
    for (const e of [
      'throw "no"', '{ a = 1; }.b', 'assert false; 1', 'let x = x; in x', 'builtins.trace "t" 1', 'builtins.tryEval (throw "x")',
      '"${./a}"', 'builtins.match "a" "a"', 'let s = { a = 1; }; in [ s s ]',
      '__curPos', 'builtins.getEnv "HOME"', '1 / 0', '(x: x) == (x: x)', '<nixpkgs>', 'builtins.derivation',
    ]) expect({ e, taken: takes(e) }).toEqual({ e, taken: false })
  })
  it('recurses as deep as Nix does, and leaves deeper recursion to the TS evaluator', () => {
    // (in-process, the TS evaluator overflows its stack before 10 000; the tool then retries
    // with a larger one)
    const deep = (n: number): InstantiateOptions => ({ ...expr(`let f = n: if n == 0 then 0 else 1 + f (n - 1); in f ${n}`), native: true })
    expect(runInstantiate(deep(10000))).toMatchObject({ stdout: '10000\n', native: true })
    const deeper = runInstantiate(deep(200000))
    expect([deeper.native, deeper.stackOverflow]).toEqual([undefined, true])
  }, 60_000)
  it('follows -A paths as nix-instantiate, calling functions with formals and functors on the way', () => {
    const e = '{ x ? 1 }: { a.b = [ x { c = 2; } ]; "d.e" = { __functor = s: { f ? 3 }: { g = f; }; }; n = { y }: y; }'
    const taken = (attrPaths: string[], output: 'nix' | 'json' = 'nix'): boolean => twin({ ...expr(e, output), attrPaths })
    expect(taken(['a.b.1.c', 'a.b.0', '"d.e".g'])).toBe(true)
    expect(taken(['a', 'a.b'], 'json')).toBe(true)
    expect(runInstantiate({ ...expr(e), attrPaths: ['a.b.1.c', '"d.e".g'], native: true })).toMatchObject({ stdout: '2\n3\n', native: true })
    // errors (out of range, an empty name, a missing argument) are the TS evaluator's
    for (const paths of [['a.b.2'], ['a..b'], ['n.y'], ['a.c'], ['"a']]) expect(taken(paths)).toBe(false)
  })
  it('imports and reads files as Nix does: relative to the file, a directory\'s default.nix, one value per file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'native-eval-'))
    mkdirSync(join(dir, 'sub'))
    writeFileSync(join(dir, 'sub', 'default.nix'), '{ x = ./x; y = import ./y.nix; }')
    writeFileSync(join(dir, 'sub', 'y.nix'), '[ 1 2 3 ]')
    writeFileSync(join(dir, 'main.nix'), 'let a = import ./sub; b = import ./sub/default.nix; in [ a.x a.y (a == b) ]')
    writeFileSync(join(dir, 'repeat.nix'), 'let a = import ./sub; b = import ./sub/default.nix; in [ a b ]')
    symlinkSync(join(dir, 'sub', 'y.nix'), join(dir, 'link.nix'))
    writeFileSync(join(dir, 'viaLink.nix'), 'import ./link.nix')
    writeFileSync(join(dir, 'files.nix'), `[ (builtins.readDir ./.) (builtins.readDir ./sub) (builtins.readFile ./sub/y.nix)
      (builtins.pathExists ./sub) (builtins.pathExists ./nothing) (builtins.pathExists "${dir}/link.nix") (builtins.readFile "${dir}/link.nix") ]`)
    writeFileSync(join(dir, 'nul.nix'), 'builtins.readFile ./nul')
    writeFileSync(join(dir, 'nul'), 'a\0b')
    const file = (f: string): InstantiateOptions => ({ mode: 'eval', strict: true, items: [join(dir, f)], cwd: dir })
    expect(twin(file('main.nix'))).toBe(true)
    expect(runInstantiate({ ...file('main.nix'), native: true })).toMatchObject({ stdout: `[ ${dir}/sub/x [ 1 2 3 ] true ]\n`, native: true })
    // the same set twice: «repeated», the TS evaluator's to print
    expect(twin(file('repeat.nix'))).toBe(false)
    // a symbolic link's target decides the directory: left to the TS evaluator
    expect(twin(file('viaLink.nix'))).toBe(false)
    expect(twin(file('link.nix'))).toBe(false)
    // readFile, readDir, pathExists; a NUL in a file is an error
    expect(twin(file('files.nix'))).toBe(true)
    expect(twin(file('nul.nix'))).toBe(false)
  })
})
