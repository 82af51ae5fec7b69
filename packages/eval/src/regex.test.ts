/**
 * `builtins.match` and `builtins.split` against Nix 2.8 (libstdc++'s std::regex, extended syntax).
 * The expected values in the tables were observed with `nix-instantiate --eval --strict --json`
 * (Nix 2.8.0, GCC 12 libstdc++); the differential tests re-check them, and random patterns, when
 * Nix is on PATH.
 */
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { onPath, seededRandom } from '@tsnix/test-kit'
import { runInstantiate } from './index.js'
import { buildRegex } from './regex.js'

const hasNix = onPath('nix-instantiate')

type Fn = 'match' | 'split'
type Case = readonly [Fn, string, string, unknown]

/** Observed with Nix 2.8.0: [function, pattern, subject, result]. */
const TABLE: readonly Case[] = [
  // POSIX longest-of-alternatives at a position, captures kept across iterations
  ['match', '((a)|b)+', 'ab', ['b', 'a']],
  ['match', '(a|ab)(c|bcd)(d*)', 'abcd', ['a', 'bcd', '']],
  ['match', '(a*)(ab)*b*', 'aabb', ['aa', null]],
  ['match', '(a|b)*', 'abab', ['b']],
  ['match', '(a*)*', 'aa', ['']],
  ['match', '(a*)+', '', ['']],
  ['match', '(a|ab)(bc|c)', 'abc', ['a', 'bc']],
  ['match', '(a|ab)*c', 'abac', ['a']],
  ['match', '(a|ab|abc)*', 'abcabc', ['abc']],
  ['match', '((a)|(b))*', 'ab', ['b', 'a', 'b']],
  ['match', '(a?)*b', 'ab', ['']],
  ['match', '(a?){2}b', 'ab', ['']],
  ['match', '(a{0,2}){2}', 'aaa', ['a']],
  ['match', '([a-c]*)(c*)', 'abcc', ['abcc', '']],
  ['match', '(x|xy)(z|yz)?', 'xyz', ['x', 'yz']],
  ['match', '(|a)+', 'a', ['']],
  ['match', '(a|)+', 'a', ['']],
  ['match', '()', '', ['']],
  ['match', 'a|b|', '', []],
  ['match', '', '', []],
  ['match', 'x*', '', []],
  // anchors, escapes, intervals
  ['match', '^a$', 'a', []],
  ['match', 'a^', 'a', null],
  ['match', '\\.', '.', []],
  ['match', '\\.', 'a', null],
  ['match', 'a{2,3}', 'aaaa', null],
  ['match', '(ab){2}', 'abab', ['ab']],
  ['match', 'a{0}b', 'b', []],
  ['match', 'a{1}{2}', 'aa', []],
  ['match', 'a**', 'aaa', []],
  ['match', 'a{4294967297}', 'a', []], // the count wraps like a C int
  // bytes and bracket expressions ("C" locale, signed chars)
  ['match', '.', '\n', []],
  ['match', '(.*)', 'é', ['é']],
  ['match', '[[:alpha:]]', 'é', null],
  ['match', '[é]+', 'é', []],
  ['match', '[é]', 'é', null],
  ['match', '[[:space:]]+', ' \t\n', []],
  ['match', '[[=a=]]+', 'aA', []],
  ['match', '[[.hyphen.]]', '-', []],
  ['match', '[[.space.]]', ' ', []],
  ['match', '[]a]+', ']a', []],
  ['match', '[^]a]', 'b', []],
  ['match', '[a\\]+', 'a\\', []],
  ['match', '[[:upper:][:digit:]]+', 'A1', []],
  ['match', '[[:ALPHA:]]+', 'aZ', []],
  ['match', '[a-]+', 'a-', []],
  ['match', '[--/]+', '-./', []],
  ['match', '(.*)-(.*)', 'a-b-c', ['a-b', 'c']],
  ['match', '([^.]*)\\.(.*)', '1.2.3', ['1', '2.3']],
  // split: leftmost, then longest alternative; empty matches; the iterator's retry rules
  ['split', '(a|ab)', 'abc', ['', ['ab'], 'c']],
  ['split', 'a*', 'baaac', ['', [], 'b', [], '', [], 'c', [], '']],
  ['split', '', 'abc', ['', [], 'a', [], 'b', [], 'c', [], '']],
  ['split', '(a*)*', 'b', ['', [''], 'b', [''], '']],
  ['split', '(a)|(b)', 'xbxa', ['x', [null, 'b'], 'x', ['a', null], '']],
  ['split', '^', 'abc', ['', [], 'abc']],
  ['split', '$', 'abc', ['abc', [], '']],
  ['split', 'x', 'abc', ['abc']],
  ['split', '(a|)', 'bab', ['', [''], 'b', ['a'], '', [''], 'b', [''], '']],
  ['split', ', *', 'a, b,c', ['a', [], 'b', [], 'c']],
  ['split', '(b*|a)', 'ab', ['', ['a'], '', ['b'], '', [''], '']],
  ['split', 'a|b*', 'abba', ['', [], '', [], '', [], '', [], '']],
  ['split', '(a)|b*', 'cab', ['', [null], 'c', ['a'], '', [null], '', [null], '']],
  ['split', '^a|b', 'aab', ['', [], 'a', [], '']],
  ['split', '(.)', 'ab', ['', ['a'], '', ['b'], '']],
  ['split', '[[:digit:]]+', 'a12b3', ['a', [], 'b', [], '']],
  ['split', '(x*)(y|z)?', 'xxyzq', ['', ['xx', 'y'], '', ['', 'z'], '', ['', null], 'q', ['', null], '']],
  ['split', '-', 'a-b--c', ['a', [], 'b', [], '', [], 'c']],
  ['split', '\\.', '1.2.3', ['1', [], '2', [], '3']],
  ['split', '(b|ab)*', 'aabb', ['', [null], 'a', ['b'], '', [null], '']],
]

/** Observed with Nix 2.8.0: patterns std::regex rejects ('space': too many NFA states). */
const ERRORS: readonly (readonly [string, 'invalid' | 'space'])[] = [
  ['\\d', 'invalid'], // strict ANSI build: only special characters may be escaped
  ['\\]', 'invalid'],
  ['a\\', 'invalid'],
  ['(', 'invalid'],
  ['a)', 'invalid'],
  ['*a', 'invalid'],
  ['a|*', 'invalid'],
  ['^*', 'invalid'],
  ['{1}', 'invalid'],
  ['a{', 'invalid'],
  ['a{1', 'invalid'],
  ['a{,2}', 'invalid'],
  ['a{2,1}', 'invalid'],
  ['x{1,4294967296}', 'invalid'],
  ['[a', 'invalid'],
  ['[z-a]', 'invalid'],
  ['[a-z-0]', 'invalid'],
  ['[a-é]', 'invalid'], // 0xc3 is a negative char
  ['[[:foo:]]', 'invalid'],
  ['[[.foo.]]', 'invalid'],
  ['[[.-.]]', 'invalid'],
  ['a{99994}', 'space'],
  ['(ab){19998}', 'space'],
  ['a{1,49998}', 'space'],
  ['(a|b){12498,}', 'space'],
]

/** Patterns that are still valid right at the state limit. */
const LIMIT_OK = ['a{99993}', '(ab){19997}', 'a{1,49997}', '(a|b){12497,}']

/** A Nix string literal for a byte-agnostic JS string. */
const nixStr = (s: string): string =>
  `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$\{/g, '\\${').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`

const call = (f: Fn, p: string, s: string): string => `(builtins.${f} ${nixStr(p)} ${nixStr(s)})`

function ours(text: string): { value: unknown; stderr: string } {
  const r = runInstantiate({ mode: 'eval', strict: true, output: 'json', fromArgs: true, items: [text], cwd: '/tmp' })
  const out = Buffer.from(r.stdout, 'latin1').toString('utf8')
  return { value: out === '' ? undefined : JSON.parse(out), stderr: Buffer.from(r.stderr, 'latin1').toString('utf8') }
}

function nix(text: string): { value: unknown; stderr: string } {
  const r = spawnSync('nix-instantiate', ['--eval', '--strict', '--json', '-E', text], {
    cwd: '/tmp', env: { ...process.env, NIX_REMOTE: 'dummy://' }, maxBuffer: 1 << 26,
  })
  return { value: r.status === 0 ? JSON.parse(r.stdout.toString('utf8')) : undefined, stderr: r.stderr.toString('utf8') }
}

const errorLine = (p: string, code: 'invalid' | 'space'): string =>
  code === 'space' ? `error: memory limit exceeded by regular expression '${p}'` : `error: invalid regular expression '${p}'`


/** Random small patterns over a tiny alphabet (only ones we accept) and subjects for them. */
function corpus(seed: number, n: number): [string, string][] {
  const r = seededRandom(seed)
  const int = (k: number): number => Math.floor(r() * k)
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!
  const regex = (d: number): string => {
    let s = alt(d)
    while (d > 0 && r() < 0.3) s += `|${alt(d)}`
    return s
  }
  const alt = (d: number): string => {
    let s = ''
    for (let i = int(4); i > 0; i--) s += piece(d)
    return s
  }
  const piece = (d: number): string => {
    const k = int(12)
    if (k === 0) return pick(['^', '$'])
    let a: string
    if (k < 5) a = pick(['a', 'b', 'a', 'c'])
    else if (k === 5) a = '.'
    else if (k < 9 && d > 0) a = `(${regex(d - 1)})`
    else a = pick(['[ab]', '[^a]', '[a-b]', '[[:alpha:]]', '[b]'])
    if (r() < 0.45) a += pick(['*', '+', '?', '*', '{0,1}', '{1,2}', '{2}', '{1,}', '{0}', '+', '?'])
    if (r() < 0.05) a += pick(['*', '+', '?'])
    return a
  }
  const subject = (): string => {
    let s = ''
    for (let i = int(7); i > 0; i--) s += pick(['a', 'b', 'c', 'a', 'b'])
    return s
  }
  const out: [string, string][] = []
  while (out.length < n) {
    const p = regex(2)
    try {
      buildRegex(p)
    } catch {
      continue
    }
    for (let j = 0; j < 3; j++) out.push([p, subject()])
  }
  return out
}

describe('builtins.match / builtins.split (values observed from Nix 2.8)', () => {
  it.each(TABLE.map((c) => [c[0], JSON.stringify(c[1]), JSON.stringify(c[2]), c] as const))(
    '%s %s %s',
    (_f, _p, _s, [f, p, s, want]) => {
      const r = ours(call(f, p, s))
      expect(r.stderr).toBe('')
      expect(r.value).toEqual(want)
    },
  )

  it.each(ERRORS.map(([p, code]) => [JSON.stringify(p), p, code] as const))('rejects %s', (_n, p, code) => {
    const r = ours(call('match', p, ''))
    expect(r.value).toBeUndefined()
    expect(r.stderr.split('\n')[0]).toBe(errorLine(p, code))
  })

  it('accepts patterns right at the NFA state limit', () => {
    expect(ours(`[ ${LIMIT_OK.map((p) => call('match', p, '')).join(' ')} ]`)).toEqual({ value: [null, null, null, null], stderr: '' })
  })

  it('split keeps the context of the subject when nothing matches', () => {
    const d = 'builtins.appendContext "abc" { "/nix/store/00000000000000000000000000000000-x" = { path = true; }; }'
    const r = ours(`let d = ${d}; in [ (builtins.hasContext (builtins.head (builtins.split "QQQ" d))) (builtins.hasContext (builtins.head (builtins.split "b" d))) ]`)
    expect(r).toEqual({ value: [true, false], stderr: '' }) // as Nix 2.8
  })

  it('matches long subjects without exhausting the JS stack', () => {
    const r = ours('builtins.match "(a|b)*c" (builtins.concatStringsSep "" (builtins.genList (x: "ab") 50000) + "c")')
    expect(r).toEqual({ value: ['b'], stderr: '' })
  })

  it('the JS fast path and the libstdc++ executor agree on random patterns', () => {
    let fast = 0
    for (const [p, s] of corpus(11, 600)) {
      const a = buildRegex(p)
      const b = buildRegex(p, 'nfa')
      if (!a.fast) continue
      fast++
      expect({ p, s, m: a.match(s), sp: a.split(s) }).toEqual({ p, s, m: b.match(s), sp: b.split(s) })
    }
    expect(fast).toBeGreaterThan(100)
  })
})

describe.skipIf(!hasNix)('differential: builtins.match / builtins.split vs nix-instantiate', () => {
  it('the table', () => {
    const text = `[ ${TABLE.map(([f, p, s]) => call(f, p, s)).join('\n')} ]`
    const want = nix(text)
    expect(want.stderr).toBe('')
    expect(TABLE.map((c) => c[3])).toEqual(want.value)
    expect(ours(text)).toEqual(want)
  })

  it('the rejected patterns', () => {
    for (const [p, code] of ERRORS) expect({ p, line: nix(call('match', p, '')).stderr.split('\n')[0] }).toEqual({ p, line: errorLine(p, code) })
  })

  for (const seed of [1, 2, 3, 4]) {
    it(`seed ${seed}: 300 random patterns × subjects`, () => {
      const cases = corpus(seed, 300)
      const text = `[ ${cases.map(([p, s]) => `${call('match', p, s)} ${call('split', p, s)}`).join('\n')} ]`
      const want = nix(text)
      expect(want.stderr).toBe('')
      const got = ours(text)
      expect(got.stderr).toBe('')
      const w = want.value as unknown[]
      const g = got.value as unknown[]
      for (let i = 0; i < cases.length; i++) {
        const [p, s] = cases[i]!
        expect({ p, s, match: g[2 * i], split: g[2 * i + 1] }).toEqual({ p, s, match: w[2 * i], split: w[2 * i + 1] })
      }
    })
  }
})
