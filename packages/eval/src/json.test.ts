/**
 * `builtins.fromJSON` against Nix 2.8, which parses with nlohmann/json 3.11: the message of
 * every lexer and parser error, line/column counting, the "last read" text, what Nix accepts in
 * odd corners, and a differential run of a seeded corpus of broken JSON against real
 * `nix-instantiate`. JSON texts are byte strings (one char per byte) read with builtins.readFile.
 */
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { onPath, seededRandom, tempDir } from '@tsnix/test-kit'
import { runInstantiate } from './index.js'

const hasNix = onPath('nix-instantiate')
const dir = tempDir('json', afterAll)
const HINT = "(use '--show-trace' to show detailed location information)\n"
const P = '[json.exception.parse_error.101] parse error at '
/** A UTF-8 text as bytes (stderr is a byte string). */
const bytes = (s: string): string => Buffer.from(s, 'utf8').toString('latin1')

let files = 0
/** An expression reading `json` (bytes) from a fresh file. */
function exprFor(json: string): string {
  const f = join(dir, `in${files++}.json`)
  writeFileSync(f, Buffer.from(json, 'latin1'))
  return `builtins.fromJSON (builtins.readFile ${f})`
}

interface Out { stdout: string; stderr: string; exitCode: number }
interface Flags { trace?: boolean; json?: boolean }
function ours(expr: string, flags: Flags = {}): Out {
  const r = runInstantiate({
    mode: 'eval', strict: true, output: flags.json === true ? 'json' : 'nix', fromArgs: true, items: [expr],
    cwd: dir, showTrace: flags.trace ?? false,
  })
  return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode }
}
function nix(expr: string, flags: Flags = {}): Out {
  const argv = ['--eval', '--strict', ...(flags.json === true ? ['--json'] : []), ...(flags.trace === true ? ['--show-trace'] : []), '-E', expr]
  const r = spawnSync('nix-instantiate', argv, { cwd: dir, encoding: 'latin1', env: { ...process.env, NIX_REMOTE: 'dummy://' } })
  return { stdout: r.stdout, stderr: r.stderr, exitCode: r.status ?? -1 }
}

/** Malformed texts and the message Nix 2.8 prints for each (captured from nix-instantiate). */
const ERRORS: Array<[string, string]> = [
  ['', P + 'line 1, column 1: syntax error while parsing value - unexpected end of input; expected \'[\', \'{\', or a literal'],
  [' ', P + 'line 1, column 2: syntax error while parsing value - unexpected end of input; expected \'[\', \'{\', or a literal'],
  ['\n\n', P + 'line 3, column 1: syntax error while parsing value - unexpected end of input; expected \'[\', \'{\', or a literal'],
  ['x', P + 'line 1, column 1: syntax error while parsing value - invalid literal; last read: \'x\''],
  ['tru', P + 'line 1, column 4: syntax error while parsing value - invalid literal; last read: \'tru\''],
  ['[tru]', P + 'line 1, column 5: syntax error while parsing value - invalid literal; last read: \'[tru]\''],
  ['[ tru ]', P + 'line 1, column 6: syntax error while parsing value - invalid literal; last read: \'[ tru \''],
  ['  nul', P + 'line 1, column 6: syntax error while parsing value - invalid literal; last read: \'  nul\''],
  ['fals', P + 'line 1, column 5: syntax error while parsing value - invalid literal; last read: \'fals\''],
  ['nulll', P + 'line 1, column 5: syntax error while parsing value - invalid literal; last read: \'nulll\'; expected end of input'],
  ['truex', P + 'line 1, column 5: syntax error while parsing value - invalid literal; last read: \'truex\'; expected end of input'],
  ['/* c */ 1', P + 'line 1, column 1: syntax error while parsing value - invalid literal; last read: \'/\''],
  ['%', P + 'line 1, column 1: syntax error while parsing value - invalid literal; last read: \'%\''],
  ['[1,]', P + 'line 1, column 4: syntax error while parsing value - unexpected \']\'; expected \'[\', \'{\', or a literal'],
  ['[,1]', P + 'line 1, column 2: syntax error while parsing value - unexpected \',\'; expected \'[\', \'{\', or a literal'],
  ['[1,,2]', P + 'line 1, column 4: syntax error while parsing value - unexpected \',\'; expected \'[\', \'{\', or a literal'],
  ['[1 2]', P + 'line 1, column 4: syntax error while parsing array - unexpected number literal; expected \']\''],
  ['[1,2]]', P + 'line 1, column 6: syntax error while parsing value - unexpected \']\'; expected end of input'],
  ['[', P + 'line 1, column 2: syntax error while parsing value - unexpected end of input; expected \'[\', \'{\', or a literal'],
  [']', P + 'line 1, column 1: syntax error while parsing value - unexpected \']\'; expected \'[\', \'{\', or a literal'],
  ['}', P + 'line 1, column 1: syntax error while parsing value - unexpected \'}\'; expected \'[\', \'{\', or a literal'],
  [':', P + 'line 1, column 1: syntax error while parsing value - unexpected \':\'; expected \'[\', \'{\', or a literal'],
  [',', P + 'line 1, column 1: syntax error while parsing value - unexpected \',\'; expected \'[\', \'{\', or a literal'],
  ['{', P + 'line 1, column 2: syntax error while parsing object key - unexpected end of input; expected string literal'],
  ['{1:2}', P + 'line 1, column 2: syntax error while parsing object key - unexpected number literal; expected string literal'],
  ['{"a" 1}', P + 'line 1, column 6: syntax error while parsing object separator - unexpected number literal; expected \':\''],
  ['{"a"::1}', P + 'line 1, column 6: syntax error while parsing value - unexpected \':\'; expected \'[\', \'{\', or a literal'],
  ['{"a"', P + 'line 1, column 5: syntax error while parsing object separator - unexpected end of input; expected \':\''],
  ['{"a":', P + 'line 1, column 6: syntax error while parsing value - unexpected end of input; expected \'[\', \'{\', or a literal'],
  ['{"a":}', P + 'line 1, column 6: syntax error while parsing value - unexpected \'}\'; expected \'[\', \'{\', or a literal'],
  ['{"a":1,}', P + 'line 1, column 8: syntax error while parsing object key - unexpected \'}\'; expected string literal'],
  ['{"a":1,2}', P + 'line 1, column 8: syntax error while parsing object key - unexpected number literal; expected string literal'],
  ['{"a":1 "b"}', P + 'line 1, column 10: syntax error while parsing object - unexpected string literal; expected \'}\''],
  ['{}}', P + 'line 1, column 3: syntax error while parsing value - unexpected \'}\'; expected end of input'],
  ['{"a":1}x', P + 'line 1, column 8: syntax error while parsing value - invalid literal; last read: \'1}x\'; expected end of input'],
  ['1 2', P + 'line 1, column 3: syntax error while parsing value - unexpected number literal; expected end of input'],
  ['"ok" "ok"', P + 'line 1, column 9: syntax error while parsing value - unexpected string literal; expected end of input'],
  ['"abc', P + 'line 1, column 5: syntax error while parsing value - invalid string: missing closing quote; last read: \'"abc\''],
  ['"a\nb"', P + 'line 2, column 0: syntax error while parsing value - invalid string: control character U+000A (LF) must be escaped to \\u000A or \\n; last read: \'"a<U+000A>\''],
  ['"\x01"', P + 'line 1, column 2: syntax error while parsing value - invalid string: control character U+0001 (SOH) must be escaped to \\u0001; last read: \'"<U+0001>\''],
  ['"\x08"', P + 'line 1, column 2: syntax error while parsing value - invalid string: control character U+0008 (BS) must be escaped to \\u0008 or \\b; last read: \'"<U+0008>\''],
  ['"\t"', P + 'line 1, column 2: syntax error while parsing value - invalid string: control character U+0009 (HT) must be escaped to \\u0009 or \\t; last read: \'"<U+0009>\''],
  ['"\x0b"', P + 'line 1, column 2: syntax error while parsing value - invalid string: control character U+000B (VT) must be escaped to \\u000B; last read: \'"<U+000B>\''],
  ['"\x0c"', P + 'line 1, column 2: syntax error while parsing value - invalid string: control character U+000C (FF) must be escaped to \\u000C or \\f; last read: \'"<U+000C>\''],
  ['"\r"', P + 'line 1, column 2: syntax error while parsing value - invalid string: control character U+000D (CR) must be escaped to \\u000D or \\r; last read: \'"<U+000D>\''],
  ['"\x1f"', P + 'line 1, column 2: syntax error while parsing value - invalid string: control character U+001F (US) must be escaped to \\u001F; last read: \'"<U+001F>\''],
  ['"\\u12"', P + 'line 1, column 6: syntax error while parsing value - invalid string: \'\\u\' must be followed by 4 hex digits; last read: \'"\\u12"\''],
  ['"\\u"', P + 'line 1, column 4: syntax error while parsing value - invalid string: \'\\u\' must be followed by 4 hex digits; last read: \'"\\u"\''],
  ['"\\u00', P + 'line 1, column 6: syntax error while parsing value - invalid string: \'\\u\' must be followed by 4 hex digits; last read: \'"\\u00\''],
  ['"\\uzzzz"', P + 'line 1, column 4: syntax error while parsing value - invalid string: \'\\u\' must be followed by 4 hex digits; last read: \'"\\uz\''],
  ['"\\ud800"', P + 'line 1, column 8: syntax error while parsing value - invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF; last read: \'"\\ud800"\''],
  ['"\\ud800', P + 'line 1, column 8: syntax error while parsing value - invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF; last read: \'"\\ud800\''],
  ['"\\ud800x"', P + 'line 1, column 8: syntax error while parsing value - invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF; last read: \'"\\ud800x\''],
  ['"\\ud800\\"', P + 'line 1, column 9: syntax error while parsing value - invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF; last read: \'"\\ud800\\"\''],
  ['"\\ud800\\u"', P + 'line 1, column 10: syntax error while parsing value - invalid string: \'\\u\' must be followed by 4 hex digits; last read: \'"\\ud800\\u"\''],
  ['"\\ud800\\ug"', P + 'line 1, column 10: syntax error while parsing value - invalid string: \'\\u\' must be followed by 4 hex digits; last read: \'"\\ud800\\ug\''],
  ['"\\ud800\\u0041"', P + 'line 1, column 13: syntax error while parsing value - invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF; last read: \'"\\ud800\\u0041\''],
  ['"\\udc00"', P + 'line 1, column 7: syntax error while parsing value - invalid string: surrogate U+DC00..U+DFFF must follow U+D800..U+DBFF; last read: \'"\\udc00\''],
  ['"\\udfff"', P + 'line 1, column 7: syntax error while parsing value - invalid string: surrogate U+DC00..U+DFFF must follow U+D800..U+DBFF; last read: \'"\\udfff\''],
  ['"\\x"', P + 'line 1, column 3: syntax error while parsing value - invalid string: forbidden character after backslash; last read: \'"\\x\''],
  ['"\\', P + 'line 1, column 3: syntax error while parsing value - invalid string: forbidden character after backslash; last read: \'"\\\''],
  ['"\\U0041"', P + 'line 1, column 3: syntax error while parsing value - invalid string: forbidden character after backslash; last read: \'"\\U\''],
  ['"\xff"', P + 'line 1, column 2: syntax error while parsing value - invalid string: ill-formed UTF-8 byte; last read: \'"\xff\''],
  ['"\x80"', P + 'line 1, column 2: syntax error while parsing value - invalid string: ill-formed UTF-8 byte; last read: \'"\x80\''],
  ['"\xc0\x80"', P + 'line 1, column 2: syntax error while parsing value - invalid string: ill-formed UTF-8 byte; last read: \'"\xc0\''],
  ['"\xc3("', P + 'line 1, column 3: syntax error while parsing value - invalid string: ill-formed UTF-8 byte; last read: \'"\xc3(\''],
  ['"\xc3', P + 'line 1, column 3: syntax error while parsing value - invalid string: ill-formed UTF-8 byte; last read: \'"\xc3\''],
  ['"\xe0\x80\x80"', P + 'line 1, column 3: syntax error while parsing value - invalid string: ill-formed UTF-8 byte; last read: \'"\xe0\x80\''],
  ['"\xed\xa0\x80"', P + 'line 1, column 3: syntax error while parsing value - invalid string: ill-formed UTF-8 byte; last read: \'"\xed\xa0\''],
  ['"\xe2\x82', P + 'line 1, column 4: syntax error while parsing value - invalid string: ill-formed UTF-8 byte; last read: \'"\xe2\x82\''],
  ['"\xf0\x80\x80\x80"', P + 'line 1, column 3: syntax error while parsing value - invalid string: ill-formed UTF-8 byte; last read: \'"\xf0\x80\''],
  ['"\xf4\x90\x80\x80"', P + 'line 1, column 3: syntax error while parsing value - invalid string: ill-formed UTF-8 byte; last read: \'"\xf4\x90\''],
  ['"\xf5\x80\x80\x80"', P + 'line 1, column 2: syntax error while parsing value - invalid string: ill-formed UTF-8 byte; last read: \'"\xf5\''],
  ['"abc\xe2\x82\xac\x80"', P + 'line 1, column 8: syntax error while parsing value - invalid string: ill-formed UTF-8 byte; last read: \'"abc\xe2\x82\xac\x80\''],
  ['[1,\xff]', P + 'line 1, column 4: syntax error while parsing value - invalid literal; last read: \'1,\xff\''],
  ['\x7f', P + 'line 1, column 1: syntax error while parsing value - invalid literal; last read: \'\x7f\''],
  ['\x01', P + 'line 1, column 1: syntax error while parsing value - invalid literal; last read: \'<U+0001>\''],
  ['[\x01]', P + 'line 1, column 2: syntax error while parsing value - invalid literal; last read: \'[<U+0001>\''],
  ['-', P + 'line 1, column 2: syntax error while parsing value - invalid number; expected digit after \'-\'; last read: \'-\''],
  ['-a', P + 'line 1, column 2: syntax error while parsing value - invalid number; expected digit after \'-\'; last read: \'-a\''],
  ['--1', P + 'line 1, column 2: syntax error while parsing value - invalid number; expected digit after \'-\'; last read: \'--\''],
  ['+1', P + 'line 1, column 1: syntax error while parsing value - invalid literal; last read: \'+\''],
  ['.5', P + 'line 1, column 1: syntax error while parsing value - invalid literal; last read: \'.\''],
  ['1.', P + 'line 1, column 3: syntax error while parsing value - invalid number; expected digit after \'.\'; last read: \'1.\''],
  ['1.e', P + 'line 1, column 3: syntax error while parsing value - invalid number; expected digit after \'.\'; last read: \'1.e\''],
  ['1e', P + 'line 1, column 3: syntax error while parsing value - invalid number; expected \'+\', \'-\', or digit after exponent; last read: \'1e\''],
  ['1e+', P + 'line 1, column 4: syntax error while parsing value - invalid number; expected digit after exponent sign; last read: \'1e+\''],
  ['1E-x', P + 'line 1, column 4: syntax error while parsing value - invalid number; expected digit after exponent sign; last read: \'1E-x\''],
  ['01', P + 'line 1, column 2: syntax error while parsing value - unexpected number literal; expected end of input'],
  ['-01', P + 'line 1, column 3: syntax error while parsing value - unexpected number literal; expected end of input'],
  ['00', P + 'line 1, column 2: syntax error while parsing value - unexpected number literal; expected end of input'],
  ['1.5e3x', P + 'line 1, column 6: syntax error while parsing value - invalid literal; last read: \'1.5e3x\'; expected end of input'],
  ['0x10', P + 'line 1, column 2: syntax error while parsing value - invalid literal; last read: \'0x\'; expected end of input'],
  ['1e999', '[json.exception.out_of_range.406] number overflow parsing \'1e999\''],
  ['-1e999', '[json.exception.out_of_range.406] number overflow parsing \'-1e999\''],
  ['1.7976931348623159e308', '[json.exception.out_of_range.406] number overflow parsing \'1.7976931348623159e308\''],
  ['[1e400]', '[json.exception.out_of_range.406] number overflow parsing \'1e400\''],
  ['\xef\xbb\xbf', P + 'line 1, column 4: syntax error while parsing value - unexpected end of input; expected \'[\', \'{\', or a literal'],
  ['\xef\xbb1', P + 'line 1, column 3: syntax error while parsing value - invalid BOM; must be 0xEF 0xBB 0xBF if given; last read: \'\xef\xbb1\''],
  ['\xef1', P + 'line 1, column 2: syntax error while parsing value - invalid BOM; must be 0xEF 0xBB 0xBF if given; last read: \'\xef1\''],
  ['\xef', P + 'line 1, column 2: syntax error while parsing value - invalid BOM; must be 0xEF 0xBB 0xBF if given; last read: \'\xef\''],
  [' \xef\xbb\xbf1', P + 'line 1, column 2: syntax error while parsing value - invalid literal; last read: \' \xef\''],
  ['[1,\n2,\n x]', P + 'line 3, column 2: syntax error while parsing value - invalid literal; last read: \'2,<U+000A> x\''],
  ['1\n\n  x', P + 'line 3, column 3: syntax error while parsing value - invalid literal; last read: \'1<U+000A><U+000A>  x\'; expected end of input'],
  ['\r\n1 x', P + 'line 2, column 3: syntax error while parsing value - invalid literal; last read: \'1 x\'; expected end of input'],
  ['\r1 x', P + 'line 1, column 4: syntax error while parsing value - invalid literal; last read: \'1 x\'; expected end of input'],
  ['\t\n x', P + 'line 2, column 2: syntax error while parsing value - invalid literal; last read: \'<U+0009><U+000A> x\''],
  ['\n\n\n[\n1\n,\n\ntru\n]', P + 'line 9, column 0: syntax error while parsing value - invalid literal; last read: \'1<U+000A>,<U+000A><U+000A>tru<U+000A>\''],
  ['{"a":\n"b\n"}', P + 'line 3, column 0: syntax error while parsing value - invalid string: control character U+000A (LF) must be escaped to \\u000A or \\n; last read: \'"b<U+000A>\''],
  ['[\n\n', P + 'line 3, column 1: syntax error while parsing value - unexpected end of input; expected \'[\', \'{\', or a literal'],
  ['{"k":\n\n  "v"\n  "w"}', P + 'line 4, column 5: syntax error while parsing object - unexpected string literal; expected \'}\''],
]

/** Texts Nix accepts, and how it prints the value (captured from nix-instantiate). */
const VALUES: Array<[string, string]> = [
  ['"\x7f"', '"\x7f"'],
  ['18446744073709551615', '-1'],
  ['18446744073709551616', '1.84467e+19'],
  ['9223372036854775807', '9223372036854775807'],
  ['9223372036854775808', '-9223372036854775808'],
  ['-9223372036854775808', '-9223372036854775808'],
  ['-9223372036854775809', '-9.22337e+18'],
  ['-0', '0'],
  ['[-0, -0.0, 0e0, 1E2, 1.5e-400, 1.0, 0.1]', '[ 0 -0 0 100 0 1 0.1 ]'],
  ['123456789012345678901234567890', '1.23457e+29'],
  ['{"a":1,"a":2}', '{ a = 2; }'],
  ['{"b":{"c":1},"a":[],"b":2}', '{ a = [ ]; b = 2; }'],
  ['\xef\xbb\xbf{"bom":true}', '{ bom = true; }'],
  ['"a\\u0000b"', '"a"'],
  ['{"x\\u0000y":1}', '{ "x\x00y" = 1; }'],
  ['"\\u00e9\\uD83D\\uDE00\\/\\b\\f\\n\\r\\t\\"\\\\"', '"\xc3\xa9\xf0\x9f\x98\x80/\x08\x0c\\n\\r\\t\\"\\\\"'],
  ['"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f"', '"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f"'],
  [' \t\r\n [ ] \t\r\n ', '[ ]'],
]

describe('builtins.fromJSON errors', () => {
  it.each(ERRORS)('%j', (json, msg) => {
    expect(ours(exprFor(json))).toEqual({ stdout: '', stderr: `error: ${msg}\n${HINT}`, exitCode: 1 })
  })

  it('has no position of its own, and a trace frame at the call with --show-trace', () => {
    const expr = 'let x = builtins.fromJSON "{\\"a\\":}"; in [ x ]'
    const msg = `${P}line 1, column 6: syntax error while parsing value - unexpected '}'; expected '[', '{', or a literal`
    expect(ours(expr).stderr).toBe(`error: ${msg}\n${HINT}`)
    expect(ours(expr, { trace: true }).stderr).toBe(bytes(`error: ${msg}

       … while decoding a JSON string

       at «string»:1:9:

            1| let x = builtins.fromJSON "{\\"a\\":}"; in [ x ]
             |         ^
`))
  })

  it('is not caught by tryEval', () => {
    const r = ours('builtins.tryEval (builtins.fromJSON "[1,")')
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toBe(`error: ${P}line 1, column 4: syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal\n${HINT}`)
  })

  it('reports a number overflow with the trace frame too', () => {
    expect(ours('builtins.fromJSON "[1e400]"', { trace: true }).stderr).toBe(bytes(`error: [json.exception.out_of_range.406] number overflow parsing '1e400'

       … while decoding a JSON string

       at «string»:1:1:

            1| builtins.fromJSON "[1e400]"
             | ^
`))
  })
})

describe('builtins.fromJSON values', () => {
  it.each(VALUES)('%j', (json, printed) => {
    expect(ours(exprFor(json))).toEqual({ stdout: `${printed}\n`, stderr: '', exitCode: 0 })
  })

  it('has no nesting limit', () => {
    const n = 100000
    expect(ours(`builtins.length (${exprFor('['.repeat(n) + ']'.repeat(n))})`).stdout).toBe('1\n')
    const deepObj = '{"a":'.repeat(n) + '1' + '}'.repeat(n)
    expect(ours(`builtins.length (builtins.attrNames (${exprFor(deepObj)}))`).stdout).toBe('1\n')
    const bad = ours(exprFor('['.repeat(n) + ']'.repeat(n - 1) + '}'))
    expect(bad.stderr).toBe(`error: ${P}line 1, column ${2 * n}: syntax error while parsing array - unexpected '}'; expected ']'\n${HINT}`)
  })

  it('keeps a large document intact', () => {
    // (strings short and long, with bytes to escape and bytes over 0x7f; the document is over
    // the writer's first 64 KiB)
    const long = (i: number): string => `${'\u00e9'.repeat(40)}"\\\t${i}`.repeat(i % 3)
    const doc = { list: Array.from({ length: 2000 }, (_, i) => ({ i, f: i + 0.5, s: `x${i}\u00e9\n`, l: long(i), n: null, b: i % 2 === 0 })) }
    const r = ours(exprFor(Buffer.from(JSON.stringify(doc), 'utf8').toString('latin1')), { json: true })
    expect(JSON.parse(Buffer.from(r.stdout, 'latin1').toString('utf8'))).toEqual(doc)
  })
})

/** Broken JSON: valid documents with a few bytes inserted, deleted or replaced. */
function corpus(seed: number, count: number): string[] {
  const r = seededRandom(seed)
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!
  const docs = [
    '{"a": [1, 2.5, -3e2, "\\u00e9"], "b": null}',
    '[true, false, null, {"x": {"y": []}}]',
    '"h\\u00e9llo \\ud83d\\ude00 \\n\\t"',
    '-12.5e+3',
    '{"k":"v",\n "n":[0,-0,1e-5,18446744073709551615]}',
    '[ "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80" ]',
  ]
  const bits = [
    '{', '}', '[', ']', ',', ':', '"', '\\', 'u', 'd8', 'dc', '0', '1', '-', '+', '.', 'e', 'E', ' ', '\n', '\r', '\t',
    '\x01', '\x7f', '\xc3', '\xa9', '\xe2', '\x82', '\xff', '\xef', 't', 'f', 'n', 'x', 'true', 'null', 'false', '/',
  ]
  const out: string[] = []
  for (let k = 0; k < count; k++) {
    let s = pick(docs)
    const edits = 1 + Math.floor(r() * 3)
    for (let j = 0; j < edits; j++) {
      const at = Math.floor(r() * (s.length + 1))
      const op = Math.floor(r() * 3)
      if (op === 0) s = s.slice(0, at) + pick(bits) + s.slice(at)
      else if (op === 1) s = s.slice(0, at) + s.slice(at + 1)
      else s = s.slice(0, at) + pick(bits) + s.slice(at + 1)
    }
    out.push(s)
  }
  return out
}

describe.skipIf(!hasNix)('builtins.fromJSON against nix-instantiate', () => {
  const same = (expr: string, flags: Flags = {}): void => {
    expect(ours(expr, flags), `${expr} ${JSON.stringify(flags)}`).toEqual(nix(expr, flags))
  }

  it('prints the same for every table entry', () => {
    for (const [json] of [...ERRORS, ...VALUES]) same(exprFor(json))
  }, 60000)

  it('prints the same for a seeded corpus of broken JSON (seed 2022)', () => {
    const texts = corpus(2022, 80)
    texts.forEach((json, i) => same(exprFor(json), { trace: i % 8 === 0, json: i % 5 === 0 }))
  }, 60000)

  it('prints the same around the call', () => {
    for (const expr of [
      'builtins.tryEval (builtins.fromJSON "[")',
      'let f = builtins.fromJSON; in f "1e400"',
      'map builtins.fromJSON [ "1" "[" ]',
      '{ a = builtins.fromJSON "tru"; }',
      'builtins.fromJSON "{\\"a\\":1,\\"a\\":2,\\"b\\":{\\"c\\":3},\\"b\\":4}"',
    ]) {
      for (const trace of [false, true]) same(expr, { trace })
    }
  }, 60000)
})
