import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { goldenDir, onPath } from '@tsnix/test-kit'
import {
  base16Decode,
  base16Encode,
  base64Decode,
  base64Encode,
  compressHash,
  createHasher,
  Hash,
  HASH_ALGORITHMS,
  HASH_SIZE,
  HashError,
  hashBytes,
  hashFile,
  isHashAlgorithm,
  nix32Decode,
  nix32Encode,
  nix32EncodedLength,
  type HashAlgorithm,
} from './index.js'

const golden = pathToFileURL(goldenDir)
const hasNixHash = onPath('nix-hash')

interface Conversion {
  label: string
  algo: HashAlgorithm
  base16: string
  base32: string
  base64: string
  sri: string
  prefixedBase32: string
}
const conversions = (JSON.parse(readFileSync(new URL('hash/conversions.json', golden), 'utf8')) as { hashes: Conversion[] }).hashes

function expectHashError(fn: () => unknown, code: string, message?: RegExp): void {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(HashError)
  expect((caught as HashError).code).toBe(code)
  expect((caught as HashError).message).toMatch(/^hash: /)
  if (message) expect((caught as HashError).message).toMatch(message)
}

describe('golden conversions (hash/conversions.json)', () => {
  it('covers every algorithm', () => {
    expect(new Set(conversions.map((c) => c.algo))).toEqual(new Set(HASH_ALGORITHMS))
  })

  describe.each(conversions.map((c) => [`${c.algo} ${c.label}`, c] as const))('%s', (_, c) => {
    const digest = base16Decode(c.base16)

    it('encodes the digest in every encoding', () => {
      expect(digest.length).toBe(HASH_SIZE[c.algo])
      expect(base16Encode(digest)).toBe(c.base16)
      expect(nix32Encode(digest)).toBe(c.base32)
      expect(base64Encode(digest)).toBe(c.base64)
      expect(nix32EncodedLength(digest.length)).toBe(c.base32.length)
    })

    it('decodes every encoding to the digest', () => {
      expect(nix32Decode(c.base32)).toEqual(digest)
      expect(base64Decode(c.base64)).toEqual(digest)
      expect(base64Decode(c.sri.slice(c.algo.length + 1))).toEqual(digest)
    })

    it('parses every form Nix accepts', () => {
      const want = new Hash(c.algo, digest)
      const forms: [string, HashAlgorithm | undefined][] = [
        [c.base16, c.algo],
        [c.base16.toUpperCase(), c.algo],
        [c.base32, c.algo],
        [c.base64, c.algo],
        [c.sri, undefined],
        [c.sri, c.algo],
        [c.sri.replace(/=+$/, ''), undefined],
        [c.prefixedBase32, undefined],
        [c.prefixedBase32, c.algo],
        [`${c.algo}:${c.base16}`, undefined],
        [`${c.algo}:${c.base64}`, c.algo],
      ]
      for (const [text, algo] of forms) {
        const got = Hash.parse(text, algo)
        expect(got.algorithm, text).toBe(c.algo)
        expect(got.equals(want), text).toBe(true)
      }
    })

    it('prints every form', () => {
      const h = Hash.parse(c.sri)
      expect(h.toBase16()).toBe(c.base16)
      expect(h.toNix32()).toBe(c.base32)
      expect(h.toBase64()).toBe(c.base64)
      expect(h.toSri()).toBe(c.sri)
      expect(h.format('base16')).toBe(c.base16)
      expect(h.format('base16', true)).toBe(`${c.algo}:${c.base16}`)
      expect(h.format('nix32', true)).toBe(c.prefixedBase32)
      expect(h.format('base64', true)).toBe(`${c.algo}:${c.base64}`)
      expect(h.format('sri', true)).toBe(c.sri)
      expect(h.format('sri', false)).toBe(c.sri)
      expect(String(h)).toBe(c.prefixedBase32)
    })
  })
})

interface FlatCase {
  file: string
  size: number
  hashes: Record<HashAlgorithm, Record<string, string>>
}
const flat = (JSON.parse(readFileSync(new URL('nar/flat.json', golden), 'utf8')) as { files: FlatCase[] }).files

describe('golden flat file hashes (nar/flat.json)', () => {
  it.each(flat.map((f) => [f.file, f] as const))('%s', async (_, f) => {
    const path = fileURLToPath(new URL(`nar/${f.file}`, golden))
    const contents = readFileSync(path)
    expect(contents.length).toBe(f.size)
    for (const algo of HASH_ALGORITHMS) {
      const want = f.hashes[algo]
      const h = await hashFile(algo, path)
      expect(h.algorithm).toBe(algo)
      expect(h.toBase16()).toBe(want['base16'])
      expect(h.toNix32()).toBe(want['base32'])
      expect(h.toBase64()).toBe(want['base64'])
      expect(h.toSri()).toBe(want['sri'])
      expect(h.toNix32()).toBe(want['nixHashFileBase32'])
      expect(h.toBase16()).toBe(want['nixHashFileBase16'])
      // nix-hash --truncate folds digests longer than 20 bytes to 20 (sha256, sha512).
      const truncated = h.digest.length > 20 ? compressHash(h.digest, 20) : h.digest
      expect(base16Encode(truncated)).toBe(want['truncatedBase16'])
      expect(nix32Encode(truncated)).toBe(want['truncatedBase32'])
      // One-shot and incremental hashing agree with the streaming file hash.
      expect(hashBytes(algo, contents).equals(h)).toBe(true)
      const inc = createHasher(algo)
      for (let i = 0; i < contents.length; i += 7777) inc.update(contents.subarray(i, i + 7777))
      expect(inc.digest().equals(h)).toBe(true)
    }
  })
})

describe('hashing', () => {
  it('hashes strings as UTF-8', () => {
    expect(hashBytes('sha256', 'héllo').equals(hashBytes('sha256', Buffer.from('héllo', 'utf8')))).toBe(true)
    expect(hashBytes('md5', '').toBase16()).toBe('d41d8cd98f00b204e9800998ecf8427e')
  })

  it('hashFile streams large files (bounded memory) and matches one-shot hashing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsnix-hash-'))
    try {
      const data = randomBytes(3 * 1024 * 1024 + 17)
      writeFileSync(join(dir, 'big'), data)
      const h = await hashFile('sha512', join(dir, 'big'))
      expect(h.equals(hashBytes('sha512', data))).toBe(true)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('hashFile reports unreadable files as HashError io', async () => {
    await expect(hashFile('sha256', '/nonexistent/tsnix/file')).rejects.toMatchObject({
      name: 'HashError',
      code: 'io',
      message: expect.stringContaining('ENOENT') as unknown,
    })
  })

  it('compressHash XOR-folds', () => {
    expect(compressHash(Uint8Array.from([1, 2, 3, 4, 5]), 2)).toEqual(Uint8Array.from([1 ^ 3 ^ 5, 2 ^ 4]))
    expect(compressHash(Uint8Array.from([9]), 3)).toEqual(Uint8Array.from([9, 0, 0]))
    expect(() => compressHash(new Uint8Array(4), 0)).toThrow(RangeError)
  })
})

describe('Hash', () => {
  it('checks the digest length and copies it', () => {
    expectHashError(() => new Hash('sha256', new Uint8Array(31)), 'bad-length', /32 bytes, not 31/)
    const bytes = new Uint8Array(16)
    const h = new Hash('md5', bytes)
    bytes[0] = 1
    expect(h.digest[0]).toBe(0)
  })

  it('compares algorithm and bytes', () => {
    const a = hashBytes('sha256', 'a')
    expect(a.equals(hashBytes('sha256', 'a'))).toBe(true)
    expect(a.equals(hashBytes('sha256', 'b'))).toBe(false)
    expect(hashBytes('sha1', 'a').equals(new Hash('sha1', new Uint8Array(20)))).toBe(false)
  })

  it('knows the algorithm names exactly', () => {
    expect(HASH_ALGORITHMS.filter(isHashAlgorithm)).toEqual(['md5', 'sha1', 'sha256', 'sha512'])
    expect(isHashAlgorithm('SHA256')).toBe(false)
    expect(isHashAlgorithm('sha384')).toBe(false)
  })
})

describe('errors', () => {
  const zero32 = '0'.repeat(52)

  it('rejects bad nix32 characters, naming the character and position', () => {
    for (const bad of ['e', 'o', 'u', 't', 'E', '-', 'é', ' ']) {
      const text = `000${bad}0000000000000000000000`
      expectHashError(() => nix32Decode(text), 'bad-nix32-char', new RegExp(`invalid nix32 character '${bad}' at position 3 in "000`))
      if (bad !== '-') expectHashError(() => Hash.parse(text, 'md5'), 'bad-nix32-char')
    }
    // A '-' makes Nix read the text as SRI with the algorithm before it.
    expectHashError(() => Hash.parse('000-0000000000000000000000', 'md5'), 'unknown-algorithm', /"000"/)
  })

  it('rejects stray high bits in the first nix32 character, as Nix does', () => {
    // md5: 26 chars = 130 bits for 128: the first char may only be 0-7.
    expect(nix32Decode('7zzzzzzzzzzzzzzzzzzzzzzzzz')).toEqual(new Uint8Array(16).fill(255))
    expectHashError(() => nix32Decode('8zzzzzzzzzzzzzzzzzzzzzzzzz'), 'nix32-high-bits', /character '8' at position 0/)
    expectHashError(() => Hash.parse('sha256:8' + zero32.slice(1)), 'nix32-high-bits')
    // sha1: 32 chars = 160 bits exactly, so every first character is fine.
    expect(nix32Decode('z'.repeat(32))).toEqual(new Uint8Array(20).fill(255))
  })

  it('rejects impossible nix32 lengths', () => {
    expectHashError(() => nix32Decode('0'), 'bad-length', /length 1/)
    expectHashError(() => nix32Decode('000'), 'bad-length')
    expect(nix32Decode('')).toEqual(new Uint8Array(0))
  })

  it('rejects bad base16 and base64', () => {
    expectHashError(() => base16Decode('abc'), 'bad-length')
    expectHashError(() => base16Decode('0g'), 'bad-base16', /'g' at position 1/)
    expectHashError(() => Hash.parse('md5:' + 'x'.repeat(32)), 'bad-base16')
    expectHashError(() => base64Decode('AA*A'), 'bad-base64', /'\*' at position 2/)
    expectHashError(() => base64Decode('AAA=xyz'), 'bad-base64', /padding/)
    expectHashError(() => base64Decode('AA='), 'bad-base64', /padding/)
    expectHashError(() => base64Decode('A'), 'bad-base64')
    expect(base64Decode('AAE')).toEqual(Uint8Array.from([0, 1]))
  })

  it('rejects wrong lengths for the algorithm', () => {
    expectHashError(() => Hash.parse('0'.repeat(31), 'md5'), 'bad-length', /wrong length 31 for algorithm md5/)
    expectHashError(() => Hash.parse('sha256:' + '0'.repeat(63)), 'bad-length')
    expectHashError(() => Hash.parse('sha256-AAAA'), 'bad-length', /SRI/)
    expectHashError(() => Hash.parse('md5-' + base64Encode(new Uint8Array(20))), 'bad-length')
  })

  it('rejects unknown, missing and mismatched algorithms', () => {
    expectHashError(() => Hash.parse('sha384:' + zero32), 'unknown-algorithm', /"sha384"/)
    expectHashError(() => Hash.parse('SHA256:' + zero32), 'unknown-algorithm')
    expectHashError(() => Hash.parse(zero32), 'missing-algorithm')
    expectHashError(() => Hash.parse('sha1:' + '0'.repeat(32), 'md5'), 'algorithm-mismatch', /should have algorithm md5/)
    expectHashError(() => Hash.parse(zero32, 'sha3' as HashAlgorithm), 'unknown-algorithm')
    expectHashError(() => createHasher('crc32' as HashAlgorithm), 'unknown-algorithm')
  })
})

describe('properties', () => {
  it('random bytes round-trip through nix32, base16 and base64 for every digest size', () => {
    for (const size of [...Object.values(HASH_SIZE), 1, 2, 3, 5, 7, 8, 13, 31, 33]) {
      for (let k = 0; k < 200; k++) {
        const bytes = randomBytes(size)
        const text = nix32Encode(bytes)
        expect(text.length).toBe(nix32EncodedLength(size))
        expect(text).toMatch(/^[0-9a-df-np-sv-z]*$/)
        expect(nix32Decode(text)).toEqual(new Uint8Array(bytes))
        expect(base16Decode(base16Encode(bytes))).toEqual(new Uint8Array(bytes))
        expect(base64Decode(base64Encode(bytes))).toEqual(new Uint8Array(bytes))
      }
    }
  })

  it('Hash.parse inverts every printed form', () => {
    for (const algo of HASH_ALGORITHMS) {
      for (let k = 0; k < 50; k++) {
        const h = new Hash(algo, randomBytes(HASH_SIZE[algo]))
        for (const fmt of ['base16', 'nix32', 'base64', 'sri'] as const) {
          expect(Hash.parse(h.format(fmt, true)).equals(h)).toBe(true)
          expect(Hash.parse(h.format(fmt), algo).equals(h)).toBe(true)
        }
      }
    }
  })
})

describe.skipIf(!hasNixHash)('differential against nix-hash', () => {
  const nixHash = (args: string[]): string[] => execFileSync('nix-hash', args, { encoding: 'utf8' }).trimEnd().split('\n')

  it('converts random hashes like nix-hash --to-base32 / --to-base16', () => {
    for (const algo of HASH_ALGORITHMS) {
      const hashes = Array.from({ length: 40 }, () => new Hash(algo, randomBytes(HASH_SIZE[algo])))
      expect(nixHash(['--type', algo, '--to-base32', ...hashes.map((h) => h.toBase16())])).toEqual(hashes.map((h) => h.toNix32()))
      expect(nixHash(['--type', algo, '--to-base16', ...hashes.map((h) => h.toNix32())])).toEqual(hashes.map((h) => h.toBase16()))
      expect(nixHash(['--type', algo, '--to-base16', ...hashes.map((h) => h.toSri())])).toEqual(hashes.map((h) => h.toBase16()))
    }
  })

  it('agrees with nix-hash on which nix32 first characters are out of range', () => {
    for (const algo of HASH_ALGORITHMS) {
      const rest = '0'.repeat(nix32EncodedLength(HASH_SIZE[algo]) - 1)
      const ok: string[] = []
      const bad: string[] = []
      for (const first of '0123456789abcdfghijklmnpqrsvwxyz') {
        try {
          Hash.parse(first + rest, algo)
          ok.push(first + rest)
        } catch (err) {
          expect(err).toBeInstanceOf(HashError)
          bad.push(first + rest)
        }
      }
      // Everything we accept, nix-hash converts to the same bytes (one call, it stops at the first error).
      expect(nixHash(['--type', algo, '--to-base16', ...ok])).toEqual(ok.map((t) => Hash.parse(t, algo).toBase16()))
      // The first character we reject, nix-hash rejects too.
      if (bad[0] !== undefined) expect(spawnSync('nix-hash', ['--type', algo, '--to-base16', bad[0]]).status).toBe(1)
      expect(ok.length).toBe({ md5: 8, sha1: 32, sha256: 2, sha512: 4 }[algo])
    }
  })

  it('truncates like nix-hash --flat --truncate', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsnix-hash-'))
    try {
      const file = join(dir, 'f')
      writeFileSync(file, randomBytes(1000))
      for (const algo of HASH_ALGORITHMS) {
        const h = hashBytes(algo, readFileSync(file))
        const want = h.digest.length > 20 ? compressHash(h.digest, 20) : h.digest
        expect(nixHash(['--flat', '--truncate', '--type', algo, file])).toEqual([base16Encode(want)])
        expect(nixHash(['--flat', '--truncate', '--base32', '--type', algo, file])).toEqual([nix32Encode(want)])
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
