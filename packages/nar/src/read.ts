import { NarError } from './errors.js'
import { MAX_NAME_LENGTH, MAX_TARGET_LENGTH, MAX_TOKEN_LENGTH, NAR_MAGIC } from './constants.js'

/** Fields every entry of a NAR has. */
interface NarEntryBase {
  /** Path inside the archive: `/` for the root, `/a/b` below it (names decoded as UTF-8 for display). */
  path: string
  /** The exact bytes of `path` (names may be any bytes but `/` and NUL). */
  pathBytes: Uint8Array
  /** Byte offset in the archive where the entry's node starts (its `(` token). */
  offset: number
}

/** A directory; its entries follow in archive (sorted) order. */
export interface NarDirectoryEntry extends NarEntryBase {
  type: 'directory'
}

/** A symbolic link. */
export interface NarSymlinkEntry extends NarEntryBase {
  type: 'symlink'
  /** Target decoded as UTF-8 (for display). */
  target: string
  /** The exact bytes of the target. */
  targetBytes: Uint8Array
}

/** A regular file. */
export interface NarRegularEntry extends NarEntryBase {
  type: 'regular'
  executable: boolean
  size: number
  /** Byte offset of the contents in the archive (`narOffset` of `nix nar ls`). */
  contentsOffset: number
  /**
   * The contents, streamed from the archive. Read it before asking for the next entry;
   * whatever is not read is skipped.
   */
  body: AsyncIterable<Uint8Array>
}

/** One node of a NAR, as {@link narEntries} yields it. */
export type NarEntry = NarDirectoryEntry | NarSymlinkEntry | NarRegularEntry

const EMPTY = new Uint8Array(0)
const decoder = new TextDecoder('utf-8', { fatal: false })
const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1')

/** Pulls exact byte counts out of a chunked stream, keeping the absolute offset. */
class ByteReader {
  private readonly it: AsyncIterator<Uint8Array>
  private buf: Uint8Array = EMPTY
  private pos = 0
  /** Absolute offset of the next unread byte. */
  offset = 0
  path = '/'

  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]()
  }

  /** Make at least one byte available; false at end of input. */
  private async fill(): Promise<boolean> {
    while (this.pos >= this.buf.length) {
      const r = await this.it.next()
      if (r.done === true) return false
      this.buf = r.value
      this.pos = 0
    }
    return true
  }

  async atEnd(): Promise<boolean> {
    return !(await this.fill())
  }

  truncated(what: string): NarError {
    return new NarError('truncated', `archive truncated: unexpected end of input in ${what}`, { path: this.path, offset: this.offset })
  }

  /** Exactly `n` bytes; a view that is valid until the next read. */
  async bytes(n: number, what: string): Promise<Uint8Array> {
    if (this.buf.length - this.pos >= n) {
      const out = this.buf.subarray(this.pos, this.pos + n)
      this.pos += n
      this.offset += n
      return out
    }
    const out = new Uint8Array(n)
    let have = 0
    while (have < n) {
      if (!(await this.fill())) throw this.truncated(what)
      const take = Math.min(n - have, this.buf.length - this.pos)
      out.set(this.buf.subarray(this.pos, this.pos + take), have)
      have += take
      this.pos += take
      this.offset += take
    }
    return out
  }

  /** Up to `max` bytes as they arrive (for streaming file contents). */
  async some(max: number, what: string): Promise<Uint8Array> {
    if (!(await this.fill())) throw this.truncated(what)
    const take = Math.min(max, this.buf.length - this.pos)
    const out = this.buf.subarray(this.pos, this.pos + take)
    this.pos += take
    this.offset += take
    return out
  }

  async u64(what: string): Promise<number> {
    const b = await this.bytes(8, what)
    const lo = (b[0] as number) | ((b[1] as number) << 8) | ((b[2] as number) << 16) | ((b[3] as number) << 24)
    const hi = (b[4] as number) | ((b[5] as number) << 8) | ((b[6] as number) << 16) | ((b[7] as number) << 24)
    if (hi >>> 0 >= 0x20_0000) {
      throw new NarError('too-long', `${what} length too large`, { path: this.path, offset: this.offset - 8 })
    }
    return (hi >>> 0) * 0x1_0000_0000 + (lo >>> 0)
  }

  async padding(len: number, what: string): Promise<void> {
    const p = (8 - (len % 8)) % 8
    if (p === 0) return
    const start = this.offset
    const pad = await this.bytes(p, `padding of ${what}`)
    for (let i = 0; i < p; i++) {
      if (pad[i] !== 0) throw new NarError('bad-padding', `non-zero padding after ${what}`, { path: this.path, offset: start + i })
    }
  }

  /** A length-prefixed, padded string of at most `max` bytes; a fresh copy. */
  async string(max: number, what: string, code: 'too-long' | 'unknown-token' = 'too-long'): Promise<Uint8Array> {
    const start = this.offset
    const len = await this.u64(what)
    if (len > max) {
      throw new NarError(code, code === 'too-long' ? `${what} too long: ${len} bytes (at most ${max})` : `unknown token of ${len} bytes, expected ${what}`, { path: this.path, offset: start })
    }
    const out = Buffer.from(await this.bytes(len, what))
    await this.padding(len, what)
    return out
  }

  /** A structural token (`(`, `type`, `entry`, …). */
  async token(expected: string): Promise<{ text: string; offset: number }> {
    const offset = this.offset
    const bytes = await this.string(MAX_TOKEN_LENGTH, expected, 'unknown-token')
    return { text: latin1(bytes), offset }
  }

  async expect(token: string, context: string): Promise<void> {
    const t = await this.token(`'${token}'`)
    if (t.text !== token) throw unexpected(t, `'${token}'`, context, this.path)
  }
}

const KNOWN_TOKENS = new Set(['(', ')', 'type', 'regular', 'symlink', 'directory', 'executable', '', 'contents', 'target', 'entry', 'name', 'node'])

function show(text: string): string {
  return JSON.stringify(text)
}

function unexpected(t: { text: string; offset: number }, expected: string, context: string, path: string): NarError {
  const known = KNOWN_TOKENS.has(t.text)
  if (!known) return new NarError('unknown-token', `unknown token ${show(t.text)} in ${context}, expected ${expected}`, { path, offset: t.offset })
  // A node or entry closed early, or a later field where an earlier one belongs.
  const missing = t.text === ')' || (expected === "'name'" && t.text === 'node')
  return new NarError(missing ? 'missing-field' : 'unexpected-token',
    `${missing ? 'missing field' : 'unexpected token'} in ${context}: got ${show(t.text)}, expected ${expected}`, { path, offset: t.offset })
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b)
}

function checkName(name: Uint8Array, parent: string, offset: number): void {
  const shown = show(decoder.decode(name))
  const fail = (why: string): never => {
    throw new NarError('bad-name', `invalid entry name ${shown}: ${why}`, { path: parent, offset })
  }
  if (name.length === 0) fail('empty')
  if (name.length === 1 && name[0] === 0x2e) fail("'.' is not allowed")
  if (name.length === 2 && name[0] === 0x2e && name[1] === 0x2e) fail("'..' is not allowed")
  if (name.includes(0x2f)) fail("contains '/'")
  if (name.includes(0)) fail('contains NUL')
}

function joinPath(parent: Uint8Array, name: Uint8Array): Uint8Array {
  if (parent.length === 1) return Buffer.concat([parent, name])
  return Buffer.concat([parent, Buffer.from('/'), name])
}

interface OpenDir {
  path: string
  pathBytes: Uint8Array
  prev: Uint8Array | null
}

/**
 * Read a NAR, yielding its nodes in archive order (parents before children, entries sorted).
 * The reader is strict: it rejects a bad magic, unknown or misplaced tokens, missing fields,
 * non-zero padding, unsorted or duplicate entries, invalid names (empty, `.`, `..`, with `/` or
 * NUL), empty or NUL-containing symlink targets, truncated input and trailing data. Memory stays
 * bounded: file contents are streamed through {@link NarRegularEntry.body}.
 * @throws {NarError} naming the path inside the archive and the byte offset.
 */
export async function* narEntries(source: AsyncIterable<Uint8Array>): AsyncGenerator<NarEntry> {
  const r = new ByteReader(source)
  const lenBytes = await r.bytes(8, 'magic')
  const magicLen = lenBytes[0] as number
  if (lenBytes.some((b, i) => i > 0 && b !== 0) || magicLen !== NAR_MAGIC.length) throw new NarError('bad-magic', `not a NAR: bad magic`, { offset: 0 })
  const magic = latin1(await r.bytes(magicLen, 'magic'))
  if (magic !== NAR_MAGIC) throw new NarError('bad-magic', `not a NAR: bad magic ${show(magic)}`, { offset: 8 })
  await r.padding(magicLen, 'magic')

  const stack: OpenDir[] = []
  let pending: { path: string; pathBytes: Uint8Array } | null = { path: '/', pathBytes: Buffer.from('/') }

  for (;;) {
    if (pending !== null) {
      const { path, pathBytes } = pending
      pending = null
      r.path = path
      const offset = r.offset
      await r.expect('(', 'node')
      await r.expect('type', 'node')
      const kind = await r.token("'regular', 'symlink' or 'directory'")
      if (kind.text === 'directory') {
        stack.push({ path, pathBytes, prev: null })
        yield { type: 'directory', path, pathBytes, offset }
      } else {
        if (kind.text === 'symlink') {
          await r.expect('target', 'symlink')
          const targetOffset = r.offset
          const targetBytes = await r.string(MAX_TARGET_LENGTH, 'symlink target')
          if (targetBytes.length === 0) throw new NarError('bad-target', 'empty symlink target', { path, offset: targetOffset })
          if (targetBytes.includes(0)) throw new NarError('bad-target', 'symlink target contains NUL', { path, offset: targetOffset })
          await r.expect(')', 'symlink')
          yield { type: 'symlink', path, pathBytes, offset, target: decoder.decode(targetBytes), targetBytes }
        } else if (kind.text === 'regular') {
          let t = await r.token("'executable' or 'contents'")
          let executable = false
          if (t.text === 'executable') {
            const flag = await r.token("''")
            if (flag.text !== '') throw unexpected(flag, "''", 'executable flag', path)
            executable = true
            t = await r.token("'contents'")
          }
          if (t.text !== 'contents') throw unexpected(t, "'contents'", 'regular file', path)
          const size = await r.u64('file contents')
          const contentsOffset = r.offset
          let remaining = size
          let live = true
          const body: AsyncIterable<Uint8Array> = {
            [Symbol.asyncIterator]: async function* () {
              if (!live) throw new NarError('io', 'file contents read after the reader moved on', { path, offset: contentsOffset })
              while (remaining > 0) {
                const chunk = await r.some(remaining, 'file contents')
                remaining -= chunk.length
                yield chunk
              }
            },
          }
          yield { type: 'regular', path, pathBytes, offset, executable, size, contentsOffset, body }
          live = false
          while (remaining > 0) remaining -= (await r.some(remaining, 'file contents')).length
          await r.padding(size, 'file contents')
          await r.expect(')', 'regular file')
        } else {
          throw unexpected(kind, "'regular', 'symlink' or 'directory'", 'node type', path)
        }
        if (stack.length === 0) break
        r.path = (stack.at(-1) as OpenDir).path
        await r.expect(')', 'directory entry')
      }
    }

    const dir = stack.at(-1) as OpenDir
    r.path = dir.path
    const t = await r.token("'entry' or ')'")
    if (t.text === ')') {
      stack.pop()
      const parent = stack.at(-1)
      if (parent === undefined) break
      r.path = parent.path
      await r.expect(')', 'directory entry')
      continue
    }
    if (t.text !== 'entry') throw unexpected(t, "'entry' or ')'", 'directory', dir.path)
    await r.expect('(', 'directory entry')
    await r.expect('name', 'directory entry')
    const nameOffset = r.offset
    const name = await r.string(MAX_NAME_LENGTH, 'entry name')
    checkName(name, dir.path, nameOffset)
    if (dir.prev !== null) {
      const c = compareBytes(dir.prev, name)
      if (c === 0) throw new NarError('duplicate-entry', `duplicate entry ${show(decoder.decode(name))}`, { path: dir.path, offset: nameOffset })
      if (c > 0) {
        throw new NarError('unsorted-entries', `entries not sorted: ${show(decoder.decode(name))} after ${show(decoder.decode(dir.prev))}`, { path: dir.path, offset: nameOffset })
      }
    }
    dir.prev = name
    await r.expect('node', 'directory entry')
    const pathBytes = joinPath(dir.pathBytes, name)
    pending = { path: dir.path === '/' ? `/${decoder.decode(name)}` : `${dir.path}/${decoder.decode(name)}`, pathBytes }
  }

  if (!(await r.atEnd())) throw new NarError('trailing-data', 'trailing data after the archive', { offset: r.offset })
}
