/**
 * Compressed NARs (internal to the `nar` tool): sniff the compression of a byte stream by its
 * magic, and stream zstd in both directions through `zstd-napi`, which is loaded only when zstd
 * is actually needed (a machine where the native module failed to build still runs everything
 * else). Memory is bounded: one input chunk plus one output block (128 KiB) at a time, and the
 * zstd window (at most 128 MiB, zstd's default limit, as the `zstd` CLI).
 */

type ZstdBinding = typeof import('zstd-napi/binding.js')

/** What went wrong with compressed input or output. */
export type CompressionErrorCode = 'unsupported-compression' | 'zstd-unavailable' | 'corrupt' | 'truncated' | 'bad-level'

/** Compressed data could not be read or written. Messages read `nar: what failed: why (where)`. */
export class CompressionError extends Error {
  readonly code: CompressionErrorCode
  constructor(code: CompressionErrorCode, message: string, options?: ErrorOptions) {
    super(`nar: ${message}`, options)
    this.name = 'CompressionError'
    this.code = code
  }
}

/** A compression recognised by its magic bytes (`none`: anything else, e.g. a plain NAR). */
export type Compression = 'zstd' | 'xz' | 'bzip2' | 'gzip' | 'none'

/** How many leading bytes {@link detectCompression} needs to decide. */
export const SNIFF_LENGTH = 6

/** The compression of a stream starting with `head` (at least {@link SNIFF_LENGTH} bytes, unless the stream is shorter). */
export function detectCompression(head: Uint8Array): Compression {
  const at = (bytes: readonly number[]): boolean => bytes.every((b, i) => head[i] === b)
  // A zstd frame, or a skippable frame (magic 0x184D2A50..5F, little-endian), which zstd also accepts first.
  if (at([0x28, 0xb5, 0x2f, 0xfd])) return 'zstd'
  if (head.length >= 4 && ((head[0] ?? 0) & 0xf0) === 0x50 && at([head[0] ?? 0, 0x2a, 0x4d, 0x18])) return 'zstd'
  if (at([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'xz'
  if (at([0x42, 0x5a, 0x68]) && (head[3] ?? 0) >= 0x31 && (head[3] ?? 0) <= 0x39) return 'bzip2'
  if (at([0x1f, 0x8b])) return 'gzip'
  return 'none'
}

/**
 * Read the first {@link SNIFF_LENGTH} bytes of `source` (fewer if it is shorter) without losing
 * them: returns them and an iterable yielding the whole stream again. Call `source.close()` when
 * the stream is not read further.
 */
export async function peek(source: AsyncIterable<Uint8Array>): Promise<{
  head: Uint8Array
  source: AsyncIterable<Uint8Array>
  close: () => Promise<void>
}> {
  const it = source[Symbol.asyncIterator]()
  const chunks: Uint8Array[] = []
  let length = 0
  let done = false
  while (length < SNIFF_LENGTH) {
    const r = await it.next()
    if (r.done === true) {
      done = true
      break
    }
    if (r.value.length === 0) continue
    chunks.push(r.value)
    length += r.value.length
  }
  const first = chunks.length === 1 ? chunks[0] as Uint8Array : Buffer.concat(chunks)
  const close = async (): Promise<void> => {
    if (!done) await it.return?.()
  }
  async function* replay(): AsyncGenerator<Uint8Array> {
    try {
      if (first.length > 0) yield first
      while (!done) {
        const r = await it.next()
        if (r.done === true) done = true
        else yield r.value
      }
    } finally {
      await close()
    }
  }
  return { head: first.subarray(0, SNIFF_LENGTH), source: replay(), close }
}

let loading: Promise<ZstdBinding> | undefined

/**
 * The native zstd binding, loaded on first use.
 * @throws {CompressionError} `zstd-unavailable` when `zstd-napi` is missing or failed to build.
 */
export function loadZstd(): Promise<ZstdBinding> {
  loading ??= import('zstd-napi/binding.js').then(
    (m) => ((m as { default?: ZstdBinding }).default ?? m),
    (err: unknown) => {
      loading = undefined
      const why = err instanceof Error ? err.message.split('\n')[0] : String(err)
      throw new CompressionError('zstd-unavailable', `zstd support is not available: the native module zstd-napi could not be loaded (${why})`, { cause: err })
    },
  )
  return loading
}

/** zstd's message (`Unknown frame descriptor`) in our style (`unknown frame descriptor`). */
function zstdReason(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err)
  return m.charAt(0).toLowerCase() + m.slice(1)
}

/**
 * Decompress a stream of zstd frames (concatenated frames and skippable frames allowed, as the
 * `zstd` CLI), yielding the data in blocks of at most 128 KiB as the consumer pulls them.
 * @throws {CompressionError} `corrupt` (bad data, checksum mismatch, trailing garbage),
 * `truncated` (input ends inside a frame), `zstd-unavailable`.
 */
export async function* zstdDecompress(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const z = await loadZstd()
  const dctx = new z.DCtx()
  const blockSize = z.dStreamOutSize()
  let inFrame = false
  let offset = 0
  for await (const chunk of source) {
    let input = chunk
    for (;;) {
      const out = Buffer.allocUnsafe(blockSize)
      let ret: number, produced: number, consumed: number
      try {
        [ret, produced, consumed] = dctx.decompressStream(out, input)
      } catch (err) {
        throw new CompressionError('corrupt', `cannot decompress zstd data: ${zstdReason(err)} (compressed input, at or after byte ${offset})`, { cause: err })
      }
      offset += consumed
      input = input.subarray(consumed)
      inFrame = ret !== 0
      if (produced > 0) yield out.subarray(0, produced)
      // Done with this chunk once it is consumed and the decoder has nothing more to flush (a
      // frame ended, or the output block was not filled). Calling again after a frame ended would
      // start waiting for the next frame's header.
      if (input.length === 0 && (ret === 0 || produced < blockSize)) break
    }
  }
  if (inFrame) throw new CompressionError('truncated', `cannot decompress zstd data: input ends inside a frame (compressed byte ${offset})`)
}

/** Options of {@link zstdCompress}. */
export interface ZstdCompressOptions {
  /** Compression level, 1..22 or negative for faster (default 3, as zstd, libarchive and so Nix). */
  level?: number
}

/**
 * Compress a stream into one zstd frame with a content checksum (as the `zstd` CLI writes),
 * yielding compressed blocks as the consumer pulls them.
 * @throws {CompressionError} `bad-level` for a level outside zstd's range, `zstd-unavailable`.
 */
export async function* zstdCompress(source: AsyncIterable<Uint8Array>, options: ZstdCompressOptions = {}): AsyncGenerator<Uint8Array> {
  const z = await loadZstd()
  const level = options.level ?? 3
  const min = z.minCLevel()
  const max = z.maxCLevel()
  if (!Number.isInteger(level) || level < min || level > max || level === 0) {
    throw new CompressionError('bad-level', `invalid zstd level ${level}: must be an integer from 1 to ${max}, or negative down to ${min}`)
  }
  const cctx = new z.CCtx()
  cctx.setParameter(z.CParameter.compressionLevel, level)
  cctx.setParameter(z.CParameter.checksumFlag, 1)
  const blockSize = z.cStreamOutSize()
  const step = function* (input: Uint8Array, end: boolean): Generator<Uint8Array> {
    const directive = end ? z.EndDirective.end : z.EndDirective.continue
    for (;;) {
      const out = Buffer.allocUnsafe(blockSize)
      const [ret, produced, consumed] = cctx.compressStream2(out, input, directive)
      input = input.subarray(consumed)
      if (produced > 0) yield out.subarray(0, produced)
      if (end ? ret === 0 : input.length === 0) return
    }
  }
  for await (const chunk of source) {
    if (chunk.length > 0) yield* step(chunk, false)
  }
  yield* step(new Uint8Array(0), true)
}

/**
 * `source` with any zstd compression removed (detected by its magic); other input passes through
 * unchanged.
 * @throws {CompressionError} `unsupported-compression` for xz, bzip2 and gzip input, or any zstd error.
 */
export async function decompressed(source: AsyncIterable<Uint8Array>): Promise<AsyncIterable<Uint8Array>> {
  const p = await peek(source)
  const kind = detectCompression(p.head)
  if (kind === 'none') return p.source
  if (kind === 'zstd') {
    try {
      await loadZstd()
    } catch (err) {
      await p.close()
      throw err
    }
    return zstdDecompress(p.source)
  }
  await p.close()
  const tool = kind === 'xz' ? 'xz' : kind === 'bzip2' ? 'bzip2' : 'gzip'
  throw new CompressionError('unsupported-compression', `${kind}-compressed NARs are not supported yet; decompress with '${tool} -d' first`)
}
