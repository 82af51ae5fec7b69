import { type FileHandle, lstat, open, readdir, readlink } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import { NarError } from './errors.js'
import { NAR_MAGIC } from './constants.js'

/** A string field of the archive that carries user data (what a reference scan may find). */
export interface NarField {
  /** `name` of a directory entry, `target` of a symlink, `contents` of a regular file. */
  kind: 'name' | 'target' | 'contents'
  /** The path inside the archive of the object the field belongs to (`/` for the root). */
  path: string
  /** Byte offset of the field's data in the archive. */
  offset: number
  /** Length in bytes of the field's data. */
  length: number
}

/** @internal options of the dumper. */
export interface DumpHooks {
  /** Called for every data field before the bytes that hold it are yielded. */
  onField?: (field: NarField) => void
  /**
   * Yield views of reused buffers instead of fresh ones: for consumers (hashing, scanning) that
   * are done with a chunk before asking for the next. Saves an allocation per MiB.
   */
  reuse?: boolean
}

/** Files up to this size are copied into the batch buffer instead of streamed. */
const SMALL_FILE = 64 * 1024
/** Batched structure and small files are yielded once the batch reaches this size. */
const BATCH = 256 * 1024
/** Read size for large files. */
const READ_CHUNK = 1024 * 1024

const decoder = new TextDecoder('utf-8', { fatal: false })
const SLASH = Buffer.from('/')

/** Accumulates small writes into one buffer so the consumer sees few, large chunks. */
class Batch {
  buf: Buffer = Buffer.allocUnsafe(BATCH + SMALL_FILE + 8192)
  len = 0
  /** Total bytes emitted so far (taken and pending). */
  offset = 0

  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n))
    this.buf.copy(bigger, 0, 0, this.len)
    this.buf = bigger
  }

  u64(n: number): void {
    this.ensure(8)
    this.buf.writeUInt32LE(n >>> 0, this.len)
    this.buf.writeUInt32LE(Math.floor(n / 0x1_0000_0000), this.len + 4)
    this.len += 8
    this.offset += 8
  }

  pad(n: number): void {
    const p = (8 - (n % 8)) % 8
    if (p === 0) return
    this.ensure(p)
    this.buf.fill(0, this.len, this.len + p)
    this.len += p
    this.offset += p
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length)
    this.buf.set(bytes, this.len)
    this.len += bytes.length
    this.offset += bytes.length
  }

  /** A NAR string: 64-bit little-endian length, the bytes, zero padding to a multiple of 8. */
  str(bytes: Uint8Array): void {
    this.u64(bytes.length)
    this.raw(bytes)
    this.pad(bytes.length)
  }

  take(reuse = false): Uint8Array {
    const out = reuse ? this.buf.subarray(0, this.len) : Buffer.from(this.buf.subarray(0, this.len))
    this.len = 0
    return out
  }
}

const tok = (s: string): Buffer => Buffer.from(s, 'latin1')
const T = {
  magic: tok(NAR_MAGIC), open: tok('('), close: tok(')'), type: tok('type'),
  regular: tok('regular'), symlink: tok('symlink'), directory: tok('directory'),
  executable: tok('executable'), empty: tok(''), contents: tok('contents'), target: tok('target'),
  entry: tok('entry'), name: tok('name'), node: tok('node'),
} as const

interface Frame {
  fsPath: Buffer
  narPath: string
  names: Buffer[]
  next: number
}

function kindOf(st: Stats): string {
  if (st.isSocket()) return 'socket'
  if (st.isFIFO()) return 'fifo'
  if (st.isCharacterDevice()) return 'character device'
  if (st.isBlockDevice()) return 'block device'
  return 'unknown file type'
}

function childNarPath(parent: string, name: Buffer): string {
  return parent === '/' ? `/${decoder.decode(name)}` : `${parent}/${decoder.decode(name)}`
}

async function readFully(fh: FileHandle, into: Uint8Array, start: number, length: number, position: number): Promise<number> {
  let done = 0
  while (done < length) {
    const { bytesRead } = await fh.read(into, start + done, length - done, position + done)
    if (bytesRead === 0) break
    done += bytesRead
  }
  return done
}

/**
 * Serialise a file system object to a NAR, as `nix-store --dump` does, yielding the archive in
 * chunks (memory stays bounded whatever the size). Directory entries are sorted by their bytes;
 * only the owner-executable bit of regular files is recorded.
 * @throws {NarError} `unsupported-type` for sockets, FIFOs and devices; `file-changed` when a
 * file's size changes while it is read. File system errors are passed through.
 */
export function dumpPath(path: string): AsyncGenerator<Uint8Array> {
  return dumpPathWith(path, {})
}

/** @internal {@link dumpPath} with hooks (field spans for locating references). */
export async function* dumpPathWith(path: string, hooks: DumpHooks): AsyncGenerator<Uint8Array> {
  const current = { fsPath: path as Buffer | string }
  try {
    yield* dumpInner(path, hooks, current)
  } catch (err) {
    throw readError(err, current.fsPath)
  }
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in system',
  EIO: 'input/output error',
}

/** A file system error while dumping, worded as the native addon words it. */
export function readError(err: unknown, fsPath: Buffer | string): unknown {
  if (err instanceof NarError || !(err instanceof Error)) return err
  const code = (err as NodeJS.ErrnoException).code
  if (typeof code !== 'string' || !/^E[A-Z0-9]+$/.test(code)) return err
  const where = (err as NodeJS.ErrnoException).path ?? String(fsPath)
  return new NarError('io', `cannot read '${where}': ${ERRNO_TEXT[code] ?? err.message} (${code})`, { cause: err })
}

/** The message of an unsupported file (socket, FIFO, device). */
export function unsupportedType(fsPath: string, st: Stats | undefined): NarError {
  return new NarError('unsupported-type', `cannot dump '${fsPath}': unsupported file type${st === undefined ? '' : ` (${kindOf(st)})`}`)
}

async function* dumpInner(path: string, hooks: DumpHooks, current: { fsPath: Buffer | string }): AsyncGenerator<Uint8Array> {
  const b = new Batch()
  const onField = hooks.onField
  const reuse = hooks.reuse === true
  const readBuf = reuse ? Buffer.allocUnsafe(READ_CHUNK) : undefined
  b.str(T.magic)
  const stack: Frame[] = []
  let pending: { fsPath: Buffer | string; narPath: string } | null = { fsPath: path, narPath: '/' }

  for (;;) {
    if (pending !== null) {
      const { fsPath, narPath } = pending
      pending = null
      current.fsPath = fsPath
      const st = await lstat(fsPath)
      b.str(T.open)
      b.str(T.type)
      if (st.isDirectory()) {
        b.str(T.directory)
        const names = await readdir(fsPath, { encoding: 'buffer' })
        names.sort(Buffer.compare)
        stack.push({ fsPath: typeof fsPath === 'string' ? Buffer.from(fsPath) : fsPath, narPath, names, next: 0 })
      } else if (st.isSymbolicLink()) {
        b.str(T.symlink)
        b.str(T.target)
        const target = await readlink(fsPath, { encoding: 'buffer' })
        onField?.({ kind: 'target', path: narPath, offset: b.offset + 8, length: target.length })
        b.str(target)
        b.str(T.close)
      } else if (st.isFile()) {
        b.str(T.regular)
        // Nix records S_IXUSR only.
        if ((st.mode & 0o100) !== 0) {
          b.str(T.executable)
          b.str(T.empty)
        }
        b.str(T.contents)
        const size = st.size
        b.u64(size)
        onField?.({ kind: 'contents', path: narPath, offset: b.offset, length: size })
        const fh = await open(fsPath, 'r')
        try {
          if (size <= SMALL_FILE) {
            b.ensure(size + 1)
            const got = await readFully(fh, b.buf, b.len, size + 1, 0)
            if (got !== size) throw changed(narPath, size, got)
            b.len += size
            b.offset += size
          } else {
            if (b.len > 0) yield b.take(reuse)
            let position = 0
            while (position < size) {
              const want = Math.min(READ_CHUNK, size - position)
              const chunk = readBuf === undefined ? Buffer.allocUnsafe(want) : readBuf.subarray(0, want)
              const got = await readFully(fh, chunk, 0, want, position)
              if (got !== want) throw changed(narPath, size, position + got)
              position += got
              b.offset += got
              yield chunk
            }
            const extra = await fh.read(Buffer.allocUnsafe(1), 0, 1, size)
            if (extra.bytesRead !== 0) throw changed(narPath, size, size + 1)
          }
        } finally {
          await fh.close()
        }
        b.pad(size)
        b.str(T.close)
      } else {
        throw unsupportedType(String(fsPath), st)
      }
      if (stack.length > 0 && stack.at(-1)?.narPath !== narPath) b.str(T.close) // closes the parent's entry
    }

    // Continue with the innermost open directory.
    const top = stack.at(-1)
    if (top === undefined) break
    if (top.next < top.names.length) {
      const name = top.names[top.next++] as Buffer
      const narPath = childNarPath(top.narPath, name)
      b.str(T.entry)
      b.str(T.open)
      b.str(T.name)
      onField?.({ kind: 'name', path: narPath, offset: b.offset + 8, length: name.length })
      b.str(name)
      b.str(T.node)
      pending = { fsPath: Buffer.concat([top.fsPath, SLASH, name]), narPath }
    } else {
      stack.pop()
      b.str(T.close) // closes the directory node
      if (stack.length > 0) b.str(T.close) // closes the parent's entry
    }
    if (b.len >= BATCH) yield b.take(reuse)
  }
  if (b.len > 0) yield b.take(reuse)
}

function changed(narPath: string, expected: number, got: number): NarError {
  return new NarError('file-changed', `file changed while it was read: expected ${expected} bytes, ${got > expected ? 'got more' : `got ${got}`}`, { path: narPath })
}
