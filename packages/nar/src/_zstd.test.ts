// The streaming zstd helpers of the `nar` tool (internal module, so tested directly).
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { CompressionError, decompressed, detectCompression, loadZstd, peek, zstdCompress, zstdDecompress } from './_zstd.js'
import { chunks, collect, onPath } from './testing/support.js'

const hasZstdCli = onPath('zstd')

const TEXT = Buffer.from('nix-archive-1 ( type regular contents /nix/store/x5qbk3rdymh6vmm8gfx4kpmkcyzfsi7b-leaf ) '.repeat(50)).subarray(0, 4096)

/** Data that compresses (repeated text) with random parts, `size` bytes. */
function mixed(size: number): Buffer {
  const out = Buffer.alloc(size)
  for (let i = 0; i < size; i += 4096) {
    const block = i % 3 === 0 ? randomBytes(4096) : TEXT
    block.copy(out, i, 0, Math.min(4096, size - i))
  }
  return out
}

async function compress(data: Uint8Array, chunking: number | number[] = 1 << 16, level?: number): Promise<Buffer> {
  return collect(zstdCompress(chunks(data, chunking), level === undefined ? {} : { level }))
}

async function failure(p: Promise<unknown>): Promise<CompressionError> {
  const err: unknown = await p.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(CompressionError)
  return err as CompressionError
}

describe('detectCompression', () => {
  it('recognises zstd (and skippable frames), xz, bzip2, gzip by their magic', () => {
    expect(detectCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x00]))).toBe('zstd')
    expect(detectCompression(Buffer.from([0x5e, 0x2a, 0x4d, 0x18, 0, 0]))).toBe('zstd')
    expect(detectCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))).toBe('xz')
    expect(detectCompression(Buffer.from('BZh91AY'))).toBe('bzip2')
    expect(detectCompression(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0]))).toBe('gzip')
  })

  it('leaves plain NARs, near misses and short input alone', () => {
    expect(detectCompression(Buffer.from('\x0d\0\0\0\0\0\0\0nix-archive-1'))).toBe('none')
    expect(detectCompression(Buffer.from([0x28, 0xb5, 0x2f]))).toBe('none')
    expect(detectCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x01]))).toBe('none')
    expect(detectCompression(Buffer.from('BZh0'))).toBe('none')
    expect(detectCompression(Buffer.from([0x6e, 0x2a, 0x4d, 0x18]))).toBe('none')
    expect(detectCompression(new Uint8Array(0))).toBe('none')
  })
})

describe('peek', () => {
  it('sees the first bytes across tiny chunks and replays the whole stream', async () => {
    const data = randomBytes(100)
    const p = await peek(chunks(data, [1, 2, 1, 1, 3]))
    expect(Buffer.from(p.head).equals(data.subarray(0, 6))).toBe(true)
    expect((await collect(p.source)).equals(data)).toBe(true)
  })

  it('handles a stream shorter than the magic, and an empty one', async () => {
    const p = await peek(chunks(Buffer.from('abc'), 1))
    expect(Buffer.from(p.head).toString()).toBe('abc')
    expect((await collect(p.source)).toString()).toBe('abc')
    const e = await peek(chunks(new Uint8Array(0)))
    expect(e.head.length).toBe(0)
    expect((await collect(e.source)).length).toBe(0)
  })
})

describe('zstd streaming', () => {
  it('round-trips small, empty and multi-MiB input under any chunking', async () => {
    for (const [size, chunking] of [[0, 1], [1, 1], [1000, [1, 7, 100]], [3 << 20, 123_457], [5 << 20, 1 << 20]] as const) {
      const data = mixed(size)
      const z = await compress(data, chunking as number | number[])
      expect(detectCompression(z)).toBe('zstd')
      for (const back of size <= 1000 ? [1, 5, 4096] : [4096, 1 << 20]) {
        expect((await collect(zstdDecompress(chunks(z, back)))).equals(data)).toBe(true)
      }
    }
  })

  it('writes a content checksum and honours the level', async () => {
    const data = mixed(1 << 20)
    const fast = await compress(data, 1 << 16, 1)
    const small = await compress(data, 1 << 16, 19)
    expect(small.length).toBeLessThan(fast.length)
    expect((fast[4] as number) & 0x04).toBe(0x04) // frame header descriptor: checksum flag
    expect((await collect(zstdDecompress(chunks(small)))).equals(data)).toBe(true)
    expect((await collect(zstdDecompress(chunks(await compress(data, 1 << 16, -5))))).equals(data)).toBe(true)
  })

  it('rejects levels outside zstd range', async () => {
    for (const level of [0, 23, 1.5, -200000]) {
      expect((await failure(compress(Buffer.from('x'), 1, level))).code).toBe('bad-level')
    }
  })

  it('yields bounded blocks when decompressing highly compressible data fed as one chunk', async () => {
    const z = await loadZstd()
    const zeros = Buffer.alloc(16 << 20)
    const packed = await compress(zeros, 1 << 20)
    expect(packed.length).toBeLessThan(16 << 10)
    let total = 0
    let largest = 0
    for await (const block of zstdDecompress(chunks(packed, packed.length))) {
      total += block.length
      largest = Math.max(largest, block.length)
      if (block.some((b) => b !== 0)) throw new Error('non-zero byte')
    }
    expect(total).toBe(zeros.length)
    expect(largest).toBeLessThanOrEqual(z.dStreamOutSize())
  })

  it('accepts concatenated frames and a leading skippable frame, as the zstd CLI', async () => {
    const a = mixed(70_000)
    const b = Buffer.from('second frame')
    const skippable = Buffer.concat([Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0]), Buffer.from('abc')])
    const stream = Buffer.concat([skippable, await compress(a), await compress(b)])
    expect(detectCompression(stream)).toBe('zstd')
    expect((await collect(zstdDecompress(chunks(stream, 999)))).equals(Buffer.concat([a, b]))).toBe(true)
  })

  it('errors on corrupt data, a checksum mismatch, truncation and trailing garbage', async () => {
    const data = mixed(300_000)
    const z = await compress(data)
    const flipped = Buffer.from(z)
    flipped.writeUInt8((flipped[Math.floor(z.length / 2)] as number) ^ 0xff, Math.floor(z.length / 2))
    const badSum = Buffer.from(z)
    badSum.writeUInt8((badSum[z.length - 1] as number) ^ 0xff, z.length - 1)
    const corrupt = await failure(collect(zstdDecompress(chunks(flipped))))
    expect(corrupt.code).toBe('corrupt')
    expect(corrupt.message).toMatch(/^nar: cannot decompress zstd data: .+ \(compressed input, at or after byte \d+\)$/)
    const sum = await failure(collect(zstdDecompress(chunks(badSum))))
    expect(sum.message).toMatch(/checksum/)
    const cut = await failure(collect(zstdDecompress(chunks(z.subarray(0, z.length - 10), 4096))))
    expect(cut.code).toBe('truncated')
    expect(cut.message).toBe(`nar: cannot decompress zstd data: input ends inside a frame (compressed byte ${z.length - 10})`)
    const trailing = await failure(collect(zstdDecompress(chunks(Buffer.concat([z, Buffer.from('garbage!')])))))
    expect(trailing.code).toBe('corrupt')
    expect(trailing.message).toContain(`at or after byte ${z.length})`)
    expect((await failure(collect(zstdDecompress(chunks(z.subarray(0, 4)))))).code).toBe('truncated')
  })

  it.runIf(hasZstdCli)('interoperates with the zstd CLI both ways', async () => {
    const data = mixed(2 << 20)
    const ours = await compress(data, 65_537, 7)
    const d = spawnSync('zstd', ['-d', '-c', '-q'], { input: ours, maxBuffer: 1 << 26 })
    expect(d.status).toBe(0)
    expect(d.stdout.equals(data)).toBe(true)
    const theirs = spawnSync('zstd', ['-c', '-q', '-19'], { input: data, maxBuffer: 1 << 26 })
    expect(theirs.status).toBe(0)
    expect((await collect(zstdDecompress(chunks(theirs.stdout, 777)))).equals(data)).toBe(true)
  })
})

describe('decompressed', () => {
  it('passes plain input through unchanged and decodes zstd input', async () => {
    const data = Buffer.concat([Buffer.from('\x0d\0\0\0\0\0\0\0nix-archive-1\0\0\0'), randomBytes(5000)])
    expect((await collect(await decompressed(chunks(data, 3)))).equals(data)).toBe(true)
    expect((await collect(await decompressed(chunks(await compress(data), 2)))).equals(data)).toBe(true)
  })

  it('refuses xz, bzip2 and gzip with one line saying what to do', async () => {
    const xz = await failure(decompressed(chunks(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2]))))
    expect(xz.code).toBe('unsupported-compression')
    expect(xz.message).toBe("nar: xz-compressed NARs are not supported yet; decompress with 'xz -d' first")
    expect((await failure(decompressed(chunks(Buffer.from('BZh91AY&SY'))))).message).toContain("'bzip2 -d'")
    const gz = await failure(decompressed(chunks(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0]))))
    expect(gz.message).toContain("'gzip -d'")
  })
})
