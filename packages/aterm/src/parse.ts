/**
 * Strict parser for the ATerm text of a .drv file (Nix 2.8 `parseDerivation`, made strict):
 * only the canonical form Nix's printer produces is accepted, so whatever parses prints back
 * to the same bytes. Works on a byte string in one forward pass; no recursion, no backtracking.
 */
import { byteLength, bytesToString, compareByteStrings, displayString } from './bytes.js'
import { type Derivation, type DerivationOutput, emptyRecord } from './derivation.js'
import { AtermError, type AtermErrorCode } from './errors.js'

const QUOTE = 0x22
const BACKSLASH = 0x5c
const NEEDS_CARE = /[\\\n\r\t]/

/** A value for a one-line message: JSON-quoted, shortened, escaped bytes shown as U+FFFD. */
const q = (v: string): string => JSON.stringify(displayString(v.length > 64 ? `${v.slice(0, 64)}...` : v))

class Parser {
  readonly s: string
  pos = 0
  constructor(s: string) { this.s = s }

  fail(code: AtermErrorCode, message: string, at: number = this.pos): never {
    throw new AtermError(code, message, byteLength(this.s.slice(0, at)))
  }

  describe(at: number): string {
    if (at >= this.s.length) return 'end of input'
    const c = this.s.charCodeAt(at)
    return c >= 0x20 && c < 0x7f ? `'${this.s[at]}'` : `byte 0x${(c < 0x80 ? c : c >= 0xdc80 && c <= 0xdcff ? c - 0xdc00 : c).toString(16).padStart(2, '0')}`
  }

  expect(text: string): void {
    if (this.s.startsWith(text, this.pos)) { this.pos += text.length; return }
    // Find where it differs, to point at the exact byte.
    let i = 0
    while (i < text.length && this.pos + i < this.s.length && this.s[this.pos + i] === text[i]) i++
    const at = this.pos + i
    if (at >= this.s.length) this.fail('unexpected-end', `input ends early, expected '${text.slice(i)}'`, at)
    this.fail('unexpected-byte', `expected '${text.slice(i)}', found ${this.describe(at)}`, at)
  }

  /** `"..."` written verbatim by Nix (store paths, names, system, hash fields). */
  unescaped(): string {
    this.expect('"')
    const end = this.s.indexOf('"', this.pos)
    if (end < 0) this.fail('unexpected-end', 'input ends inside a string', this.s.length)
    const value = this.s.slice(this.pos, end)
    this.pos = end + 1
    return value
  }

  /** `"..."` escaped by Nix's printString: only \" \\ \n \r \t, no raw LF, CR or TAB. */
  escaped(): string {
    this.expect('"')
    const start = this.pos
    const end = this.s.indexOf('"', start)
    if (end >= 0) {
      const body = this.s.slice(start, end)
      if (!NEEDS_CARE.test(body)) { this.pos = end + 1; return body }
    }
    let out = ''
    let run = start
    let i = start
    for (;;) {
      if (i >= this.s.length) this.fail('unexpected-end', 'input ends inside a string', this.s.length)
      const c = this.s.charCodeAt(i)
      if (c === QUOTE) break
      if (c === BACKSLASH) {
        if (i + 1 >= this.s.length) this.fail('unexpected-end', 'input ends inside an escape', this.s.length)
        const e = this.s[i + 1]
        const decoded = e === '"' ? '"' : e === '\\' ? '\\' : e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : undefined
        if (decoded === undefined) {
          const c2 = this.s.charCodeAt(i + 1)
          const shown = c2 > 0x20 && c2 < 0x7f ? `'\\${e}'` : `'\\' followed by ${this.describe(i + 1)}`
          this.fail('bad-escape', `bad escape ${shown} (Nix writes only \\" \\\\ \\n \\r \\t)`, i)
        }
        out += this.s.slice(run, i) + decoded
        i += 2
        run = i
        continue
      }
      if (c === 0x0a || c === 0x0d || c === 0x09) {
        this.fail('raw-control', `raw ${c === 0x0a ? 'newline' : c === 0x0d ? 'carriage return' : 'tab'} in an escaped string`, i)
      }
      i++
    }
    out += this.s.slice(run, i)
    this.pos = i + 1
    return out
  }

  /** Before an item of a list: true at `]` (consumed), else consumes the `,` between items. */
  atListEnd(first: boolean): boolean {
    if (this.s.charCodeAt(this.pos) === 0x5d) { this.pos++; return true }
    if (!first) this.expect(',')
    return false
  }

  /** Check strict byte order of a key or set element against the previous one. */
  order(prev: string | undefined, value: string, at: number, what: string): void {
    if (prev === undefined) return
    const c = compareByteStrings(prev, value)
    if (c === 0) this.fail('duplicate', `duplicate ${what} ${q(value)}`, at)
    if (c > 0) this.fail('unsorted', `${what} ${q(value)} is not sorted after ${q(prev)}`, at)
  }

  path(what: string): string {
    const at = this.pos
    const value = this.unescaped()
    if (value.charCodeAt(0) !== 0x2f) this.fail('bad-path', `bad ${what} ${q(value)}: not an absolute path`, at + 1)
    return value
  }

  /** `[` strictly sorted unescaped strings `]` (Nix's string and path sets). */
  sortedSet(what: string, paths: boolean): string[] {
    this.expect('[')
    const out: string[] = []
    let prev: string | undefined
    while (!this.atListEnd(out.length === 0)) {
      const at = this.pos + 1
      const value = paths ? this.path(what) : this.unescaped()
      this.order(prev, value, at, what)
      out.push(value)
      prev = value
    }
    return out
  }
}

/**
 * Parse the ATerm text of a `.drv` file (bytes, or a byte string from {@link bytesToString}).
 * Accepts exactly the canonical form Nix writes, so `printDerivation(parseDerivation(x))`
 * equals `x` for every accepted input.
 * @throws {AtermError} with the byte offset: `unexpected-end` (truncated), `unexpected-byte`
 *   (wrong keyword or punctuation), `bad-escape`, `raw-control`, `unsorted`, `duplicate`,
 *   `bad-path`, `trailing-bytes`.
 */
export function parseDerivation(input: Uint8Array | string): Derivation {
  const p = new Parser(typeof input === 'string' ? input : bytesToString(input))
  p.expect('Derive(')

  const outputs = emptyRecord<DerivationOutput>()
  p.expect('[')
  let prev: string | undefined
  for (let first = true; !p.atListEnd(first); first = false) {
    p.expect('(')
    const at = p.pos + 1
    const name = p.unescaped()
    p.order(prev, name, at, 'output name')
    prev = name
    p.expect(',')
    const pathAt = p.pos + 1
    const path = p.unescaped()
    if (path !== '' && path.charCodeAt(0) !== 0x2f) p.fail('bad-path', `bad output path ${q(path)}: not an absolute path`, pathAt)
    p.expect(',')
    const hashAlgo = p.unescaped()
    p.expect(',')
    const hash = p.unescaped()
    p.expect(')')
    outputs[name] = { path, hashAlgo, hash }
  }

  p.expect(',[')
  const inputDrvs = emptyRecord<string[]>()
  prev = undefined
  for (let first = true; !p.atListEnd(first); first = false) {
    p.expect('(')
    const at = p.pos + 1
    const drvPath = p.path('input derivation path')
    p.order(prev, drvPath, at, 'input derivation')
    prev = drvPath
    p.expect(',')
    inputDrvs[drvPath] = p.sortedSet('output name', false)
    p.expect(')')
  }

  p.expect(',')
  const inputSrcs = p.sortedSet('input source', true)
  p.expect(',')
  const system = p.unescaped()
  p.expect(',')
  const builder = p.escaped()

  p.expect(',[')
  const args: string[] = []
  for (let first = true; !p.atListEnd(first); first = false) args.push(p.escaped())

  p.expect(',[')
  const env = emptyRecord<string>()
  prev = undefined
  for (let first = true; !p.atListEnd(first); first = false) {
    p.expect('(')
    const at = p.pos + 1
    const key = p.escaped()
    p.order(prev, key, at, 'environment variable')
    prev = key
    p.expect(',')
    env[key] = p.escaped()
    p.expect(')')
  }
  p.expect(')')
  if (p.pos !== p.s.length) p.fail('trailing-bytes', `trailing data after the derivation: ${p.describe(p.pos)}`)
  return { outputs, inputDrvs, inputSrcs, system, builder, args, env }
}
