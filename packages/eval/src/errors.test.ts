import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { seededRandom } from '@tsnix/test-kit'
import { NixAttrs, NixError, PrimOp, evalString, force, runInstantiate } from './index.js'
import { filterLogMessage } from './log.js'

const hasNix = (process.env['PATH'] ?? '').split(':').some((d) => d !== '' && existsSync(`${d}/nix-instantiate`))
const utf8 = (s: string): string => Buffer.from(s, 'latin1').toString('utf8')

const run = (expr: string, extra: string[] = []): { stderr: string; exitCode: number } => {
  const r = runInstantiate({ mode: 'eval', fromArgs: true, items: [expr], showTrace: extra.includes('--show-trace'), cwd: '/tmp' })
  return { stderr: utf8(r.stderr), exitCode: r.exitCode }
}

// a file Nix cannot read into a string (it has a NUL byte)
const scratch = mkdtempSync(join(tmpdir(), 'eval-errors-'))
const nulFile = join(scratch, 'nul.txt')
writeFileSync(nulFile, 'a\0b')
afterAll(() => rmSync(scratch, { recursive: true, force: true }))
const STORE_PATH = '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x'

/** One expression per error class, with what Nix 2.8 prints (captured from nix-instantiate). */
const ERRORS: Array<[string, string, string]> = [
  ['undefined variable (parse time)', 'x', `error: undefined variable 'x'

       at «string»:1:1:

            1| x
             | ^
`],
  ['type error', '1 + "a"', `error: cannot add a string to an integer

       at «string»:1:5:

            1| 1 + "a"
             |     ^
`],
  ['string with a context where none is allowed', `builtins.fromJSON (builtins.appendContext "1" { "${STORE_PATH}" = { path = true; }; })`, `error: the string '1' is not allowed to refer to a store path (such as '${STORE_PATH}')

       at «string»:1:1:

            1| builtins.fromJSON (builtins.appendContext "1" { "${STORE_PATH}" = { path = true; }; })
             | ^
`],
  ['file that is not a string (no position)', `builtins.readFile ${nulFile}`, `error: the contents of the file '${nulFile}' cannot be represented as a Nix string
`],
  ['file that is a directory (no position)', `builtins.readFile ${scratch}`, `error: reading from file: Is a directory
`],
  // Nix's logger: tabs to 8 columns counted from the start of the message (UTF-8 characters,
  // the indentation of continuation lines included), CRs and escape sequences dropped
  ['logger filtering of the message', 'throw ("a\\tb\\rc\\n\\t\u00e9\\tx" + builtins.fromJSON "\\"\\\\u001b[31mred\\\\u001b[0m \\\\u001b(B\\"")',
    'error: a        bc\n             \u00e9       xred (B\n'],
  ['attribute missing for a builtin, at an empty set literal', 'builtins.getAttr "b" ({} // {})', `error: attribute 'b' missing for call to 'getAttr'

       at «string»:1:29:

            1| builtins.getAttr "b" ({} // {})
             |                             ^
(use '--show-trace' to show detailed location information)
`],
  ['attribute missing for a builtin, in a set made from a literal (no position of its own)', 'builtins.getAttr "z" (builtins.mapAttrs (n: v: v) { a = 1; })', `error: attribute 'z' missing for call to 'getAttr'

       at «string»:1:1:

            1| builtins.getAttr "z" (builtins.mapAttrs (n: v: v) { a = 1; })
             | ^
`],
  ['missing attribute of inherit (e) x, at the start of the bindings', '{ x = 1; inherit ({ a = 1; }) b; }.b', `error: attribute 'b' missing

       at «string»:1:2:

            1| { x = 1; inherit ({ a = 1; }) b; }.b
             |  ^
       Did you mean a?
(use '--show-trace' to show detailed location information)
`],
  ['type error of ! (no position)', 'let f = x: !x; in f 1', `error: value is an integer while a Boolean was expected
`],
  ['// and with of something that is not a set (no position)', '{ } // (with 1; x)', `error: value is an integer while a set was expected
`],
  ['infinite recursion through a with, where the with names its set', 'let x = with x; y; in x', `error: infinite recursion encountered

       at «string»:1:14:

            1| let x = with x; y; in x
             |              ^
`],
  ['listToAttrs name that is not a string, at the name attribute', 'builtins.listToAttrs [ { name = 1; value = 2; } ]', `error: value is an integer while a string was expected

       at «string»:1:26:

            1| builtins.listToAttrs [ { name = 1; value = 2; } ]
             |                          ^
`],
  ['arithmetic on a float and a non-number', '1.5 - null', `error: value is null while a float was expected

       at «string»:1:1:

            1| 1.5 - null
             | ^
`],
  ['division: the divisor is checked first, zero before the dividend', 'null / 0', `error: division by zero

       at «string»:1:1:

            1| null / 0
             | ^
`],
  ['coercion', '"${1}"', `error: cannot coerce an integer to a string

       at «string»:1:2:

            1| "\${1}"
             |  ^
`],
  ['missing attribute with suggestions', '{ a = 1; b = 2; c = 3; }.d', `error: attribute 'd' missing

       at «string»:1:1:

            1| { a = 1; b = 2; c = 3; }.d
             | ^
       Did you mean one of a, b or c?
`],
  ['assertion', 'assert 1 == 2; 1', `error: assertion '(1 == 2)' failed

       at «string»:1:1:

            1| assert 1 == 2; 1
             | ^
`],
  ['infinite recursion', 'let x = x; in x', `error: infinite recursion encountered

       at «string»:1:9:

            1| let x = x; in x
             |         ^
`],
  ['throw', 'throw "foo"', 'error: foo\n'],
  ['abort', 'abort "foo"', "error: evaluation aborted with the following error message: 'foo'\n"],
  ['not a function', '(x: x) 1 2', `error: attempt to call something which is not a function but an integer

       at «string»:1:1:

            1| (x: x) 1 2
             | ^
`],
  ['missing argument', 'let f = {a}: a; in f {}', `error: 'f' at (string):1:9 called without required argument 'a'

       at «string»:1:20:

            1| let f = {a}: a; in f {}
             |                    ^
`],
  ['unexpected argument', 'let f = {a}: a; in f {a=1;b=2;}', `error: 'f' at (string):1:9 called with unexpected argument 'b'

       at «string»:1:20:

            1| let f = {a}: a; in f {a=1;b=2;}
             |                    ^
       Did you mean a?
`],
  ['list index', 'builtins.head []', `error: list index 0 is out of bounds

       at «string»:1:1:

            1| builtins.head []
             | ^
`],
  ['syntax error', '{ a = 1 }', `error: syntax error, unexpected '}', expecting ';'

       at «string»:1:9:

            1| { a = 1 }
             |         ^
`],
  ['duplicate attribute', 'let a = 1; in { inherit a; a = 2; }', `error: attribute 'a' already defined at (string):1:24

       at «string»:1:28:

            1| let a = 1; in { inherit a; a = 2; }
             |                            ^
`],
  // merging two set literals, Nix reports the earlier definition, "already defined at" the later
  ['duplicate attribute in merged set literals', '{ a = { b = 1; }; a = { b = 2; }; }', `error: attribute 'b' already defined at (string):1:25

       at «string»:1:9:

            1| { a = { b = 1; }; a = { b = 2; }; }
             |         ^
`],
  ['error inside a function', 'let f = x: x.y; in f { z = 1; }', `error: attribute 'y' missing

       at «string»:1:12:

            1| let f = x: x.y; in f { z = 1; }
             |            ^
       Did you mean z?
`],
  ['error under an attribute, with the trace hint', 'let s = { a = 1; }; in s.a.b', `error: value is an integer while a set was expected

       at «string»:1:24:

            1| let s = { a = 1; }; in s.a.b
             |                        ^
(use '--show-trace' to show detailed location information)
`],
  ['stack overflow', 'let f = x: f x; in f 1', 'error: stack overflow (possible infinite recursion)\n'],
]

describe('error messages as Nix prints them', () => {
  it.each(ERRORS)('%s', (_name, expr, want) => {
    const r = run(expr)
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toBe(want)
  })

  it('shows the trace with --show-trace', () => {
    const r = run('let f = x: x.y; in f { z = 1; }', ['--show-trace'])
    expect(r.stderr).toContain("… while evaluating 'f'\n\n       at «string»:1:9:")
    expect(r.stderr).toContain('… from call site')
    // a curried function's inner lambdas have its name too (Nix's setName)
    const curried = run('let f = s: x: x.y; in f 1 { z = 1; }', ['--show-trace'])
    expect(curried.stderr).toContain("… while evaluating 'f'\n\n       at «string»:1:12:")
  })

  it('keeps only colour sequences when stderr is a terminal', () => {
    expect(filterLogMessage('\x1b[31mred\x1b[0m\x1b[2J\tx', true)).toBe('\x1b[31mred\x1b[0m     x')
    expect(filterLogMessage('\x1b[31mred\x1b[0m\x1b[2J\tx', false)).toBe('red     x')
  })

  it('uses typed errors in the library', () => {
    try {
      runInstantiate({ mode: 'eval', fromArgs: true, items: ['('] })
    } catch {
      expect.unreachable()
    }
    const e = new NixError('thrown', 'x')
    expect(e.catchable).toBe(true)
  })
})

/** Builtins called with wrong arguments: which argument is checked first, and how it is reported. */
function badCalls(seed: number, n: number): string[] {
  const { value } = evalString('builtins')
  const skip = /^(fetch|derivation|toFile|filterSource|path$|storePath|getEnv|currentTime|trace|read|pathExists|import|scopedImport|hashFile|findFile|placeholder|toPath|unsafeGetAttrPos|abort|throw|addErrorContext)/
  const calls: string[] = []
  const pool = ['1', '"a"', '[ 1 ]', '{ a = 1; }', '(x: x)', 'null', '1.5']
  const rand = seededRandom(seed)
  const pick = (): string => pool[Math.floor(rand() * pool.length)]!
  const set = value as NixAttrs
  for (const name of set.keys()) {
    const f = force(set.get(name)!)
    if (!(f instanceof PrimOp) || f.arity < 2 || skip.test(name)) continue
    calls.push(`builtins.${name} ${Array.from({ length: f.arity }, pick).join(' ')}`)
  }
  return calls.filter(() => rand() < n)
}

describe.skipIf(!hasNix)('error messages against real nix-instantiate', () => {
  const nixStderr = (expr: string, flags: string[] = []): { stderr: string; status: number | null } =>
    spawnSync('nix-instantiate', ['--eval', ...flags, '-E', expr], { cwd: '/tmp', encoding: 'utf8', env: { ...process.env, NIX_REMOTE: 'dummy://' } })
  it.each(ERRORS.filter(([n]) => n !== 'stack overflow'))('%s', (_name, expr) => {
    const nix = nixStderr(expr)
    const ours = run(expr)
    expect(ours.exitCode).toBe(nix.status)
    expect(ours.stderr).toBe(nix.stderr)
  })
  it('reports builtins called with wrong arguments as Nix does (seeded)', () => {
    for (const expr of [...badCalls(5, 0.5), 'builtins.concatMap (x: x) [ 1 ]', 'builtins.zipAttrsWith (x: x) [ 1 ]', 'builtins.appendContext "a" { "/nix/store/abc" = { path = true; }; }']) {
      const nix = nixStderr(expr, ['--strict', '--show-trace'])
      const ours = run(expr, ['--show-trace'])
      expect({ expr, stderr: ours.stderr }).toEqual({ expr, stderr: nix.stderr })
    }
  }, 60_000) // (a nix-instantiate per expression: seconds on a loaded machine)
})
