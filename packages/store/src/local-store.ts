import { randomBytes } from 'node:crypto'
import { constants, createReadStream } from 'node:fs'
import { lstat, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { parseDerivation, outputKind } from '@tsnix/aterm'
import {
  type HashAlgorithm, type StorePath, Hash, createHasher, hashBytes, makeFixedOutputPath, makeTextPath,
  parseStorePath, renderContentAddress, validateStorePathName,
} from '@tsnix/hash'
import { dumpPath, narHashPath, restoreNar } from '@tsnix/nar'
import { StoreDb, type NewPathInfo } from '@tsnix/store-db'
import { canonicalisePath, makeWritable, syncTree } from './canonicalise.js'
import { type StoreConfig, toRealPath } from './config.js'
import { StoreError } from './errors.js'
import { lockPath } from './locks.js'
import { followLinksToStorePath, storePathOf } from './paths.js'

/** How `addPath` ingests a file system object (Nix's `FileIngestionMethod`). */
export type IngestionMethod = 'flat' | 'recursive'

/** Options of {@link LocalStore.addPath}. */
export interface AddPathOptions {
  /** Store path name; default the source's base name. */
  readonly name?: string
  /** `recursive` (the NAR is hashed; default) or `flat` (a regular file's bytes are hashed). */
  readonly method?: IngestionMethod
  /** Hash algorithm of the content address; default sha256. */
  readonly algorithm?: HashAlgorithm
}

/** One finding of {@link LocalStore.verify}. */
export interface VerifyMessage {
  readonly level: 'info' | 'error'
  readonly text: string
}

/** What {@link LocalStore.verify} found. */
export interface VerifyResult {
  /** True when something is still wrong (Nix exits 1 then). */
  readonly errors: boolean
  /** Valid paths whose file was missing and whose row was removed. */
  readonly removed: readonly string[]
  /** Valid paths whose file is missing but that still have valid referrers. */
  readonly missing: readonly string[]
  /** Valid paths whose NAR hash no longer matches the database. */
  readonly modified: readonly string[]
}

/** Options of {@link LocalStore.open}. */
export interface OpenLocalStoreOptions {
  /** Queries only: the database is opened read-only and nothing is created. */
  readonly readOnly?: boolean
}

const { O_CREAT, O_EXCL, O_WRONLY, O_NOFOLLOW } = constants

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw err
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/**
 * A local Nix store: files under `config.realStoreDir`, metadata in the store database.
 * Adding is crash-consistent (Nix 2.8 `LocalStore::addToStoreFromDump`/`addTextToStore`):
 * the object is written under a temporary name inside the store directory, canonicalised
 * (read-only, mtime 1, no setuid), fsync'ed and renamed into place under a path lock, and
 * only then registered valid in one transaction.
 */
export class LocalStore {
  readonly config: StoreConfig
  readonly db: StoreDb

  private constructor(config: StoreConfig, db: StoreDb) {
    this.config = config
    this.db = db
  }

  /**
   * Open a store. Read-write opening creates the layout Nix expects (store dir with
   * `.links`, state dir with db/, gcroots/, profiles/, temproots/) and the database.
   * @throws {StoreDbError} from {@link StoreDb.open} (`no-database` when read-only and missing,
   *   `unknown-schema`, …).
   */
  static async open(config: StoreConfig, options: OpenLocalStoreOptions = {}): Promise<LocalStore> {
    if (options.readOnly === true) {
      return new LocalStore(config, StoreDb.open(config.dbDir, { readOnly: true, storeDir: config.storeDir }))
    }
    for (const dir of [config.realStoreDir, join(config.realStoreDir, '.links'), config.dbDir,
      join(config.stateDir, 'gcroots'), join(config.stateDir, 'profiles'), join(config.stateDir, 'temproots')]) {
      await mkdir(dir, { recursive: true })
    }
    return new LocalStore(config, StoreDb.open(config.dbDir, { create: true, storeDir: config.storeDir }))
  }

  /** Open synchronously for queries only (what the query tool needs, nothing else). */
  static openReadOnly(config: StoreConfig): LocalStore {
    return new LocalStore(config, StoreDb.open(config.dbDir, { readOnly: true, storeDir: config.storeDir }))
  }

  close(): void {
    this.db.close()
  }

  /** Physical location of a logical store path. */
  toRealPath(storePath: string): string {
    return toRealPath(this.config, storePath)
  }

  /**
   * Nix's `followLinksToStorePath` for this store (see {@link followLinksToStorePath}).
   * @throws {StoreError} `not-in-store`.
   */
  followLinksToStorePath(path: string): Promise<string> {
    return followLinksToStorePath(this.config, path)
  }

  /**
   * The store path that `path` (a store path or a path inside one) lies in.
   * @throws {StoreError} `not-in-store`.
   */
  toStorePath(path: string): string {
    return storePathOf(this.config, path)
  }

  /**
   * Parse an exact store path of this store.
   * @throws {StoreError} `not-in-store`.
   */
  parseStorePath(path: string): StorePath {
    try {
      return parseStorePath(path, this.config.storeDir)
    } catch (err) {
      throw new StoreError('not-in-store', `path '${path}' is not a store path in '${this.config.storeDir}'`, { cause: err })
    }
  }

  #tempPath(): string {
    return join(this.config.realStoreDir, `.tmp-tsnix-${process.pid}-${randomBytes(6).toString('hex')}`)
  }

  /**
   * Move a finished temporary object to `dstPath` and register it, unless another process
   * got there first. The temporary object is always gone afterwards.
   */
  async #commit(tmp: string, info: NewPathInfo): Promise<void> {
    const real = this.toRealPath(info.path)
    try {
      if (this.db.isValidPath(info.path)) return
      const lock = await lockPath(real)
      try {
        if (this.db.isValidPath(info.path)) return
        // Leftover of an interrupted attempt: not valid, so nobody uses it.
        if (await exists(real)) {
          await makeWritable(real)
          await rm(real, { recursive: true, force: true })
        }
        await canonicalisePath(tmp)
        await syncTree(tmp)
        await rename(tmp, real)
        await syncDir(this.config.realStoreDir)
        this.db.registerValidPaths([info])
      } finally {
        await lock.release()
      }
    } finally {
      if (await exists(tmp)) {
        await makeWritable(tmp)
        await rm(tmp, { recursive: true, force: true })
      }
    }
  }

  /**
   * Add a file or directory like `nix-store --add` (recursive sha256: a `source` path) or
   * `nix-store --add-fixed [--recursive] ALGO` (a fixed-output path). The object is read
   * once, streamed into a temporary copy in the store while being hashed. Returns the
   * store path; adding an already valid path only computes it.
   * @throws {StoreError} `bad-argument` (bad name, a flat source that is not a regular file),
   *   `unsupported-file`, `lock-timeout`; NAR and file system errors are passed through.
   */
  async addPath(source: string, options: AddPathOptions = {}): Promise<string> {
    const name = options.name ?? basename(resolve(source))
    try {
      validateStorePathName(name)
    } catch (err) {
      throw new StoreError('bad-argument', `cannot add '${source}': ${(err as Error).message}`, { cause: err })
    }
    const method = options.method ?? 'recursive'
    const algorithm = options.algorithm ?? 'sha256'
    const tmp = this.#tempPath()
    const hasher = createHasher(algorithm)
    try {
      if (method === 'recursive') {
        const nar = dumpPath(source)
        await restoreNar((async function* () {
          for await (const chunk of nar) {
            hasher.update(chunk)
            yield chunk
          }
        })(), tmp)
      } else {
        const st = await lstat(source)
        if (!st.isFile()) throw new StoreError('bad-argument', `cannot add '${source}' flat: not a regular file`)
        const fh = await open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, (st.mode & 0o100) !== 0 ? 0o777 : 0o666)
        try {
          for await (const chunk of createReadStream(source, { highWaterMark: 1 << 16 })) {
            hasher.update(chunk as Buffer)
            let done = 0
            const buf = chunk as Buffer
            while (done < buf.length) done += (await fh.write(buf, done, buf.length - done)).bytesWritten
          }
        } finally {
          await fh.close()
        }
      }
      const hash = hasher.digest()
      const path = makeFixedOutputPath(name, { method, hash }, this.config.storeDir)
      // The NAR hash is of the copy, as Nix's is (for recursive sha256 it equals `hash`).
      const nar = method === 'recursive' && algorithm === 'sha256' ? await narHashPath(tmp).then((r) => ({ ...r, hash })) : await narHashPath(tmp)
      await this.#commit(tmp, { path, narHash: nar.hash, narSize: nar.size, ca: renderContentAddress(method, hash) })
      return path
    } finally {
      if (await exists(tmp)) {
        await makeWritable(tmp)
        await rm(tmp, { recursive: true, force: true })
      }
    }
  }

  /**
   * Add a text file with references, as `builtins.toFile` and derivation instantiation do
   * (Nix's `addTextToStore`; `text:sha256` content address). A `.drv` name gets its outputs
   * recorded in `DerivationOutputs`. Every reference must already be valid.
   * @throws {StoreError} `bad-argument` (bad name, reference not in the store);
   *   {@link StoreDbError} `invalid-path` when a reference is not valid; aterm errors for a bad `.drv`.
   */
  async addText(name: string, contents: string | Uint8Array, references: readonly string[] = []): Promise<string> {
    try {
      validateStorePathName(name)
      for (const r of references) parseStorePath(r, this.config.storeDir)
    } catch (err) {
      throw new StoreError('bad-argument', `cannot add text '${name}': ${(err as Error).message}`, { cause: err })
    }
    const bytes = typeof contents === 'string' ? Buffer.from(contents, 'utf8') : contents
    const path = makeTextPath(name, hashBytes('sha256', bytes), [...references], this.config.storeDir)
    if (this.db.isValidPath(path)) return path
    let derivationOutputs: Record<string, string> | undefined
    if (name.endsWith('.drv')) {
      const drv = parseDerivation(bytes)
      derivationOutputs = {}
      for (const [out, o] of Object.entries(drv.outputs)) {
        if (o.path !== '' && outputKind(o) !== 'floating') derivationOutputs[out] = o.path
      }
    }
    const tmp = this.#tempPath()
    const fh = await open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o666)
    try {
      await fh.writeFile(bytes)
    } finally {
      await fh.close()
    }
    const nar = await narHashPath(tmp)
    await this.#commit(tmp, {
      path,
      narHash: nar.hash,
      narSize: nar.size,
      references: [...references],
      ca: renderContentAddress('text', hashBytes('sha256', bytes)),
      ...(derivationOutputs === undefined ? {} : { derivationOutputs }),
    })
    return path
  }

  /**
   * `nix-store --verify [--check-contents]`: rows whose file is gone are removed from the
   * database (or reported when valid paths still refer to them); with `checkContents`,
   * every valid path's NAR hash is recomputed and compared, and missing sizes are filled in.
   * Messages are Nix's, in Nix's order.
   * @throws {StoreDbError} `read-only` when the store was opened read-only.
   */
  async verify(options: { checkContents?: boolean; onMessage?: (m: VerifyMessage) => void } = {}): Promise<VerifyResult> {
    const say = (level: VerifyMessage['level'], text: string): void => options.onMessage?.({ level, text })
    say('info', 'reading the Nix store...')
    const present = new Set(await readdir(this.config.realStoreDir))
    say('info', 'checking path existence...')
    const removed: string[] = []
    const missing: string[] = []
    const modified: string[] = []
    let errors = false
    const done = new Set<string>()
    const validPaths = new Set<string>()
    const visit = (path: string): void => {
      if (done.has(path)) return
      done.add(path)
      if (present.has(path.slice(this.config.storeDir.length + 1))) {
        validPaths.add(path)
        return
      }
      let canInvalidate = true
      for (const r of this.db.queryReferrers(path)) {
        if (r === path) continue
        visit(r)
        if (validPaths.has(r)) canInvalidate = false
      }
      if (canInvalidate) {
        say('info', `path '${path}' disappeared, removing from database...`)
        this.db.invalidatePaths([path])
        removed.push(path)
      } else {
        say('error', `path '${path}' disappeared, but it still has valid referrers!`)
        missing.push(path)
        errors = true
      }
    }
    for (const p of this.db.queryAllValidPaths()) visit(p)
    if (options.checkContents === true) {
      say('info', 'checking link hashes...')
      const linksDir = join(this.config.realStoreDir, '.links')
      for (const link of await readdir(linksDir).catch(() => [] as string[])) {
        const got = (await narHashPath(join(linksDir, link))).hash.toNix32()
        if (got !== link) {
          say('error', `link '${join(linksDir, link)}' was modified! expected hash '${link}', got '${got}'`)
          errors = true
        }
      }
      say('info', 'checking store hashes...')
      for (const path of [...validPaths].sort()) {
        const info = this.db.queryPathInfo(path)
        if (info === undefined) continue
        let current: { hash: Hash; size: number }
        try {
          current = await narHashPath(this.toRealPath(path), info.narHash.algorithm)
        } catch (err) {
          say('error', `${(err as Error).message}`)
          errors = true
          continue
        }
        if (!current.hash.equals(info.narHash)) {
          say('error', `path '${path}' was modified! expected hash '${info.narHash.format('nix32', true)}', got '${current.hash.format('nix32', true)}'`)
          modified.push(path)
          errors = true
        } else if (info.narSize === 0) {
          say('info', `updating size field on '${path}' to ${current.size}`)
          this.db.registerValidPaths([{ ...info, narSize: current.size }])
        }
      }
    }
    return { errors, removed, missing, modified }
  }

  /** Read a valid store path's file (e.g. a `.drv`) through the real store dir. */
  async readStoreFile(storePath: string): Promise<Buffer> {
    return readFile(this.toRealPath(storePath))
  }
}
