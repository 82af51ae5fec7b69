/**
 * Byte strings: how this package keeps .drv bytes exact in plain JS strings.
 *
 * A byte string is a JS string decoded from bytes as UTF-8, except that every byte which is
 * not part of a well-formed UTF-8 sequence becomes the lone surrogate U+DC80 + (byte - 0x80)
 * (U+DC80..U+DCFF; ASCII is always well-formed). This is Python's "surrogateescape" (PEP 383).
 * Decoding is injective, so `stringToBytes(bytesToString(b))` gives back `b` exactly, and
 * valid UTF-8 (nearly every .drv) reads as ordinary text.
 */
import { isUtf8 } from 'node:buffer'

const ESCAPE_BASE = 0xdc00

// ES2024 string methods (Node >= 20); typed here because the base lib is ES2023.
type Es2024String = { isWellFormed(): boolean; toWellFormed(): string }
const wellFormed = (s: string): boolean => (s as unknown as Es2024String).isWellFormed()

/**
 * Decode bytes into a byte string (UTF-8, with every stray byte kept as U+DC80..U+DCFF).
 * Lossless: {@link stringToBytes} restores the exact bytes.
 */
export function bytesToString(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (isUtf8(buf)) return buf.toString('utf8')
  return decodeEscaping(bytes)
}

/** Length of the well-formed UTF-8 sequence at `i` (Unicode table 3-7), or 0 when there is none. */
function sequenceLength(b: Uint8Array, i: number): number {
  const c = b[i] as number
  const n = b.length
  const cont = (j: number, lo = 0x80, hi = 0xbf): boolean => j < n && (b[j] as number) >= lo && (b[j] as number) <= hi
  if (c < 0x80) return 1
  if (c >= 0xc2 && c <= 0xdf) return cont(i + 1) ? 2 : 0
  if (c >= 0xe0 && c <= 0xef) {
    const lo = c === 0xe0 ? 0xa0 : 0x80
    const hi = c === 0xed ? 0x9f : 0xbf
    return cont(i + 1, lo, hi) && cont(i + 2) ? 3 : 0
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const lo = c === 0xf0 ? 0x90 : 0x80
    const hi = c === 0xf4 ? 0x8f : 0xbf
    return cont(i + 1, lo, hi) && cont(i + 2) && cont(i + 3) ? 4 : 0
  }
  return 0
}

function decodeEscaping(b: Uint8Array): string {
  let out = ''
  let runStart = 0
  let i = 0
  const flush = (end: number): void => {
    if (end > runStart) out += Buffer.from(b.buffer, b.byteOffset + runStart, end - runStart).toString('utf8')
  }
  while (i < b.length) {
    const len = sequenceLength(b, i)
    if (len > 0) { i += len; continue }
    flush(i)
    out += String.fromCharCode(ESCAPE_BASE + (b[i] as number))
    i++
    runStart = i
  }
  flush(i)
  return out
}

/**
 * Encode a byte string back into bytes: UTF-8, with U+DC80..U+DCFF turned back into the
 * single bytes 0x80..0xFF they stand for.
 * @throws {RangeError} on any other lone surrogate (it stands for no byte).
 */
export function stringToBytes(text: string): Uint8Array {
  if (wellFormed(text)) return Buffer.from(text, 'utf8')
  const parts: Uint8Array[] = []
  let runStart = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < text.length ? text.charCodeAt(i + 1) : 0
      if (d >= 0xdc00 && d <= 0xdfff) { i++; continue }
      throw new RangeError(`lone surrogate U+${c.toString(16).toUpperCase()} at index ${i} stands for no byte`)
    }
    if (c >= 0xdc00 && c <= 0xdfff) {
      if (c < 0xdc80 || c > 0xdcff) {
        throw new RangeError(`lone surrogate U+${c.toString(16).toUpperCase()} at index ${i} stands for no byte`)
      }
      if (i > runStart) parts.push(Buffer.from(text.slice(runStart, i), 'utf8'))
      parts.push(Uint8Array.of(c - ESCAPE_BASE))
      runStart = i + 1
    }
  }
  if (runStart < text.length) parts.push(Buffer.from(text.slice(runStart), 'utf8'))
  return Buffer.concat(parts)
}

/** Number of bytes `text` encodes to (see {@link stringToBytes}). */
export function byteLength(text: string): number {
  return wellFormed(text) ? Buffer.byteLength(text, 'utf8') : stringToBytes(text).length
}

/** True when the byte string stands for well-formed UTF-8 (no escaped bytes). */
export function isValidUtf8String(text: string): boolean {
  return wellFormed(text)
}

/**
 * Compare two byte strings by their bytes (as Nix's `std::string` and `std::map` order them).
 * Returns a negative number, zero or a positive number.
 */
export function compareByteStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    // Below U+D800 code-unit order is UTF-8 byte order; beyond that, compare the bytes.
    if (x < 0xd800 && y < 0xd800) return x - y
    return Buffer.compare(Buffer.from(stringToBytes(a.slice(i))), Buffer.from(stringToBytes(b.slice(i))))
  }
  return a.length - b.length
}

/**
 * Replace invalid UTF-8 the way jq does when it reads Nix's output (`nix show-derivation | jq`):
 * one U+FFFD per invalid sequence, where a sequence's length comes from its lead byte and ends
 * early at the first byte that is not a continuation byte; overlong forms, surrogates and code
 * points past U+10FFFF become a single U+FFFD for the whole sequence.
 */
export function jqDisplayString(text: string): string {
  if (wellFormed(text)) return text
  const b = stringToBytes(text)
  let out = ''
  let i = 0
  const n = b.length
  const isCont = (x: number): boolean => x >= 0x80 && x <= 0xbf
  while (i < n) {
    const c = b[i] as number
    if (c < 0x80) {
      const start = i
      while (i < n && (b[i] as number) < 0x80) i++
      out += Buffer.from(b.buffer, b.byteOffset + start, i - start).toString('latin1')
      continue
    }
    let len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0
    if (len === 0) { out += '\ufffd'; i++; continue }
    if (i + len > n) { out += '\ufffd'; i = n; continue }
    let cp = c & (len === 2 ? 0x1f : len === 3 ? 0x0f : 0x07)
    let ok = true
    for (let k = 1; k < len; k++) {
      const d = b[i + k] as number
      if (!isCont(d)) { ok = false; len = k; break }
      cp = (cp << 6) | (d & 0x3f)
    }
    const min = len === 2 ? 0x80 : len === 3 ? 0x800 : 0x10000
    if (!ok || cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) out += '\ufffd'
    else out += String.fromCodePoint(cp)
    i += len
  }
  return out
}

/** Replace escaped bytes with U+FFFD one for one, for display. */
export function displayString(text: string): string {
  return (text as unknown as Es2024String).toWellFormed()
}
