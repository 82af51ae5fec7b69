/** `builtins.fromJSON`: a JSON parser over byte strings, keeping integers and floats apart. */
import { NixError } from './errors.js'
import type { PosIdx } from './source.js'
import { NixAttrs, NixFloat, normInt, type Lazy, type Value } from './values.js'

function utf8(cp: number): string {
  return Buffer.from(String.fromCodePoint(cp), 'utf8').toString('latin1')
}

/** Parse JSON text (a byte string). Objects become sets, numbers ints or floats. */
export function fromJSON(text: string, pos: PosIdx | undefined): Value {
  let i = 0
  const fail = (msg: string): never => {
    throw new NixError('eval', `error parsing JSON: ${msg} at offset ${i}`, pos)
  }
  const ws = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++
  }
  const parseString = (): string => {
    i++ // "
    let out = ''
    for (;;) {
      if (i >= text.length) fail('unterminated string')
      const c = text[i]!
      if (c === '"') { i++; return out }
      if (c === '\\') {
        const d = text[i + 1]
        i += 2
        switch (d) {
          case '"': out += '"'; break
          case '\\': out += '\\'; break
          case '/': out += '/'; break
          case 'b': out += '\b'; break
          case 'f': out += '\f'; break
          case 'n': out += '\n'; break
          case 'r': out += '\r'; break
          case 't': out += '\t'; break
          case 'u': {
            const hex = text.slice(i, i + 4)
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape')
            let cp = parseInt(hex, 16)
            i += 4
            if (cp >= 0xd800 && cp < 0xdc00 && text[i] === '\\' && text[i + 1] === 'u') {
              const lo = parseInt(text.slice(i + 2, i + 6), 16)
              if (lo >= 0xdc00 && lo < 0xe000) { cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00); i += 6 }
            }
            out += utf8(cp)
            break
          }
          default: fail('bad escape')
        }
        continue
      }
      if (c.charCodeAt(0) < 0x20) fail('control character in string')
      out += c
      i++
    }
  }
  const parseValue = (depth: number): Value => {
    if (depth > 10000) fail('nesting too deep')
    ws()
    const c = text[i]
    if (c === '{') {
      i++
      const m = new Map<string, Lazy>()
      ws()
      if (text[i] === '}') { i++; return NixAttrs.fromMap(m) }
      for (;;) {
        ws()
        if (text[i] !== '"') fail('expected string key')
        const k = parseString()
        ws()
        if (text[i] !== ':') fail("expected ':'")
        i++
        const v = parseValue(depth + 1)
        if (!m.has(k)) m.set(k, v)
        ws()
        if (text[i] === ',') { i++; continue }
        if (text[i] === '}') { i++; return NixAttrs.fromMap(m) }
        fail("expected ',' or '}'")
      }
    }
    if (c === '[') {
      i++
      const out: Lazy[] = []
      ws()
      if (text[i] === ']') { i++; return out }
      for (;;) {
        out.push(parseValue(depth + 1))
        ws()
        if (text[i] === ',') { i++; continue }
        if (text[i] === ']') { i++; return out }
        fail("expected ',' or ']'")
      }
    }
    if (c === '"') return parseString()
    if (text.startsWith('true', i)) { i += 4; return true }
    if (text.startsWith('false', i)) { i += 5; return false }
    if (text.startsWith('null', i)) { i += 4; return null }
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400))
    if (m === null || m[0] === '' || m[0] === '-') return fail('syntax error')
    i += m[0].length
    if (m[2] === undefined && m[3] === undefined) {
      const n = Number(m[0])
      if (Number.isSafeInteger(n)) return n
      const b = BigInt(m[0])
      // nlohmann/json reads up to 2^64-1 as an unsigned integer, which Nix wraps to 64 bits
      if (b >= -(2n ** 63n) && b < 2n ** 64n) return normInt(b)
      return new NixFloat(n)
    }
    const f = Number(m[0])
    if (!Number.isFinite(f)) throw new NixError('eval', `[json.exception.out_of_range.406] number overflow parsing '${m[0]}'`)
    return new NixFloat(f)
  }
  const v = parseValue(0)
  ws()
  if (i < text.length) fail('trailing characters')
  return v
}
