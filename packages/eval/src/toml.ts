/**
 * `builtins.fromTOML`: a TOML 1.0 parser over byte strings. Tables become sets, arrays
 * lists; date-times are rejected as in Nix 2.8 (it has no date type).
 */
import { NixError } from './errors.js'
import type { PosIdx } from './source.js'
import { NixAttrs, NixFloat, normInt, type Lazy, type Value } from './values.js'

type T = Map<string, TV>
type TV = string | number | bigint | boolean | NixFloat | TV[] | T
interface Tbl { m: T; defined: boolean; inline: boolean; headed?: boolean }

function utf8(cp: number): string {
  return Buffer.from(String.fromCodePoint(cp), 'utf8').toString('latin1')
}

/** Parse a TOML document into a Nix value. */
export function fromTOML(text: string, pos: PosIdx | undefined): Value {
  let i = 0
  let line = 1
  const fail = (msg: string): never => {
    throw new NixError('eval', `while parsing a TOML string: ${msg} (line ${line})`, pos)
  }
  const meta = new WeakMap<T, Tbl>()
  const mkTable = (inline = false): T => {
    const m: T = new Map()
    meta.set(m, { m, defined: false, inline })
    return m
  }
  const root = mkTable()
  const peek = (): string | undefined => text[i]
  const skipWs = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++
  }
  const skipComment = (): void => {
    if (text[i] === '#') while (i < text.length && text[i] !== '\n') i++
  }
  const skipWsNl = (): void => {
    for (;;) {
      skipWs()
      skipComment()
      if (text[i] === '\n') { i++; line++; continue }
      if (text[i] === '\r' && text[i + 1] === '\n') { i += 2; line++; continue }
      break
    }
  }
  const expectEol = (): void => {
    skipWs()
    skipComment()
    if (i >= text.length) return
    if (text[i] === '\n') { i++; line++; return }
    if (text[i] === '\r' && text[i + 1] === '\n') { i += 2; line++; return }
    fail(`unexpected character '${text[i]}'`)
  }
  const escape = (): string => {
    const d = text[i + 1]
    i += 2
    switch (d) {
      case 'b': return '\b'
      case 't': return '\t'
      case 'n': return '\n'
      case 'f': return '\f'
      case 'r': return '\r'
      case '"': return '"'
      case '\\': return '\\'
      case 'u': case 'U': {
        const len = d === 'u' ? 4 : 8
        const hex = text.slice(i, i + len)
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) fail('bad unicode escape')
        i += len
        return utf8(parseInt(hex, 16))
      }
      default: return fail('bad escape')
    }
  }
  const basicString = (): string => {
    if (text.startsWith('"""', i)) {
      i += 3
      if (text[i] === '\n') { i++; line++ } else if (text[i] === '\r' && text[i + 1] === '\n') { i += 2; line++ }
      let out = ''
      for (;;) {
        if (i >= text.length) fail('unterminated string')
        if (text.startsWith('"""', i)) {
          // up to two quotes right before the closing delimiter belong to the content
          let q = 3
          while (text[i + q] === '"') q++
          const extra = Math.min(q - 3, 2)
          out += '"'.repeat(extra)
          i += 3 + extra
          return out
        }
        const c = text[i]!
        if (c === '\\') {
          const after = text.slice(i + 1).match(/^[ \t]*\r?\n/)
          if (after !== null) {
            i++
            while (i < text.length && /[ \t\r\n]/.test(text[i]!)) { if (text[i] === '\n') line++; i++ }
            continue
          }
          out += escape()
          continue
        }
        if (c === '\n') line++
        out += c
        i++
      }
    }
    i++
    let out = ''
    for (;;) {
      if (i >= text.length || text[i] === '\n') fail('unterminated string')
      const c = text[i]!
      if (c === '"') { i++; return out }
      if (c === '\\') { out += escape(); continue }
      out += c
      i++
    }
  }
  const literalString = (): string => {
    if (text.startsWith("'''", i)) {
      i += 3
      if (text[i] === '\n') { i++; line++ } else if (text[i] === '\r' && text[i + 1] === '\n') { i += 2; line++ }
      const end = text.indexOf("'''", i)
      if (end < 0) fail('unterminated string')
      let e = end
      while (text[e + 3] === "'" && e - end < 2) e++
      const out = text.slice(i, e)
      for (const c of out) if (c === '\n') line++
      i = e + 3
      return out
    }
    i++
    const end = text.indexOf("'", i)
    if (end < 0) fail('unterminated string')
    const out = text.slice(i, end)
    if (out.includes('\n')) fail('unterminated string')
    i = end + 1
    return out
  }
  const key = (): string[] => {
    const parts: string[] = []
    for (;;) {
      skipWs()
      const c = peek()
      if (c === '"') parts.push(basicString())
      else if (c === "'") parts.push(literalString())
      else {
        const m = /^[A-Za-z0-9_-]+/.exec(text.slice(i, i + 256))
        if (m === null) fail('expected a key')
        parts.push(m![0])
        i += m![0].length
      }
      skipWs()
      if (peek() === '.') { i++; continue }
      return parts
    }
  }
  const value = (): TV => {
    skipWs()
    const c = peek()
    if (c === '"') return basicString()
    if (c === "'") return literalString()
    if (c === '[') {
      i++
      const arr: TV[] = []
      for (;;) {
        skipWsNl()
        if (peek() === ']') { i++; return arr }
        arr.push(value())
        skipWsNl()
        if (peek() === ',') { i++; continue }
        if (peek() === ']') { i++; return arr }
        fail('expected , or ] in array')
      }
    }
    if (c === '{') {
      i++
      const t = mkTable(true)
      skipWs()
      if (peek() === '}') { i++; return t }
      for (;;) {
        const k = key()
        if (peek() !== '=') fail("expected '='")
        i++
        assign(t, k, value(), true)
        skipWs()
        if (peek() === ',') { i++; continue }
        if (peek() === '}') { i++; return t }
        fail('expected , or } in inline table')
      }
    }
    const rest = text.slice(i, i + 128)
    let m = /^(true|false)(?![A-Za-z0-9_-])/.exec(rest)
    if (m !== null) { i += m[0].length; return m[1] === 'true' }
    if (/^\d{4}-\d{2}-\d{2}|^\d{2}:\d{2}:\d{2}/.test(rest)) {
      throw new NixError('eval', 'while parsing a TOML string: Dates and times are not supported', pos)
    }
    m = /^[+-]?(inf|nan)/.exec(rest)
    if (m !== null) {
      i += m[0].length
      return new NixFloat(m[1] === 'nan' ? NaN : m[0].startsWith('-') ? -Infinity : Infinity)
    }
    m = /^0x[0-9A-Fa-f](_?[0-9A-Fa-f])*|^0o[0-7](_?[0-7])*|^0b[01](_?[01])*/.exec(rest)
    if (m !== null) {
      i += m[0].length
      return normInt(BigInt(m[0].replace(/_/g, '')))
    }
    m = /^[+-]?(0|[1-9](_?[0-9])*)(\.[0-9](_?[0-9])*)?([eE][+-]?[0-9](_?[0-9])*)?/.exec(rest)
    if (m !== null && m[0] !== '') {
      i += m[0].length
      const s = m[0].replace(/_/g, '')
      if (m[3] === undefined && m[5] === undefined) {
        const b = BigInt(s)
        if (b >= 2n ** 63n || b < -(2n ** 63n)) fail('integer out of range')
        return normInt(b)
      }
      return new NixFloat(Number(s))
    }
    return fail(`unexpected value`)
  }
  const assign = (t: T, k: string[], v: TV, inlineCtx: boolean): void => {
    let cur = t
    for (let j = 0; j < k.length - 1; j++) {
      const part = k[j]!
      let next = cur.get(part)
      if (next === undefined) {
        const nt = mkTable(inlineCtx)
        meta.get(nt)!.defined = true
        cur.set(part, nt)
        next = nt
      }
      if (!(next instanceof Map)) fail(`key '${part}' is already defined`)
      const md = meta.get(next as T)
      if (md?.inline === true && !inlineCtx) fail(`cannot extend inline table '${part}'`)
      cur = next as T
    }
    const last = k[k.length - 1]!
    if (cur.has(last)) fail(`key '${last}' is already defined`)
    cur.set(last, v)
  }

  let current = root
  skipWsNl()
  while (i < text.length) {
    if (text.startsWith('[[', i)) {
      i += 2
      const k = key()
      if (!text.startsWith(']]', i)) fail("expected ']]'")
      i += 2
      let cur = root
      for (let j = 0; j < k.length - 1; j++) {
        let next = cur.get(k[j]!)
        if (next === undefined) { next = mkTable(); cur.set(k[j]!, next) }
        if (Array.isArray(next)) next = next[next.length - 1]!
        if (!(next instanceof Map)) fail('not a table')
        cur = next as T
      }
      const last = k[k.length - 1]!
      let arr = cur.get(last)
      if (arr === undefined) { arr = []; cur.set(last, arr) }
      if (!Array.isArray(arr)) fail(`key '${last}' is not an array of tables`)
      const nt = mkTable()
      ;(arr as TV[]).push(nt)
      current = nt
      expectEol()
    } else if (text[i] === '[') {
      i++
      const k = key()
      if (text[i] !== ']') fail("expected ']'")
      i++
      let cur = root
      for (let j = 0; j < k.length; j++) {
        let next = cur.get(k[j]!)
        if (next === undefined) { next = mkTable(); cur.set(k[j]!, next) }
        else if (Array.isArray(next)) next = next[next.length - 1]!
        if (!(next instanceof Map)) fail(`key '${k[j]}' is not a table`)
        cur = next as T
      }
      const md = meta.get(cur)!
      if (md.headed || md.inline) fail(`table (${k.map((x) => JSON.stringify(x)).join('.')}) already exists`)
      md.headed = true
      md.defined = true
      current = cur
      expectEol()
    } else {
      const k = key()
      if (text[i] !== '=') fail("expected '='")
      i++
      assign(current, k, value(), false)
      expectEol()
    }
    skipWsNl()
  }

  const toNix = (v: TV): Value => {
    if (v instanceof Map) {
      const m = new Map<string, Lazy>()
      for (const [k, x] of v) m.set(k, toNix(x))
      return NixAttrs.fromMap(m)
    }
    if (Array.isArray(v)) return v.map(toNix)
    return v
  }
  return toNix(root)
}
