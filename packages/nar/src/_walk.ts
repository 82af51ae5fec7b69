// The NAR serialiser of a file system object, shared by dumpPath, hashing and scanning.
//
// Speed on trees of many small files comes from doing little per file: synchronous file system
// calls (a promise per lstat/open/read/close costs more than the system call itself), the NAR
// framing written straight into one buffer from pre-encoded token sequences, small files read
// straight into that buffer behind their framing, and large files read into its free part. The
// buffer is handed out (a view, valid until the walk is resumed) each time it is nearly full.
//
// The calls block the thread while the walk runs. Callers that must keep the event loop going
// drive the walk a chunk at a time and yield to the loop between chunks (see hash-path.ts and
// dumpPath); a chunk is at most CAPACITY bytes of reading, a few milliseconds.
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, readdirSync, readlinkSync, type Stats } from 'node:fs'
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

/** Size of the walk's buffer: the most bytes handed out at once. */
const CAPACITY = 1024 * 1024
/** Files up to this size are read whole behind their framing (one read call). */
const SMALL_FILE = 64 * 1024
/** Room kept for the framing of one object (a name is ≤ 255 bytes, a symlink target ≤ 4095). */
const RESERVE = 16 * 1024
/** The buffer is handed out once it holds this much. */
const FULL = CAPACITY - RESERVE

/** Opening a file never follows a symlink nor blocks on a FIFO swapped in since its lstat. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0)

const decoder = new TextDecoder('utf-8', { fatal: false })
const SLASH = Buffer.from('/')

/** NAR strings, each a u64 LE length, the bytes and zero padding to 8, concatenated. */
function tokens(...ts: string[]): Buffer {
  return Buffer.concat(ts.map((t) => {
    const b = Buffer.from(t, 'latin1')
    const out = Buffer.alloc(8 + Math.ceil(b.length / 8) * 8)
    out.writeUInt32LE(b.length, 0)
    b.copy(out, 8)
    return out
  }))
}

const MAGIC = tokens(NAR_MAGIC)
const DIRECTORY = tokens('(', 'type', 'directory')
const SYMLINK = tokens('(', 'type', 'symlink', 'target')
const REGULAR = tokens('(', 'type', 'regular', 'contents')
const EXECUTABLE = tokens('(', 'type', 'regular', 'executable', '', 'contents')
const ENTRY = tokens('entry', '(', 'name')
const NODE = tokens('node')
const CLOSE = tokens(')')
const ZEROS = new Uint8Array(8)
/** Where the byte past a file's expected end is read into (there should be none). */
const PAST_END = Buffer.alloc(1)

/** One directory being walked. */
interface Frame {
  fsPath: Buffer
  /** Its entries, sorted by name bytes (names are Buffers). */
  entries: Entry[]
  /** Index of the next entry to walk (the one being walked is `next - 1`). */
  next: number
  /** Its path in the archive, when fields are reported. */
  narPath: string
}

function kindOf(st: Stats): string {
  if (st.isSocket()) return 'socket'
  if (st.isFIFO()) return 'fifo'
  if (st.isCharacterDevice()) return 'character device'
  if (st.isBlockDevice()) return 'block device'
  return 'unknown file type'
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

function changed(narPath: string, expected: number, got: number): NarError {
  return new NarError('file-changed', `file changed while it was read: expected ${expected} bytes, ${got > expected ? 'got more' : `got ${got}`}`, { path: narPath })
}

/** The archive path of the object being walked, from the open directories. */
function narPathOf(stack: readonly Frame[]): string {
  if (stack.length === 0) return '/'
  return stack.map((f) => `/${decoder.decode(f.entries[f.next - 1]?.name)}`).join('')
}

/** A directory's entries, names as Buffers (exact bytes, whatever the encoding), sorted by them. */
function listDir(fsPath: Buffer | string) {
  return readdirSync(fsPath, { encoding: 'buffer', withFileTypes: true }).sort((a, b) => Buffer.compare(a.name, b.name))
}
type Entry = ReturnType<typeof listDir>[number]

/**
 * A regular file (as its directory entry says) opened, with its status: one path lookup instead
 * of two (lstat then open). Null when it is something else by now (then lstat decides).
 */
function openRegular(fsPath: Buffer): { fd: number; st: Stats } | null {
  let fd: number
  try {
    fd = openSync(fsPath, OPEN_FLAGS)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') return null // a symlink now
    throw err
  }
  let st: Stats
  try {
    st = fstatSync(fd)
  } catch (err) {
    closeSync(fd)
    throw err
  }
  if (st.isFile()) return { fd, st }
  closeSync(fd)
  return null
}

/** `length` bytes of `fd` at `position` into `buf` at `at`, fewer only at the end of the file. */
function readFully(fd: number, buf: Uint8Array, at: number, length: number, position: number): number {
  let done = 0
  while (done < length) {
    const got = readSync(fd, buf, at + done, length - done, position + done)
    if (got === 0) break
    done += got
  }
  return done
}

/** How the walk hands out its buffer. */
export interface WalkOptions {
  /** Called for every data field before the bytes that hold it are handed out. */
  onField?: ((field: NarField) => void) | undefined
  /**
   * Hand out views of one reused buffer, valid until the walk is resumed (for hashing and
   * scanning); otherwise each chunk is a buffer of its own.
   */
  reuse?: boolean | undefined
}

/**
 * The NAR serialisation of `path`, as `nix-store --dump` writes it, in chunks of at most 1 MiB
 * (memory stays bounded whatever the size). Synchronous: each step blocks while it reads.
 * Directory entries are sorted by their bytes; only the owner-executable bit is recorded.
 * @throws {NarError} `unsupported-type` for sockets, FIFOs and devices; `file-changed` when a
 * file's size changes while it is read; `io` for file system errors (as the addon words them).
 */
export function* walkNar(path: string, options: WalkOptions = {}): Generator<Uint8Array, void, undefined> {
  const onField = options.onField
  const reuse = options.reuse === true
  let buf = Buffer.allocUnsafe(CAPACITY)
  let len = 0
  /** Bytes handed out before `buf`. */
  let base = 0
  const stack: Frame[] = []
  let fsPath: Buffer | string = path
  let fd = -1

  /** Hand out what the buffer holds; the caller yields it. */
  const take = (): Uint8Array => {
    let out: Uint8Array
    if (reuse) {
      out = buf.subarray(0, len)
    } else if (len < CAPACITY / 2) {
      out = Buffer.from(buf.subarray(0, len)) // a copy: a small chunk keeps no big buffer alive
    } else {
      out = buf.subarray(0, len) // handed over whole; the walk goes on in a new one
      buf = Buffer.allocUnsafe(CAPACITY)
    }
    base += len
    len = 0
    return out
  }
  const put = (bytes: Uint8Array): void => {
    if (len + bytes.length > buf.length) grow(bytes.length)
    buf.set(bytes, len)
    len += bytes.length
  }
  const grow = (n: number): void => {
    const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, len + n))
    buf.copy(bigger, 0, 0, len)
    buf = bigger
  }
  /** A NAR string of user data. */
  const putString = (bytes: Uint8Array): void => {
    const n = bytes.length
    if (len + n + 16 > buf.length) grow(n + 16)
    buf.writeUInt32LE(n, len)
    buf.writeUInt32LE(0, len + 4)
    buf.set(bytes, len + 8)
    len += 8 + n
    const pad = (8 - (n & 7)) & 7
    if (pad !== 0) {
      buf.set(ZEROS.subarray(0, pad), len)
      len += pad
    }
  }
  try {
    put(MAGIC)
    let pending = true
    /** The pending object is a regular file, as its directory entry says. */
    let pendingFile = false
    let childNarPath = '/'
    for (;;) {
      if (pending) {
        pending = false
        let st: Stats | undefined
        if (pendingFile) {
          const opened = openRegular(fsPath as Buffer)
          if (opened !== null) ({ fd, st } = opened)
        }
        st ??= lstatSync(fsPath)
        if (st.isDirectory()) {
          put(DIRECTORY)
          stack.push({ fsPath: typeof fsPath === 'string' ? Buffer.from(fsPath) : fsPath, entries: listDir(fsPath), next: 0, narPath: childNarPath })
        } else if (st.isSymbolicLink()) {
          put(SYMLINK)
          const target = readlinkSync(fsPath, { encoding: 'buffer' })
          onField?.({ kind: 'target', path: childNarPath, offset: base + len + 8, length: target.length })
          putString(target)
          put(CLOSE)
        } else if (st.isFile()) {
          // Nix records S_IXUSR only.
          put((st.mode & 0o100) !== 0 ? EXECUTABLE : REGULAR)
          const size = st.size
          if (len + 8 > buf.length) grow(8)
          buf.writeUInt32LE(size >>> 0, len)
          buf.writeUInt32LE(Math.floor(size / 0x1_0000_0000), len + 4)
          len += 8
          onField?.({ kind: 'contents', path: childNarPath, offset: base + len, length: size })
          if (fd < 0) fd = openSync(fsPath, OPEN_FLAGS)
          if (size <= SMALL_FILE) {
            if (len + size + 1 > buf.length) yield take()
            const got = readFully(fd, buf, len, size + 1, 0)
            if (got !== size) throw changed(narPathOf(stack), size, got)
            len += size
          } else {
            let position = 0
            while (position < size) {
              if (len >= FULL) yield take()
              const want = Math.min(buf.length - len, size - position)
              const got = readFully(fd, buf, len, want, position)
              if (got !== want) throw changed(narPathOf(stack), size, position + got)
              position += got
              len += got
            }
            if (readSync(fd, PAST_END, 0, 1, size) !== 0) throw changed(narPathOf(stack), size, size + 1)
            if (len >= FULL) yield take()
          }
          closeSync(fd)
          fd = -1
          const pad = (8 - (size & 7)) & 7
          if (pad !== 0) {
            buf.fill(0, len, len + pad)
            len += pad
          }
          put(CLOSE)
        } else {
          throw unsupportedType(String(fsPath), st)
        }
        if (stack.length > 0 && !st.isDirectory()) put(CLOSE) // closes the parent's entry
      }

      if (len >= FULL) yield take()

      // Continue with the innermost open directory.
      const top = stack.at(-1)
      if (top === undefined) break
      if (top.next < top.entries.length) {
        const entry = top.entries[top.next++] as Entry
        const name = entry.name
        pendingFile = entry.isFile()
        put(ENTRY)
        if (onField !== undefined) {
          childNarPath = top.narPath === '/' ? `/${decoder.decode(name)}` : `${top.narPath}/${decoder.decode(name)}`
          onField({ kind: 'name', path: childNarPath, offset: base + len + 8, length: name.length })
        }
        putString(name)
        put(NODE)
        fsPath = Buffer.concat([top.fsPath, SLASH, name])
        pending = true
      } else {
        stack.pop()
        put(CLOSE) // closes the directory node
        if (stack.length > 0) put(CLOSE) // closes the parent's entry
      }
    }
    if (len > 0) yield take()
  } catch (err) {
    throw readError(err, fsPath)
  } finally {
    if (fd >= 0) closeSync(fd)
  }
}

/**
 * For callers running a synchronous walk on the event loop's thread: a promise to await (one
 * turn of the event loop) once `slice` milliseconds have passed since the last one, else null.
 */
export function eventLoopTurns(slice = 10): () => Promise<void> | null {
  let last = performance.now()
  return () => {
    const now = performance.now()
    if (now - last < slice) return null
    return new Promise<void>((resolve) => setImmediate(() => {
      last = performance.now()
      resolve()
    }))
  }
}
