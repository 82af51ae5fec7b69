import { NIX32_CHARS, REF_LENGTH } from './constants.js'

/**
 * Nix 2.8's reference scanning (src/libstore/references.cc): a hash part is referenced when its
 * 32 characters occur anywhere in the byte stream (the NAR serialisation of a path, so file
 * names and symlink targets count), at any offset — overlapping occurrences and occurrences
 * next to other base-32 text included — and across chunk boundaries.
 *
 * Two strategies, neither allocating per byte:
 * - exact: walk every byte, keeping the length of the current run of base-32 characters and a
 *   rolling key of its last KEY_CHARS characters (5 bits each); only when the run is ≥ 32 long
 *   and the key is the tail of some candidate (a bitmap lookup) is the 32-character window built
 *   and looked up. Used for small chunks, chunk seams, and when every occurrence is wanted.
 * - sampled (large chunks): any 32-byte occurrence contains exactly one of the positions
 *   0, STEP, 2·STEP, … of the chunk (STEP = 33 − KEY_CHARS) together with the KEY_CHARS bytes
 *   after it, so probing only there, in a table of every KEY_CHARS-gram of every candidate
 *   (with its offset in the candidate), finds all occurrences lying inside the chunk while
 *   reading 1 byte in 7. Occurrences across a chunk boundary lie in the 62-byte seam (the last
 *   31 bytes before the chunk and its first 31), scanned exactly.
 *   With many candidates (≥ WIDE_MIN) their 4-byte grams cover much of the 32^4 possible ones,
 *   so the probes read 8-byte pieces instead (every 25th byte; see WideTable).
 */

/** Base-32 value of each byte, -1 when the byte is not a Nix base-32 character. */
const B32 = new Int8Array(256).fill(-1)
for (let i = 0; i < NIX32_CHARS.length; i++) B32[NIX32_CHARS.charCodeAt(i)] = i

const KEY_CHARS = 4
const KEY_MASK = (1 << (5 * KEY_CHARS)) - 1
const STEP = REF_LENGTH - KEY_CHARS + 1
/** Chunks smaller than this are scanned exactly (the sampling table is not worth building). */
const SAMPLE_MIN = 4096

/** Bucket of a 4-byte gram (its bytes as a little-endian u32): a multiplicative hash to `bits` bits. */
function gramKey(word: number, bits: number): number {
  return Math.imul(word, 0x9e3779b1) >>> (32 - bits)
}

/** True for a 32-character string of Nix base-32 characters: something the scanner can find. */
export function isHashPart(s: string): boolean {
  if (s.length !== REF_LENGTH) return false
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c > 255 || (B32[c] as number) < 0) return false
  }
  return true
}

const asBuffer = (d: Uint8Array): Buffer => (Buffer.isBuffer(d) ? d : Buffer.from(d.buffer, d.byteOffset, d.byteLength))

/** Every KEY_CHARS-gram of every candidate: chained buckets keyed by {@link gramKey} of its raw bytes. */
interface GramTable {
  /** Bits of the bucket key: about 64 buckets per gram (bitmap mostly empty, and small enough to stay in cache). */
  keyBits: number
  /** One bit per key: is there any entry? (128 KiB, stays in cache; `head` does not.) */
  bits: Uint8Array
  head: Int32Array
  next: Int32Array
  cand: Int32Array
  off: Int32Array
}

/**
 * Probe `chunk` at every STEP-th position (a plain function, so V8 optimises one tight loop):
 * the 4 bytes there, hashed, select a bucket of candidate grams; each is verified in place.
 */
function sampledScan(chunk: Uint8Array, t: GramTable, bytes: Uint8Array, cands: readonly string[], found: Set<string>): void {
  const { bits, head, next, cand, off } = t
  const shift = 32 - t.keyBits
  const n = chunk.length
  const view = new DataView(chunk.buffer, chunk.byteOffset, n)
  const last = n - KEY_CHARS
  for (let q = 0; q <= last; q += STEP) {
    const key = Math.imul(view.getUint32(q, true), 0x9e3779b1) >>> shift
    if (((bits[key >>> 3] as number) & (1 << (key & 7))) === 0) continue
    for (let e = head[key] as number; e >= 0; e = next[e] as number) {
      const s = q - (off[e] as number)
      if (s < 0 || s + REF_LENGTH > n) continue
      const base = (cand[e] as number) * REF_LENGTH
      let j = 0
      while (j < REF_LENGTH && chunk[s + j] === bytes[base + j]) j++
      if (j === REF_LENGTH) found.add(cands[cand[e] as number] as string)
    }
  }
}

const WIDE_CHARS = 8
const WIDE_STEP = REF_LENGTH - WIDE_CHARS + 1
/** From this many candidates on, the sampled scan probes with 8-byte pieces (see {@link WideTable}). */
const WIDE_MIN = 200

/**
 * Every 8-byte piece of every candidate (two little-endian u32 words), for probing every
 * WIDE_STEP-th byte with a plain 8-byte read: a bit filter of a hash of both words, then an
 * open-addressing set. Base-32 text has 2^40 possible pieces, so nearly every probe that passes
 * the filter is a filter collision, not a piece to verify.
 */
interface WideTable {
  /** 32 − bits of the filter index (about 64 filter bits a piece, at most 2^22). */
  filterShift: number
  filter: Int32Array
  /** 32 − bits of the slot index (linear probing, load ≤ 0.625). */
  slotShift: number
  slotMask: number
  /** Slot i: [4i], [4i + 1] = the piece's words; [4i + 2] = 1 + where it starts in the concatenated candidates (0: empty). */
  slots: Int32Array
}

/** Hash of an 8-byte piece given as two u32 words. */
const wideHash = (w0: number, w1: number): number => Math.imul(w0 ^ Math.imul(w1, 0x85ebca77), 0x9e3779b1)

function buildWideTable(bytes: Uint8Array, count: number): WideTable {
  const pieces = count * WIDE_STEP
  const slotBits = Math.max(8, Math.ceil(Math.log2(1.6 * pieces)))
  const filterBits = Math.min(22, Math.max(10, Math.ceil(Math.log2(pieces)) + 6))
  const filterShift = 32 - filterBits
  const filter = new Int32Array((1 << filterBits) >>> 5)
  const slotShift = 32 - slotBits
  const slotMask = (1 << slotBits) - 1
  const slots = new Int32Array(4 << slotBits)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let base = 0; base < count * REF_LENGTH; base += REF_LENGTH) {
    for (let off = 0; off < WIDE_STEP; off++) {
      const w0 = view.getInt32(base + off, true)
      const w1 = view.getInt32(base + off + 4, true)
      const h = wideHash(w0, w1)
      const f = h >>> filterShift
      filter[f >>> 5] = (filter[f >>> 5] as number) | (1 << (f & 31))
      let s = h >>> slotShift
      while (slots[4 * s + 2] !== 0) s = (s + 1) & slotMask
      slots[4 * s] = w0
      slots[4 * s + 1] = w1
      slots[4 * s + 2] = base + off + 1
    }
  }
  return { filterShift, filter, slotShift, slotMask, slots }
}

/**
 * Probe `chunk` at every WIDE_STEP-th position with the 8 bytes there: the filter, then the
 * slots holding that piece, each verified in place.
 */
function wideScan(chunk: Uint8Array, t: WideTable, bytes: Uint8Array, cands: readonly string[], found: Set<string>): void {
  const { filter, filterShift, slots, slotShift, slotMask } = t
  const n = chunk.length
  const view = new DataView(chunk.buffer, chunk.byteOffset, n)
  const last = n - WIDE_CHARS
  for (let q = 0; q <= last; q += WIDE_STEP) {
    const w0 = view.getInt32(q, true)
    const w1 = view.getInt32(q + 4, true)
    const h = wideHash(w0, w1)
    const f = h >>> filterShift
    if (((filter[f >>> 5] as number) & (1 << (f & 31))) === 0) continue
    for (let i = h >>> slotShift; ; i = (i + 1) & slotMask) {
      const w = slots[4 * i + 2] as number
      if (w === 0) break
      if (slots[4 * i] !== w0 || slots[4 * i + 1] !== w1) continue
      const at = w - 1
      const base = at - (at & (REF_LENGTH - 1))
      const s = q - (at - base)
      if (s < 0 || s + REF_LENGTH > n) continue
      let j = 0
      while (j < REF_LENGTH && chunk[s + j] === bytes[base + j]) j++
      if (j === REF_LENGTH) found.add(cands[base / REF_LENGTH] as string)
    }
  }
}

/** An incremental scanner for a fixed set of hash parts. */
export class RefScanner {
  readonly #parts: Set<string>
  readonly #cands: string[]
  readonly #candBytes: Uint8Array
  readonly #bitmap: Uint8Array
  #grams: GramTable | undefined
  #wide: WideTable | undefined
  readonly #found = new Set<string>()
  readonly #onMatch: ((hashPart: string, offset: number) => void) | undefined
  #run = 0
  #key = 0
  readonly #tail = Buffer.alloc(REF_LENGTH - 1)
  #tailLen = 0
  /** Bytes scanned so far (absolute offset of the next chunk). */
  offset = 0

  /**
   * @param hashParts candidates; strings that are not 32 base-32 characters can never match.
   * @param onMatch when given, called for every occurrence, in stream order, with the offset of
   * its first byte (otherwise each hash part is looked for only until first found, as Nix does).
   */
  constructor(hashParts: Iterable<string>, onMatch?: (hashPart: string, offset: number) => void) {
    this.#parts = new Set([...hashParts].filter(isHashPart))
    this.#cands = [...this.#parts]
    this.#candBytes = Buffer.from(this.#cands.join(''), 'latin1')
    this.#onMatch = onMatch
    this.#bitmap = new Uint8Array(KEY_MASK + 1)
    for (const p of this.#cands) {
      let key = 0
      for (let i = REF_LENGTH - KEY_CHARS; i < REF_LENGTH; i++) key = (key << 5) | (B32[p.charCodeAt(i)] as number)
      this.#bitmap[key] = 1
    }
  }

  /** True once every candidate was found (further input cannot change the result). */
  get done(): boolean {
    return this.#onMatch === undefined && this.#found.size === this.#parts.size
  }

  /** Scan the next chunk of the stream. */
  update(chunk: Uint8Array): void {
    const n = chunk.length
    if (n === 0) return
    if (this.done) {
      this.offset += n
      return
    }
    if (this.#onMatch !== undefined) {
      this.#streamExact(chunk)
    } else if (n < SAMPLE_MIN) {
      // Windows ending in this chunk, some starting in the remembered tail.
      const buf = Buffer.concat([this.#tail.subarray(0, this.#tailLen), chunk])
      this.#exact(buf, this.#tailLen)
    } else {
      if (this.#tailLen > 0) {
        const seam = Buffer.concat([this.#tail.subarray(0, this.#tailLen), chunk.subarray(0, REF_LENGTH - 1)])
        this.#exact(seam, this.#tailLen, this.#tailLen + REF_LENGTH - 1)
      }
      this.#sampled(chunk)
    }
    this.#keepTail(chunk)
    this.offset += n
  }

  /** Exact scan of `buf` for windows ending at index ≥ `minEnd` and < `maxEnd` (set-only mode). */
  #exact(buf: Buffer, minEnd: number, maxEnd = buf.length): void {
    const table = B32
    const bitmap = this.#bitmap
    const end = Math.min(maxEnd, buf.length)
    let run = 0
    let key = 0
    for (let i = 0; i < end; i++) {
      const v = table[buf[i] as number] as number
      if (v < 0) {
        run = 0
        continue
      }
      key = ((key << 5) | v) & KEY_MASK
      if (++run >= REF_LENGTH && i >= minEnd && bitmap[key] === 1) {
        const window = buf.toString('latin1', i + 1 - REF_LENGTH, i + 1)
        if (this.#parts.has(window)) this.#found.add(window)
      }
    }
  }

  #gramTable(): GramTable {
    if (this.#grams !== undefined) return this.#grams
    const count = this.#cands.length * STEP
    const keyBits = Math.min(22, Math.max(12, Math.ceil(Math.log2(count + 1)) + 6))
    const t: GramTable = {
      keyBits,
      bits: new Uint8Array((1 << keyBits) >>> 3),
      head: new Int32Array(1 << keyBits).fill(-1),
      next: new Int32Array(count),
      cand: new Int32Array(count),
      off: new Int32Array(count),
    }
    let e = 0
    this.#cands.forEach((p, c) => {
      for (let off = 0; off < STEP; off++) {
        const word = (p.charCodeAt(off) | (p.charCodeAt(off + 1) << 8) | (p.charCodeAt(off + 2) << 16) | (p.charCodeAt(off + 3) << 24)) >>> 0
        const key = gramKey(word, keyBits)
        t.bits[key >>> 3] = (t.bits[key >>> 3] as number) | (1 << (key & 7))
        t.cand[e] = c
        t.off[e] = off
        t.next[e] = t.head[key] as number
        t.head[key] = e++
      }
    })
    this.#grams = t
    return t
  }

  /** Occurrences lying wholly inside `chunk`, by probing every STEP-th position. */
  #sampled(chunk: Uint8Array): void {
    if (this.#cands.length >= WIDE_MIN) {
      this.#wide ??= buildWideTable(this.#candBytes, this.#cands.length)
      wideScan(chunk, this.#wide, this.#candBytes, this.#cands, this.#found)
      return
    }
    const t = this.#gramTable()
    sampledScan(chunk, t, this.#candBytes, this.#cands, this.#found)
  }

  /** Exact scan carrying its state across chunks, reporting every occurrence in order. */
  #streamExact(chunk: Uint8Array): void {
    const n = chunk.length
    const table = B32
    const bitmap = this.#bitmap
    let run = this.#run
    let key = this.#key
    for (let i = 0; i < n; i++) {
      const v = table[chunk[i] as number] as number
      if (v < 0) {
        run = 0
        continue
      }
      key = ((key << 5) | v) & KEY_MASK
      if (++run >= REF_LENGTH && bitmap[key] === 1) this.#check(chunk, i)
    }
    this.#run = run
    this.#key = key
  }

  /** The window ending at `chunk[end]` is 32 base-32 characters whose tail matches a candidate's. */
  #check(chunk: Uint8Array, end: number): void {
    const start = end + 1 - REF_LENGTH
    let window: string
    if (start >= 0) {
      window = asBuffer(chunk).toString('latin1', start, end + 1)
    } else {
      // The window began in earlier chunks: its first -start bytes are the end of the tail.
      window = this.#tail.toString('latin1', this.#tailLen + start, this.#tailLen) + asBuffer(chunk).toString('latin1', 0, end + 1)
    }
    if (!this.#parts.has(window)) return
    this.#found.add(window)
    this.#onMatch?.(window, this.offset + start)
  }

  /** Remember the last 31 bytes seen, for windows that straddle the next chunk boundary. */
  #keepTail(chunk: Uint8Array): void {
    const cap = REF_LENGTH - 1
    if (chunk.length >= cap) {
      this.#tail.set(chunk.subarray(chunk.length - cap))
      this.#tailLen = cap
      return
    }
    const keep = Math.min(this.#tailLen, cap - chunk.length)
    this.#tail.copyWithin(0, this.#tailLen - keep, this.#tailLen)
    this.#tail.set(chunk, keep)
    this.#tailLen = keep + chunk.length
  }

  /** The hash parts found so far, sorted. */
  found(): string[] {
    return [...this.#found].sort()
  }
}

/**
 * The hash parts among `hashParts` that occur in `data` (sorted, deduplicated). Pure TS; the
 * public `scanBytes` uses the native addon when available.
 */
export function scanBytesTs(data: Uint8Array, hashParts: readonly string[]): string[] {
  const s = new RefScanner(hashParts)
  s.update(data)
  return s.found()
}

const NAME_CHAR = new Uint8Array(256)
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-._?=') NAME_CHAR[c.charCodeAt(0)] = 1
const MAX_NAME = 211
const DASH = 0x2d
const DOT = 0x2e

/**
 * An incremental scanner for every well-formed store path `<storeDir>/<32 base-32>-<name>`
 * (name: 1–211 of `[A-Za-z0-9+\-._?=]`, not starting with `.`, taken as long as possible).
 */
export class StorePathScanner {
  readonly #prefix: Buffer
  readonly #onMatch: (storePath: string, offset: number) => void
  #carry: Buffer = Buffer.alloc(0)
  #carryOffset = 0

  constructor(storeDir: string, onMatch: (storePath: string, offset: number) => void) {
    this.#prefix = Buffer.from(`${storeDir}/`, 'utf8')
    this.#onMatch = onMatch
  }

  /** 'more' when `data` ends before the candidate at `p` is decided, else its end (or -1: none). */
  #match(data: Buffer, p: number, final: boolean): number | 'more' {
    const q = p + this.#prefix.length
    const n = data.length
    for (let j = 0; j < REF_LENGTH; j++) {
      if (q + j >= n) return final ? -1 : 'more'
      if ((B32[data[q + j] as number] as number) < 0) return -1
    }
    const dash = q + REF_LENGTH
    if (dash >= n) return final ? -1 : 'more'
    if (data[dash] !== DASH) return -1
    let k = dash + 1
    while (k < n && NAME_CHAR[data[k] as number] === 1 && k - dash - 1 <= MAX_NAME) k++
    if (k === n && !final && k - dash - 1 <= MAX_NAME) return 'more'
    const len = k - dash - 1
    if (len === 0 || len > MAX_NAME || data[dash + 1] === DOT) return -1
    return k
  }

  #search(data: Buffer, base: number, final: boolean): number {
    let from = 0
    for (;;) {
      const p = data.indexOf(this.#prefix, from)
      if (p < 0) return -1
      const end = this.#match(data, p, final)
      if (end === 'more') return p
      if (end >= 0) this.#onMatch(data.toString('utf8', p, end), base + p)
      from = p + 1
    }
  }

  /** Scan the next chunk of the stream. */
  update(chunk: Uint8Array): void {
    const data = this.#carry.length > 0 ? Buffer.concat([this.#carry, chunk]) : asBuffer(chunk)
    const base = this.#carryOffset
    const keepFrom = this.#search(data, base, false)
    const from = keepFrom >= 0 ? keepFrom : Math.max(0, data.length - (this.#prefix.length - 1))
    this.#carry = Buffer.from(data.subarray(from))
    this.#carryOffset = base + from
  }

  /** End of input: decide what is still pending. */
  finish(): void {
    this.#search(this.#carry, this.#carryOffset, true)
    this.#carryOffset += this.#carry.length
    this.#carry = Buffer.alloc(0)
  }
}
