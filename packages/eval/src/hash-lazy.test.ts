import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { seededRandom } from '@tsnix/test-kit'
import { cryptoDigestHex, digestHex, type HashAlgo } from './hash-lazy.js'
import { nativeAddon } from './native-addon.js'

const ALGOS: HashAlgo[] = ['md5', 'sha1', 'sha256', 'sha512']

/** Deterministic byte strings of many lengths, NUL and high bytes included. */
function byteStrings(): string[] {
  const rand = seededRandom(0x2545f491)
  const byte = (): number => Math.floor(rand() * 256)
  const out = ['', 'abc', '\u00e9\u00ff\u0000\u0080']
  for (let len = 1; len < 300; len += 7) out.push(String.fromCharCode(...Array.from({ length: len }, byte)))
  return out
}

describe('hashString digests', () => {
  it('node:crypto hashes the Latin-1 bytes of a byte string', () => {
    for (const text of byteStrings()) {
      for (const algo of ALGOS) expect(cryptoDigestHex(algo, text)).toBe(createHash(algo).update(Buffer.from(text, 'latin1')).digest('hex'))
    }
  })

  it.skipIf(nativeAddon() === null)('the native addon gives the same digests as its twin', () => {
    for (const text of byteStrings()) {
      for (const algo of ALGOS) expect(digestHex(algo, text)).toBe(cryptoDigestHex(algo, text))
    }
  })
})
