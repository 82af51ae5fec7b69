// The native parser (`@tsnix/native`) against the TS parser: the same trees (property order,
// shared objects, Map order, array lengths), the same symbols in the same order, and the TS
// parser's errors wherever the native one declines, the free variables of scope.ts. Skipped
// when the addon is not built
// (`cd native && pnpm run build:native`).
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { seededRandom } from '@tsnix/test-kit'
import { bodyOf, type Expr, type ExprLambda } from './ast.js'
import { nativeFreeVariables, nativeParserAvailable, parseNative } from './native-parse.js'
import { parse, type ParseOptions } from './parser.js'
import { freeVariables } from './scope.js'
import { Source } from './source.js'

const OPTIONS: ParseOptions = { home: '/home/u' }
const src = (text: string): Source => new Source('file', '/base/f.nix', text, '/base')

/**
 * The first difference between two values as a path, or undefined: own keys in order,
 * array lengths, Map entries in order, and the same sharing of objects on both sides.
 * (With a stack of its own: syntax trees can be deeper than the JS stack allows.)
 */
function difference(x: unknown, y: unknown): string | undefined {
  const seen = new Map<object, object>()
  const seenB = new Map<object, object>()
  const todo: Array<[unknown, unknown, string]> = [[x, y, '$']]
  for (let item = todo.pop(); item !== undefined; item = todo.pop()) {
    const [a, b, at] = item
    if (typeof a !== typeof b) return `${at}: ${typeof a} vs ${typeof b}`
    if (a === null || typeof a !== 'object') {
      if (!Object.is(a, b)) return `${at}: ${String(a)} vs ${String(b)}`
      continue
    }
    const o = b as object
    if (seen.has(a) || seenB.has(o)) {
      if (seen.get(a) !== o || seenB.get(o) !== a) return `${at}: shared on one side only`
      continue
    }
    seen.set(a, o)
    seenB.set(o, a)
    if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(o)) return `${at}: different prototypes`
    if (a instanceof Map) {
      const ea = [...a]
      const eb = [...(o as Map<unknown, unknown>)]
      if (ea.length !== eb.length) return `${at}: ${ea.length} vs ${eb.length} entries`
      for (let i = 0; i < ea.length; i++) {
        if (ea[i]![0] !== eb[i]![0]) return `${at}: key ${String(ea[i]![0])} vs ${String(eb[i]![0])}`
        todo.push([ea[i]![1], eb[i]![1], `${at}.get(${String(ea[i]![0])})`])
      }
      continue
    }
    const ka = Object.keys(a)
    const kb = Object.keys(o)
    if (ka.join() !== kb.join()) return `${at}: keys ${ka.join()} vs ${kb.join()}`
    for (const k of ka) todo.push([(a as Record<string, unknown>)[k], (o as Record<string, unknown>)[k], `${at}.${k}`])
  }
  return undefined
}

/**
 * A tree of `lazyBodies: true` with every lambda body decoded in place (as deep as they go),
 * and how many bodies were left to decode.
 */
function decodeBodies(e: Expr): { tree: Expr; lazy: number } {
  let lazy = 0
  const seen = new Set<object>()
  const todo: unknown[] = [e]
  while (todo.length > 0) {
    const x = todo.pop()
    if (x === null || typeof x !== 'object' || seen.has(x)) continue
    seen.add(x)
    const node = x as Record<string, unknown>
    if (node['k'] === 'lambda') {
      const lambda = node as unknown as ExprLambda
      if (lambda.body.k === 'lazy') {
        lazy++
        lambda.body = bodyOf(lambda)
      }
    }
    if (x instanceof Map) todo.push(...x.values())
    else todo.push(...Object.values(node))
  }
  return { tree: e, lazy }
}

/** What the TS parser does with `source`: its tree or its error. */
function tsParse(source: Source): { e: Expr } | { err: unknown } {
  try {
    return { e: parse(source, { ...OPTIONS, native: false }) }
  } catch (err) {
    return { err }
  }
}

/**
 * Compares both parsers on a source: 'same' (equal trees), 'fallback' (the native parser
 * declined a valid source) or 'error' (invalid: the native parser declined, and `parse`
 * throws what the TS parser throws). Fails on any other outcome.
 */
function check(text: string, source = src(text)): 'same' | 'fallback' | 'error' {
  const ts = tsParse(source)
  const native = parseNative(source, OPTIONS)
  if ('err' in ts) {
    expect(native, text.slice(0, 200)).toBeUndefined()
    expect(() => parse(source, { ...OPTIONS, native: true })).toThrow(ts.err as Error)
    return 'error'
  }
  if (native === undefined) return 'fallback'
  expect(difference(ts.e, native), text.slice(0, 300)).toBeUndefined()
  expect(nativeFreeVariables(native), text.slice(0, 300)).toEqual(freeVariables(ts.e))
  // bodies decoded when read make the same tree
  const lazy = decodeBodies(parseNative(source, { ...OPTIONS, lazyBodies: true })!)
  expect(difference(ts.e, lazy.tree), text.slice(0, 300)).toBeUndefined()
  lazyBodies += lazy.lazy
  return 'same'
}

/** Lambda bodies left to decode when read, in the trees `check` compared so far. */
let lazyBodies = 0

/** A generator of valid Nix programs using every construct of the grammar. */
function programs(seed: number): () => string {
  const rnd = seededRandom(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!
  const chance = (p: number): boolean => rnd() < p
  let fresh = 0
  const name = (): string => `${pick(['a', 'x', 'foo', 'b-c', "d'", '_e', 'pkg'])}${fresh++}`
  const sp = (): string => pick([' ', ' ', ' ', '  ', '\n  ', '\t', ' /* c */ ', ' # c\n', '\r\n', '\n\n    '])
  const ident = (): string => pick(['a', 'b', 'x', 'foo', 'bar-baz', "x'", '_u', 'lib', 'self', 'or_', 'in2', 'ifx'])

  const INTS = ['0', '7', '007', '2147483647', '2147483648', '9007199254740993', '9223372036854775807']
  const FLOATS = ['1.5', '.5', '0.25', '1.5e3', '2.', '3.0E-2', '1e3']
  const PATHS = ['./a/b', 'a/b', '../x/y', '/abs/p', './a.b-c+d/e_f', '~/a/b', '/x/../../y']
  const URIS = ['http://a.b/c?d=e&f=g', 'a:b', 'git+ssh://x.org/y.git', 'mailto:q@x']
  const ESCAPES = ['\\n', '\\t', '\\r', '\\\\', '\\"', '\\$', '$$', '\\${x}', '\\q', '\r\n', '\r', 'é']

  const str = (d: number): string => {
    let s = '"'
    const n = Math.floor(rnd() * 4)
    for (let i = 0; i < n; i++) {
      s += pick(['abc', ' ', 'x y', ...ESCAPES])
      if (chance(0.3)) s += `\${${expr(d - 1)}}`
    }
    // (a `$` right before the closing quote is literal)
    return `${s}${chance(0.1) ? '$' : ''}"`
  }
  const indStr = (d: number): string => {
    const indent = pick(['', '  ', '    ', '\t'])
    let s = `''${pick(['\n', '  \n', '', ' '])}`
    const lines = 1 + Math.floor(rnd() * 4)
    for (let i = 0; i < lines; i++) {
      s += indent + pick(['', ' ', '  ', '   '])
      const n = Math.floor(rnd() * 3)
      for (let j = 0; j < n; j++) {
        s += pick(['text', "''$", "'''", "''\\n", "''\\t", "''\\ ", '$$', 'a$b', 'x\'y', '  ', '\t'])
        if (chance(0.25)) s += `\${${expr(d - 1)}}`
      }
      s += pick(['\n', '\n', '\n\n', ' \n', '\r\n'])
    }
    return `${s}${pick(['', '  ', indent])}''`
  }
  const path = (d: number): string => {
    if (chance(0.6) || d <= 0) return pick(PATHS)
    return pick([`./a/\${${expr(d - 1)}}/b`, `~/\${${expr(d - 1)}}`, `a/\${${expr(d - 1)}}`, `/x/\${${expr(d - 1)}}y`])
  }
  const atom = (d: number): string => {
    switch (Math.floor(rnd() * 12)) {
      case 0: return pick(INTS)
      case 1: return pick(FLOATS)
      case 2: return str(d)
      case 3: return indStr(d)
      case 4: return path(d)
      case 5: return pick(['<nixpkgs>', '<nixpkgs/lib/x.nix>', '<a.b/c-d>'])
      case 6: return pick(URIS)
      case 7: return '__curPos'
      case 8: return `(${ident()} or)`
      default: return ident()
    }
  }
  const attrPath = (d: number): string => {
    const parts = [name()]
    while (chance(0.3)) parts.push(pick([name(), `"${name()} q"`, `\${"${name()}"}`, 'or', ...(d > 0 ? [`\${${expr(d - 1)}}`] : [])]))
    return parts.join(pick(['.', ' . ']))
  }
  /** Bindings with unique names (a valid set), exercising every merge parser.ts accepts. */
  const binds = (d: number, dynamic: boolean): string => {
    const out: string[] = []
    const n = Math.floor(rnd() * 5)
    for (let i = 0; i < n; i++) {
      const v = (): string => expr(d - 1)
      switch (Math.floor(rnd() * 11)) {
        case 0: out.push(`inherit ${name()} ${name()};`); break
        case 1: out.push(`inherit (${v()}) ${name()} "${name()}" \${"${name()}"};`); break
        case 2: {
          const m = name()
          out.push(`${m}.${name()} = ${v()};`, `${m}.${name()}.${name()} = ${v()};`)
          break
        }
        case 3: {
          const m = name()
          out.push(`${m} = ${pick(['', 'rec '])}{ ${name()} = ${v()}; };`, `${m}.${name()} = ${v()};`)
          break
        }
        case 4: {
          const m = name()
          out.push(`${m}.${name()} = ${v()};`, `${m} = { ${name()} = ${v()}; inherit ${name()}; };`)
          break
        }
        case 5: out.push(`${name()} = ${name()}: ${name()}: ${v()};`); break
        case 6: out.push(`"${name()} q" = ${v()};`, `\${"${name()}"} = ${v()};`); break
        case 7:
          if (dynamic) out.push(`\${${v()}} = ${v()};`, `"\${${v()}}x" = ${v()};`)
          break
        default: out.push(`${attrPath(dynamic ? d : 0)} = ${v()};`)
      }
    }
    if (chance(0.1)) out.push(`or = ${expr(d - 1)};`)
    return out.map((b) => sp() + b).join('')
  }
  const formals = (d: number): string => {
    const fs: string[] = []
    const n = Math.floor(rnd() * 4)
    for (let i = 0; i < n; i++) fs.push(chance(0.4) ? `${name()} ? ${expr(d - 1)}` : name())
    if (chance(0.4)) fs.push('...')
    // (a space ends a URI default, which could take the comma)
    return `{${fs.map((f) => sp() + f).join(' ,')}${sp()}}`
  }
  /** An expression that can be a function argument or list element. */
  const simple = (d: number): string => {
    if (d <= 0 || chance(0.5)) return atom(d)
    return pick([
      () => `(${expr(d - 1)})`,
      () => `{${binds(d, true)} }`,
      () => `rec {${binds(d, true)} }`,
      () => `[${Array.from({ length: Math.floor(rnd() * 4) }, () => sp() + simple(d - 1)).join('')} ]`,
      // (a path or URI would take the dot)
      () => `${chance(0.5) ? ident() : `(${simple(d - 1)})`}.${attrPath(d - 1)}${chance(0.3) ? ` or ${simple(d - 1)}` : ''}`,
      () => `let {${binds(d, false)} body = ${expr(d - 1)}; }`,
      () => `(${simple(d - 1)} ${simple(d - 1)}) ${simple(d - 1)}`,
    ])()
  }
  const ASSOC = ['+', '-', '*', '/', '++', '//', '&&', '||', '->']
  const NON_ASSOC = ['==', '!=', '<', '<=', '>', '>=']
  const expr = (d: number): string => {
    if (d <= 0) return atom(0)
    switch (Math.floor(rnd() * 14)) {
      case 0: return `${ident()}:${sp()}${expr(d - 1)}`
      case 1: return `${formals(d)}${chance(0.5) ? `${sp()}@${sp()}${name()}` : ''}:${sp()}${expr(d - 1)}`
      case 2: return `${name()}${sp()}@${sp()}${formals(d)}: ${expr(d - 1)}`
      case 3: return `let${binds(d, false)} in ${expr(d - 1)}`
      case 4: return `if ${expr(d - 1)} then ${expr(d - 1)} else ${expr(d - 1)}`
      case 5: return `assert ${expr(d - 1)}; ${expr(d - 1)}`
      case 6: return `with ${expr(d - 1)}; ${expr(d - 1)}`
      case 7: {
        // (at most one non-associative operator: `a == b == c` is an error)
        let s = simple(d - 1)
        for (let i = Math.floor(rnd() * 4); i >= 0; i--) s += `${sp()}${pick(ASSOC)}${sp()}${simple(d - 1)}`
        return chance(0.5) ? `${s}${sp()}${pick(NON_ASSOC)}${sp()}${simple(d - 1)}` : s
      }
      case 8: return `${pick(['!', '-', '- -', '!!'])}${simple(d - 1)}`
      case 9: return `${simple(d - 1)} ? ${attrPath(d - 1)}`
      case 10: return `${simple(d - 1)}${Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => ` ${simple(d - 1)}`).join('')}`
      default: return simple(d)
    }
  }
  return () => expr(4)
}

/** A package set in nixpkgs style: `n` packages, about 500 bytes each. */
function packageSet(n: number): string {
  let s = 'let\n  lib = import <nixpkgs/lib>;\n  callPackage = f: args: f args;\nin rec {\n'
  for (let i = 0; i < n; i++) {
    const deps = i < 4 ? [] : [...new Set([(i * 7919) % i, Math.floor(i / 2)])]
    s += `  p${i} = callPackage ({ lib, stdenv, fetchurl${deps.map((d) => `, p${d}`).join('')}${i % 5 === 0 ? ', enableDocs ? false' : ''}${i % 3 === 0 ? ', ...' : ''} }: stdenv.mkDerivation rec {
    pname = "pkg-${i % 97}-${i}";
    version = "${1 + (i % 7)}.${i % 13}";
    src = fetchurl { url = "https://example.org/\${pname}/\${pname}-\${version}.tar.gz"; sha256 = "${(i * 2654435761 % 2 ** 32).toString(16).padStart(8, '0').repeat(8)}"; };
    buildInputs = [ ${deps.map((d) => `p${d}`).join(' ')} ];
    configureFlags = [ "--prefix=$out" ]${i % 5 === 0 ? ' ++ lib.optional enableDocs "--enable-docs"' : ''};
    postInstall = ''
      mkdir -p $out/share/doc
      echo \${pname} > $out/share/doc/name
    '';
    meta = with lib; { description = "Package number ${i}"; license = licenses.mit; platforms = platforms.\${"linux"}; };
  }) { };\n`
  }
  return `${s}}\n`
}

/** Nix 2.8's language tests, where nix-lang-tests.sh caches them (never downloaded here). */
const LANG_TESTS = join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'nix-lang-tests/nix-2.8.0/tests/lang')

describe.skipIf(!nativeParserAvailable())('native parser', () => {
  it('builds the TS parser\'s tree for samples of every construct', () => {
    const samples = [
      'a - b * c / d < e', 'a >= b', '-x', '!a == b', 'a -> b || c && !d', 'x ? a.b ? c', 'a ++ b ++ c // d // e',
      '(f a) b c', 'f or', 'a.b.c or d', '<nixpkgs/lib> x', 'x: y: { inherit x; inherit (y) a b; }',
      '{ a.b = 1; a.c = 2; d = { e = 3; }; d.f = 4; g.h = 5; g = { i = 6; }; }',
      'let { body = 1; x = 2; }', 'let a = 1; b = { c = a; }; in b.c', 'rec { a = 1; b = a; }',
      '{ f = a: b: a; g = { x ? 1, y, ... }@args: x; h = z@{ }: z; }', '{ b, a, c ? a }: [ a b c ]',
      '"a\\n\\t\\r\\\\\\q$${x}${y}$"', "''\n    a\n      b\n    ''", "''\n  ''$x ''' ''\\n ${y}\n''", "''  x''",
      './a/${b}/c', '~/x/${y}', '~/a', '/a//b${c}', '/a/${b}//c', '/x/../..', 'a/b/../c/./d', 'http://x.org/a?b=c', '[ 1 2147483648 9223372036854775807 1.5e3 .5 __curPos ]',
      '{ ${a} = 1; "b c" = 2; ${"d"} = 3; "${e}f" = 4; or = 5; }', '{ inherit "a" ${"b"}; }', 'x.${"y"}.z or null',
      'assert a; with b; if c then d else e', "a'-b_c", 'x:x', 'a.b/c', '[ (a+b) a-b (a/ b) ]', '{}:{}', '{ }', '[ ]', '""', "''''",
      '# comment\r\n1 /* c */ + 2', 'let\r\n  a = "x\r\ny";\rin a', '"\xe9\xff"', "''\n\t a\n\t b\n''", 'f let { body = 1; }',
      'with {}; let inherit (x) y z; in y', '{ a = { x = 1; }; a.y.z = 2; a.y.w = 3; }', '-(-1)', '1 - -1', '(x: x) 1 2',
    ]
    for (const text of samples) expect(check(text), text).toBe('same')
  })

  it('builds the TS parser\'s tree for every generated program', () => {
    // (every one is valid, and the native parser takes every one: no fallback)
    const next = programs(20260521)
    const before = lazyBodies
    for (let i = 0; i < 600; i++) {
      const text = next()
      expect(tsParse(src(text)), text).toHaveProperty('e')
      expect(check(text), text).toBe('same')
    }
    // (and some had bodies large enough to be decoded when read)
    expect(lazyBodies).toBeGreaterThan(before)
  })

  it.skipIf(!existsSync(LANG_TESTS))('builds the TS parser\'s tree for Nix\'s language tests, or gives its error', () => {
    const counts = { same: 0, fallback: 0, error: 0 }
    const files = readdirSync(LANG_TESTS).filter((f) => f.endsWith('.nix'))
    for (const f of files) {
      const text = readFileSync(join(LANG_TESTS, f), 'latin1')
      counts[check(text, new Source('file', join(LANG_TESTS, f), text, LANG_TESTS))]++
    }
    expect(counts.fallback).toBe(0)
    expect(counts.same + counts.error).toBe(files.length)
    expect(counts.error).toBeGreaterThan(0)
  })

  it('declines invalid sources, and parse() throws the TS parser\'s error', () => {
    const invalid = [
      '', '(', 'a ==', 'a == b == c', 'a < b > c', '{ a = 1 }', '1 %', 'f let x', '[ let x = 1; in x ]', 'x: x:', '{ a, b }',
      '{ a = 1; a = 2; }', '{ a.b = 1; a = 2; }', '{ a = 2; a.b = 1; }', '{ a.b = 1; a = { b = 2; }; }',
      '{ inherit a; a = 1; }', '{ inherit a a; }', '{ "a" = 1; ${"a"} = 2; }', '{ a, a }: a', '{ a }@a: a', 'a@{ a }: a',
      '99999999999999999999', '9223372036854775808', '"abc', "''abc", '"${a"', 'a/b/', '~/a/', 'let ${a} = 1; in a',
      '{ inherit ${a}; }', '{ inherit (x) "${y}"; }', '/* unterminated', '<a', 'a.', '[ a+b ]', '{ x = 1; } : 1',
      '/a//b', '/a//b ', '/a//b//c', 'x: ./a//b',
      '['.repeat(100000), '('.repeat(100000), 'x: '.repeat(100000),
    ]
    for (const text of invalid) expect(check(text), text.slice(0, 50)).toBe('error')
  })

  it('declines nesting beyond its limits, which the TS parser still parses', () => {
    const nested = (n: number): string => `${'['.repeat(n)}1${']'.repeat(n)}`
    expect(check(nested(900))).toBe('same')
    expect(check(nested(1200))).toBe('fallback')
    // a long left-associative chain nests the tree, not the parser
    const chain = (n: number): string => Array(n).fill('"a"').join(' + ')
    expect(check(chain(5000))).toBe('same')
    expect(check(chain(25000))).toBe('fallback')
  })

  it('makes the symbols the TS parser makes, in its order', async () => {
    const texts = [
      'let "q r" = x; in { f/**/, e, g ? 1 }: [ z y/* c */ ] ++ { ${"w"} = 1; }.w',
      '{ b.c = 1; inherit (d) e "f g"; h = { j, i }: i; k = l: m@{ n, o ? p }: q; }.${"r"}',
      programs(7)(),
      packageSet(50),
    ]
    for (const text of texts) {
      const names = [...new Set([...text.matchAll(/[A-Za-z_][A-Za-z0-9_'-]*|"([^"\\$]*)"/g)].map((m) => m[1] ?? m[0]))].sort()
      // in fresh module instances: the symbol table starts as the TS parser would find it
      const run = async (native: boolean): Promise<{ ids: number[]; tree: Expr | undefined }> => {
        vi.resetModules()
        const { symbolId } = await import('./symbols.js')
        const { Source: FreshSource } = await import('./source.js')
        const fresh = new FreshSource('string', '', text, '/base')
        const tree = native
          ? (await import('./native-parse.js')).parseNative(fresh, OPTIONS)
          : (await import('./parser.js')).parse(fresh, { ...OPTIONS, native: false })
        return { ids: names.map((n) => symbolId(n)), tree }
      }
      const native = await run(true)
      const ts = await run(false)
      expect(native.tree).toBeDefined()
      expect(native.ids, text.slice(0, 100)).toEqual(ts.ids)
      // (formals are sorted by symbol: by the symbols this parse made)
      expect(difference(ts.tree, native.tree)).toBeUndefined()
    }
  })

  it('builds the TS parser\'s tree for a 2 MB package set', () => {
    const text = packageSet(4000)
    expect(text.length).toBeGreaterThan(2_000_000)
    const before = lazyBodies
    expect(check(text)).toBe('same')
    // every package's function is one of the bodies decoded when read
    expect(lazyBodies - before).toBeGreaterThanOrEqual(4000)
    // and parse() takes the native parser for a source of that size
    const source = src(text)
    expect(difference(parse(source, OPTIONS), parseNative(source, OPTIONS))).toBeUndefined()
    // not bodies to decode when read unless asked for
    expect(decodeBodies(parse(source, OPTIONS)).lazy).toBe(0)
  }, 60_000) // (parsing 2 MB twice and comparing the trees: seconds on a loaded machine)

  it('marks lazy bodies closed only when every free variable is bound outside the source', () => {
    const text = `${packageSet(100)}\n`
    const free = nativeFreeVariables(parseNative(src(text), OPTIONS)!)!
    expect(free.length).toBeGreaterThan(0)
    const closed = (options: ParseOptions): boolean[] => {
      const closedness: boolean[] = []
      const walk = (e: unknown): void => {
        if (e === null || typeof e !== 'object') return
        const node = e as Record<string, unknown>
        if (node['k'] === 'lazy') return
        if (node['k'] === 'lambda') {
          const body = (node as unknown as ExprLambda).body
          if (body.k === 'lazy') closedness.push(body.closed)
        }
        for (const v of e instanceof Map ? e.values() : Object.values(node)) walk(v)
      }
      walk(parseNative(src(text), options))
      return closedness
    }
    const all = (name: string): boolean => free.includes(name)
    expect(closed({ ...OPTIONS, lazyBodies: true, boundOutside: all })).toContain(true)
    expect(closed({ ...OPTIONS, lazyBodies: true, boundOutside: all })).not.toContain(false)
    // one name missing, or nothing known about the names: no body is closed
    for (const missing of free) {
      expect(closed({ ...OPTIONS, lazyBodies: true, boundOutside: (n) => n !== missing && all(n) })).not.toContain(true)
    }
    expect(closed({ ...OPTIONS, lazyBodies: true })).not.toContain(true)
  })
})
