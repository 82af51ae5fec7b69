// Black-box tests of parseNix, the Nix parser @tsnix/eval decodes (its tree-for-tree
// comparison with the TS parser is packages/eval/src/native-parse.test.ts). Skipped when
// the addon is not built (`pnpm run build:native`).
import { describe, expect, it } from 'vitest'
import { native } from './addon.js'

const MAGIC = 0x4e500003
const parse = (text: string): Int32Array | null => native!.parseNix(Buffer.from(text, 'latin1'))

describe.skipIf(native === null)('parseNix', () => {
  it('encodes a tree: header, strings, symbols, free variables, records', () => {
    // `x`: one string (source bytes 0–1), one symbol made (x), one free variable (x), one VAR
    // record (tag 6) at offset 0
    expect([...parse('x')!]).toEqual([MAGIC, 1, 1, 0, 3, 0, 1, 0, 1, 0, 0, 6, 0, 0])
    // `-1`: the string __sub is built (side bytes) and is free, records INT 0, INT 1, CALL of
    // VAR __sub
    const w = parse('-1')!
    const [, strings, symbols, slots, words, sideBytes, free] = w
    expect([strings, symbols, slots, sideBytes, free]).toEqual([1, 0, 0, 5, 1])
    expect(w[9]).toBe(0)
    const records = [...w.subarray(10, 10 + words!)]
    expect(records).toEqual([6, 0, 0, 0, 0, 0, 0, 1, 1, 13, 0, 2])
    const side = Buffer.from(w.buffer, w.byteOffset + 4 * (10 + words!), sideBytes)
    expect(side.toString('latin1')).toBe('__sub')
    // `x: x`: x is bound (no free variable); the body's records (VAR x at offset 3) after BODY
    // (tag 29) and their length, then LAMBDA (tag 12) at offset 0: arg x, no name, no
    // defaults, no formals
    expect([...parse('x: x')!]).toEqual([MAGIC, 1, 1, 0, 11, 0, 0, 0, 1, 0, 29, 3, 6, 3, 0, 12, 0, 0, -1, 0, -1])
  })

  it('returns null for sources the TS parser must report on', () => {
    for (const text of ['', '(', '{ a = 1; a = 2; }', '{ a, a }: a', '99999999999999999999', '"abc', 'a/b/', '1 %']) {
      expect(parse(text), text).toBeNull()
    }
  })

  it('returns null, without overflowing its stack, for very deep nesting', () => {
    expect(parse('['.repeat(1_000_000))).toBeNull()
    expect(parse(`${'{a='.repeat(200_000)}1${';}'.repeat(200_000)}`)).toBeNull()
    expect(parse(`${'['.repeat(500)}1${']'.repeat(500)}`)).not.toBeNull()
  })

  it('takes any bytes in strings and comments', () => {
    const bytes = Buffer.from([0x22, 0xff, 0x00, 0x80, 0x22, 0x20, 0x23, 0xfe, 0x0a])
    expect(native!.parseNix(bytes)).not.toBeNull()
  })
})
