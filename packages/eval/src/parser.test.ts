import { describe, expect, it } from 'vitest'
import { EvalState, NixSyntaxError, Source, parse, resolvePos, showExpr, showPos, tokenize } from './index.js'

const src = (text: string): Source => new Source('string', '', text, '/base')
const show = (text: string): string => showExpr(parse(src(text), { home: '/home/u' }))

describe('lexer', () => {
  it('gives every token a 1-based line and column', () => {
    const toks = tokenize(src('let\n  a = 1;\nin a'))
    expect(toks.map((t) => [t.t, t.line, t.col])).toEqual([
      ['let', 1, 1], ['ID', 2, 3], ['=', 2, 5], ['INT', 2, 7], [';', 2, 8], ['in', 3, 1], ['ID', 3, 4], ['EOF', 3, 4],
    ])
  })
  it('counts LF, CR LF and a lone CR as line breaks, columns in bytes', () => {
    const toks = tokenize(src('a\r\n  b\rc\n\xe9d e'))
    expect(toks.map((t) => [t.t, t.line, t.col])).toEqual([
      ['ID', 1, 1], ['ID', 2, 3], ['ID', 3, 1], ['CHAR', 4, 1], ['ID', 4, 2], ['ID', 4, 4], ['EOF', 4, 4],
    ])
  })
  it('keeps positions as offsets and resolves them per source', () => {
    const a = src('x')
    const b = src('\n\n  y')
    expect(resolvePos(b.base + 4)?.toString()).toBe('(string):3:3')
    expect(showPos(a.base)).toBe('(string):1:1')
    expect(showPos(undefined)).toBe('undefined position')
    expect(resolvePos(0)).toBeUndefined()
  })
  it('lexes x:x as a URI and x: x as a lambda', () => {
    expect(show('x:x')).toBe('"x:x"')
    expect(show('x: x')).toBe('(x: x)')
  })
  it('distinguishes floats, ints and paths', () => {
    expect(show('[ 1 1.5 .5 1.5e3 a/b ./c ]')).toBe('[ (1) (1.5) (0.5) (1500) (/base/a/b) (/base/c) ]')
  })
  it('tells identifiers, keywords and integers from paths and URIs as flex does (output of Nix 2.8)', () => {
    expect(show("[ a.b/c a-b/c a+b/c 1/2 1a (a'/b) (_a: b) http:x a:b x-1 (a'/ b) if' 007 12e3 ]"))
      .toBe("[ (/base/a.b/c) (/base/a-b/c) (/base/a+b/c) (/base/1/2) (1) (a) ((a' /b)) ((_a: b)) (\"http:x\") (\"a:b\") (x-1) ((__div a' b)) (if') (7) (12) (e3) ]")
  })
  it('tells the dot of an attribute path from paths and floats (output of Nix 2.8)', () => {
    expect(show('x: [ x.y.z (x.y/z) (x .y/z) (x.a-b) ({...}: x.b ) .5 x.${"a"} x."q" ]'))
      .toBe('(x: [ ((x).y.z) (/base/x.y/z) ((x /base/.y/z)) ((x).a-b) (({ ... }: (x).b)) (0.5) ((x).a) ((x).q) ])')
  })
  it('lexes on demand: a syntax error before a lexical error is reported first, as in Nix', () => {
    expect(() => parse(src(') 99999999999999999999'))).toThrow("syntax error, unexpected ')'")
    expect(() => parse(src('99999999999999999999 )'))).toThrow("invalid integer '99999999999999999999'")
  })
  it('reads integers beyond 2^53 exactly and rejects those beyond 2^63', () => {
    expect(parse(src('9223372036854775807'))).toMatchObject({ k: 'int', v: 9223372036854775807n })
    expect(() => parse(src('9223372036854775808'))).toThrow("invalid integer '9223372036854775808'")
  })
})

describe('parser', () => {
  it('desugars operators as Nix does', () => {
    expect(show('a - b * c / d')).toBe('(__sub a (__div (__mul b c) d))')
    expect(show('a < b')).toBe('(__lessThan a b)')
    expect(show('a >= b')).toBe('(! (__lessThan a b))')
    expect(show('-a')).toBe('(__sub 0 a)')
    expect(show('<nixpkgs/lib>')).toBe('(__findFile __nixPath "nixpkgs/lib")')
  })
  it('follows Nix precedence and associativity', () => {
    expect(show('a -> b || c && d == e')).toBe('(a -> (b || (c && (d == e))))')
    expect(show('a // b // c')).toBe('(a // (b // c))')
    expect(show('a ++ b ++ c')).toBe('(a ++ (b ++ c))')
    expect(show('!a + b')).toBe('(! (a + b))')
    expect(show('!a == b')).toBe('((! a) == b)')
    expect(show('f a.b or c d')).toBe('(f (a).b or (c) d)')
    expect(show('a ? b.c')).toBe('((a) ? b.c)')
  })
  it('rejects chained non-associative operators', () => {
    expect(() => parse(src('a == b == c'))).toThrow(NixSyntaxError)
  })
  it('merges nested attribute paths', () => {
    expect(show('{ a.b = 1; a.c = 2; d = { e = 3; }; d.f = 4; }')).toBe('{ a = { b = 1; c = 2; }; d = { e = 3; f = 4; }; }')
  })
  it('parses formals, @-patterns, inherit and dynamic attributes', () => {
    expect(show('{ a, b ? 1, ... }@args: a')).toBe('({ a, b ? 1, ... } @ args: a)')
    expect(show('args@{ b, a }: a')).toBe('({ a, b } @ args: a)')
    expect(show('rec { inherit a; inherit (x) b c; ${d} = 1; }')).toBe('rec { inherit a ; b = (x).b; c = (x).c; "${d}" = 1; }')
  })
  it('strips indentation of indented strings like Nix', () => {
    expect(parse(src("''\n    a\n      b\n    ''"))).toMatchObject({ k: 'str', v: 'a\n  b\n' })
    expect(parse(src("''  x''"))).toMatchObject({ k: 'str', v: 'x' })
    expect(parse(src("''\n  ''$ ''' ''\\n\n''"))).toMatchObject({ k: 'concatStrings' })
    const st = new EvalState()
    expect(st.evalExpr(parse(src("''\n  ''${x} ''' ''\\t\n  ''")))).toBe("${x} '' \t\n")
  })
  it('handles string escapes, $$ and CR/LF', () => {
    const st = new EvalState()
    expect(st.evalExpr(parse(src('"a\\n\\t\\q$${x}$"')))).toBe('a\n\tq$${x}$')
    expect(st.evalExpr(parse(src('"a\r\nb"')))).toBe('a\nb')
  })
  it('reports syntax errors with positions', () => {
    try {
      parse(src('{ a = 1 }'))
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(NixSyntaxError)
      expect((err as NixSyntaxError).message).toBe("syntax error, unexpected '}', expecting ';'")
      expect((err as NixSyntaxError).pos?.toString()).toBe('(string):1:9')
    }
  })
  it('starts the parts of a path with ${…}, or with one string and then ${…} (outputs of Nix 2.8)', () => {
    // `/a//b` is the path `/a/`, then the string `/b`: Nix reports a PATH_END where that string
    // is, or where the path starts when the text ends there
    const error = (text: string): string => {
      try {
        parse(src(text))
      } catch (err) {
        return `${(err as NixSyntaxError).message} at ${(err as NixSyntaxError).pos?.toString()}`
      }
      return 'parsed'
    }
    expect(error('/aaa//bbb ')).toBe('syntax error, unexpected PATH_END, expecting DOLLAR_CURLY at (string):1:6')
    expect(error('(/aaa//bbb)')).toBe('syntax error, unexpected PATH_END, expecting DOLLAR_CURLY at (string):1:7')
    expect(error('  /aaa//bbb')).toBe('syntax error, unexpected PATH_END, expecting DOLLAR_CURLY at (string):1:3')
    expect(error('\n ~/x//y')).toBe('syntax error, unexpected PATH_END, expecting DOLLAR_CURLY at (string):2:2')
    expect(error('x: /aaa//bbb//c')).toBe('syntax error, unexpected STR, expecting DOLLAR_CURLY at (string):1:14')
    expect(show('/a//b${c}')).toBe('(/a/ + "/b" + c)')
    expect(show('/a/${b}//c')).toBe('(/a/ + b + "/" + "/c")')
  })
  it('takes let after a function, or in a list, as the legacy let { … }, as bison does', () => {
    expect(() => parse(src('f let x'))).toThrow("syntax error, unexpected ID, expecting '{'")
    expect(() => parse(src('[ let x = 1; in x ]'))).toThrow("syntax error, unexpected ID, expecting '{'")
    expect(show('x: x let { body = 1; }')).toBe('(x: (x (rec { body = 1; }).body))')
  })
  it('calls a character the grammar does not know an invalid token, as bison does', () => {
    expect(() => parse(src('1 %'))).toThrow('syntax error, unexpected invalid token, expecting end of file')
    expect(() => parse(src('1 }'))).toThrow("syntax error, unexpected '}', expecting end of file")
  })
  it('chains ? (its right side is an attribute path), as Nix 2.8 does', () => {
    expect(show('x: x ? a ? b.c')).toBe('(x: ((((x) ? a)) ? b.c))')
  })
  it('positions the or of e or where e starts', () => {
    // `f x or` is `f (x or)`, and `x or` is `x` applied to the variable `or`
    const e = parse(src('  f x or')) as { k: 'call'; args: Array<{ args: Array<{ k: string; pos: number }> }> }
    const orVar = e.args[0]!.args[0]!
    expect([orVar.k, resolvePos(orVar.pos)?.toString()]).toEqual(['var', '(string):1:5'])
  })
  it('reports duplicate attributes and formals', () => {
    expect(() => parse(src('{ a = 1; a = 2; }'))).toThrow("attribute 'a' already defined at (string):1:3")
    expect(() => parse(src('{ a.b = 1; a = 2; }'))).toThrow("attribute 'a' already defined at (string):1:3")
    // (names as Nix prints symbols: quoted unless identifiers)
    expect(() => parse(src('{ a."x y" = 1; a."x y" = 2; }'))).toThrow('attribute \'a."x y"\' already defined at (string):1:3')
    expect(() => parse(src('{ ${"if"} = 1; "if" = 2; }'))).toThrow('attribute \'"if"\' already defined at (string):1:3')
    expect(() => parse(src('{ a, a }: a'))).toThrow("duplicate formal function argument 'a'")
    expect(() => parse(src('{ a }@a: a'))).toThrow("duplicate formal function argument 'a'")
    expect(() => parse(src('let ${"a" + "b"} = 1; in 2'))).toThrow('dynamic attributes not allowed in let')
  })
  it('rejects paths with a trailing slash', () => {
    expect(() => parse(src('a/b/'))).toThrow('path has a trailing slash')
  })
  it('reports undefined variables when compiling, unless under with', () => {
    const st = new EvalState()
    expect(() => st.compileTop(parse(src('let a = 1; in b')))).toThrow("undefined variable 'b'")
    expect(() => st.compileTop(parse(src('with {}; b')))).not.toThrow()
  })
})
