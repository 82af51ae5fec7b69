import { HashError } from './errors.js'

/**
 * Nix's base-32 alphabet: digits and lower-case letters without e, o, u and t
 * (to avoid accidental words). See Nix 2.8 src/libutil/hash.cc `base32Chars`.
 */
export const NIX32_ALPHABET = '0123456789abcdfghijklmnpqrsvwxyz'

// Reverse lookup: char code -> digit, or -1.
const NIX32_DIGIT: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1)
  for (let i = 0; i < NIX32_ALPHABET.length; i++) table[NIX32_ALPHABET.charCodeAt(i)] = i
  return table
})()

const quote = (s: string): string => JSON.stringify(s)

/** Number of nix32 characters that encode `byteLength` bytes: ceil(8n / 5) (0 for 0 bytes). */
export function nix32EncodedLength(byteLength: number): number {
  if (!Number.isInteger(byteLength) || byteLength < 0) throw new RangeError(`invalid byte length ${byteLength}`)
  return byteLength === 0 ? 0 : Math.floor((byteLength * 8 - 1) / 5) + 1
}

/**
 * Encode bytes in Nix's base-32. Unlike RFC 4648 base32, Nix treats the bytes as one
 * little-endian number and prints its 5-bit groups most significant first: the last
 * character holds the low 5 bits of byte 0.
 */
export function nix32Encode(bytes: Uint8Array): string {
  const len = nix32EncodedLength(bytes.length)
  let out = ''
  for (let n = len - 1; n >= 0; n--) {
    const b = n * 5
    const i = b >> 3
    const j = b & 7
    // A 5-bit group may straddle bytes i and i+1.
    const c = ((bytes[i] ?? 0) >> j) | (i + 1 < bytes.length ? (bytes[i + 1] ?? 0) << (8 - j) : 0)
    out += NIX32_ALPHABET[c & 31]
  }
  return out
}

/**
 * Decode Nix's base-32. The byte length is implied by the text length (26 chars → 16 bytes,
 * 32 → 20, 52 → 32, 103 → 64); lengths no byte count encodes to are rejected.
 * @throws {HashError} `bad-length` for an impossible length, `bad-nix32-char` for a
 *   character outside the alphabet, `nix32-high-bits` when the first character sets bits
 *   beyond the last byte (Nix rejects those too, so every value has one spelling).
 */
export function nix32Decode(text: string): Uint8Array {
  const size = Math.floor((text.length * 5) / 8)
  if (nix32EncodedLength(size) !== text.length) {
    throw new HashError('bad-length', `invalid nix32 length ${text.length} in ${quote(text)}`)
  }
  const out = new Uint8Array(size)
  for (let n = 0; n < text.length; n++) {
    const pos = text.length - 1 - n
    const code = text.charCodeAt(pos)
    const digit = code < 128 ? (NIX32_DIGIT[code] ?? -1) : -1
    if (digit < 0) {
      throw new HashError('bad-nix32-char', `invalid nix32 character '${text[pos]}' at position ${pos} in ${quote(text)}`)
    }
    const b = n * 5
    const i = b >> 3
    const j = b & 7
    out[i] = (out[i] ?? 0) | ((digit << j) & 0xff)
    const carry = digit >> (8 - j)
    if (i + 1 < size) {
      out[i + 1] = (out[i + 1] ?? 0) | carry
    } else if (carry !== 0) {
      throw new HashError('nix32-high-bits', `nix32 character '${text[pos]}' at position ${pos} sets bits beyond ${size} bytes in ${quote(text)}`)
    }
  }
  return out
}

const HEX = '0123456789abcdef'

/** Encode bytes as lower-case hexadecimal. */
export function base16Encode(bytes: Uint8Array): string {
  let out = ''
  for (const byte of bytes) out += HEX[byte >> 4]! + HEX[byte & 15]!
  return out
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48 // 0-9
  if (code >= 97 && code <= 102) return code - 87 // a-f
  if (code >= 65 && code <= 70) return code - 55 // A-F (Nix accepts upper case)
  return -1
}

/**
 * Decode hexadecimal (either case, as Nix accepts).
 * @throws {HashError} `bad-length` for an odd length, `bad-base16` naming the bad character.
 */
export function base16Decode(text: string): Uint8Array {
  if (text.length % 2 !== 0) throw new HashError('bad-length', `invalid base16 length ${text.length} in ${quote(text)}`)
  const out = new Uint8Array(text.length / 2)
  for (let k = 0; k < out.length; k++) {
    const hi = hexValue(text.charCodeAt(2 * k))
    const lo = hexValue(text.charCodeAt(2 * k + 1))
    if (hi < 0 || lo < 0) {
      const pos = hi < 0 ? 2 * k : 2 * k + 1
      throw new HashError('bad-base16', `invalid base16 character '${text[pos]}' at position ${pos} in ${quote(text)}`)
    }
    out[k] = (hi << 4) | lo
  }
  return out
}

/** Encode bytes as standard padded base64 (RFC 4648 §4, `+/`, `=`), as Nix prints it. */
export function base64Encode(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

const BASE64_RE = /^[A-Za-z0-9+/]*$/

/**
 * Decode standard base64. Padding is optional (Nix accepts unpadded SRI hashes), but if
 * present it must be complete; characters outside the alphabet, or after the padding, are
 * rejected (Nix 2.8 silently ignores anything after the first `=`; we do not).
 * @throws {HashError} `bad-base64`.
 */
export function base64Decode(text: string): Uint8Array {
  const firstPad = text.indexOf('=')
  const body = firstPad < 0 ? text : text.slice(0, firstPad)
  if (!BASE64_RE.test(body)) {
    const pos = [...body].findIndex((c) => !BASE64_RE.test(c))
    throw new HashError('bad-base64', `invalid base64 character '${body[pos]}' at position ${pos} in ${quote(text)}`)
  }
  if (body.length % 4 === 1) throw new HashError('bad-base64', `invalid base64 length ${body.length} in ${quote(text)}`)
  if (firstPad >= 0) {
    const pad = text.slice(firstPad)
    const want = (4 - (body.length % 4)) % 4
    if (pad.length !== want || !/^=*$/.test(pad)) {
      throw new HashError('bad-base64', `invalid base64 padding at position ${firstPad} in ${quote(text)}`)
    }
  }
  const buf = Buffer.from(body, 'base64')
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
}
