import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { DEFAULT_STORE_DIR, HASH_PART_LENGTH, Hash, StorePathError, parseStorePath } from '@tsnix/hash'
import { StoreDbError } from './errors.js'
import {
  BUSY_TIMEOUT_MS, DB_FILE_NAME, SCHEMA_FILE_NAME, SCHEMA_SQL, SCHEMA_VERSION, WAL_AUTOCHECKPOINT_PAGES,
} from './schema.js'
import { comparePaths, postOrder } from './topo-sort.js'

/** A valid path as recorded in `ValidPaths` (Nix's `ValidPathInfo`). */
export interface PathInfo {
  /** Full store path. */
  readonly path: string
  /** Row id in `ValidPaths`. */
  readonly id: number
  /** sha256 of the path's NAR serialisation. */
  readonly narHash: Hash
  /** Size of the NAR; 0 when unknown (NULL in the database). */
  readonly narSize: number
  /** Referenced store paths, ascending, self-reference included. */
  readonly references: readonly string[]
  /** The derivation that produced the path, if recorded. */
  readonly deriver: string | undefined
  /** Seconds since the epoch. */
  readonly registrationTime: number
  /** Built locally (trusted without signatures). */
  readonly ultimate: boolean
  /** Signatures, ascending. */
  readonly sigs: readonly string[]
  /** Content address (`text:sha256:…`, `fixed:[r:]algo:…`), if any. */
  readonly ca: string | undefined
}

/** What to register for one path (see {@link StoreDb.registerValidPaths}). */
export interface NewPathInfo {
  readonly path: string
  readonly narHash: Hash
  readonly narSize: number
  readonly references?: readonly string[]
  readonly deriver?: string | undefined
  /** Seconds since the epoch; default now. */
  readonly registrationTime?: number
  readonly ultimate?: boolean
  readonly sigs?: readonly string[]
  readonly ca?: string | undefined
  /**
   * For a `.drv` path: output name → output path, stored in `DerivationOutputs` when the
   * path is first registered (the caller parses the derivation; floating outputs are left out).
   */
  readonly derivationOutputs?: Readonly<Record<string, string>> | ReadonlyMap<string, string>
}

/** Options of {@link StoreDb.open}. */
export interface OpenStoreDbOptions {
  /**
   * Open for queries only: nothing in the directory is created or modified (no journal
   * mode change, no checkpoint). Default false.
   */
  readonly readOnly?: boolean
  /** Create the database and its `schema` file when missing (not with `readOnly`). Default false. */
  readonly create?: boolean
  /** The logical store directory the paths in this database live in. Default `/nix/store`. */
  readonly storeDir?: string
}

/** Direction and extent of a closure (Nix's `computeFSClosure`). */
export interface ClosureOptions {
  /** Follow referrers instead of references. */
  readonly referrers?: boolean
  /**
   * Forward: for each `.drv` also its valid outputs (`--include-outputs`).
   * Backward: for each path also the valid derivations that have it as an output.
   */
  readonly includeOutputs?: boolean
}

/**
 * The part of the reference graph a query needs, loaded at once: `paths` ascending and,
 * for each, its references within `paths` (ascending, self-reference included; a forward
 * closure contains all of them).
 */
export interface PathGraph {
  readonly paths: readonly string[]
  readonly references: ReadonlyMap<string, readonly string[]>
}

type SqliteDb = Database.Database
type Stmt = Database.Statement

const sleepBuffer = new Int32Array(new SharedArrayBuffer(4))
function sleepMs(ms: number): void {
  Atomics.wait(sleepBuffer, 0, 0, ms)
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code === 'SQLITE_PROTOCOL' || code.startsWith('SQLITE_LOCKED'))
}

/**
 * Nix's `retrySQLite`: run `fn` again while SQLite reports the database busy (a writer in
 * another process), with a short randomised back-off.
 */
function retryBusy<T>(fn: () => T): T {
  for (let attempt = 0; ; attempt++) {
    try {
      return fn()
    } catch (err) {
      if (!isBusy(err) || attempt > 10_000) throw err
      sleepMs(1 + Math.floor(Math.random() * Math.min(100, 2 ** Math.min(attempt, 7))))
    }
  }
}

/**
 * Read the schema version file: 0 when it does not exist (Nix's `getSchema`).
 * @throws {StoreDbError} `corrupt-schema`.
 */
export function readSchemaVersion(dbDir: string): number {
  const file = join(dbDir, SCHEMA_FILE_NAME)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw err
  }
  if (!/^\s*\d+\s*$/.test(text)) throw new StoreDbError('corrupt-schema', `schema version file is corrupt (${file})`)
  return Number.parseInt(text, 10)
}

function checkSchema(version: number, dbDir: string): void {
  if (version > SCHEMA_VERSION) {
    throw new StoreDbError('unknown-schema',
      `current Nix store schema is version ${version}, but I only support ${SCHEMA_VERSION} (${join(dbDir, SCHEMA_FILE_NAME)})`)
  }
  if (version < SCHEMA_VERSION) {
    throw new StoreDbError('unknown-schema',
      `store schema version ${version} is older than ${SCHEMA_VERSION}: upgrade it by running a Nix 2.8 command on it first (${join(dbDir, SCHEMA_FILE_NAME)})`)
  }
}

const toOutputEntries = (o: NewPathInfo['derivationOutputs']): [string, string][] =>
  o === undefined ? [] : o instanceof Map ? [...o.entries()] : Object.entries(o as Record<string, string>)

/**
 * The Nix store database (`<state>/db/db.sqlite`, schema v10). Statements and column formats
 * are Nix 2.8's (src/libstore/local-store.cc): `sha256:<base16>` hashes, full store paths,
 * NULL for a zero narSize, absent deriver, false `ultimate`, empty sigs and absent `ca`.
 * Synchronous: better-sqlite3 runs each statement to completion.
 */
export class StoreDb {
  /** The directory holding `db.sqlite` and `schema`. */
  readonly dbDir: string
  /** The logical store directory. */
  readonly storeDir: string
  /** Opened for queries only. */
  readonly readOnly: boolean
  readonly #db: SqliteDb
  readonly #stmts = new Map<string, Stmt>()

  private constructor(db: SqliteDb, dbDir: string, storeDir: string, readOnly: boolean) {
    this.#db = db
    this.dbDir = dbDir
    this.storeDir = storeDir
    this.readOnly = readOnly
  }

  /**
   * Open the database in `dbDir` (Nix's `<state>/db`).
   *
   * Read-only opening never creates or changes a file, so it is safe on a live Nix
   * install; a database in WAL mode whose `-shm` cannot be created is read as immutable.
   * Read-write opening applies Nix's pragmas (WAL, `synchronous = normal`,
   * `wal_autocheckpoint = 40000`, one-hour busy timeout, foreign keys) and with `create`
   * makes a fresh database with Nix's schema and writes the `schema` file.
   *
   * @throws {StoreDbError} `no-database` (missing and not `create`), `unknown-schema`
   *   (a version other than 10), `corrupt-schema`, `bad-argument`.
   */
  static open(dbDir: string, options: OpenStoreDbOptions = {}): StoreDb {
    const readOnly = options.readOnly ?? false
    const storeDir = options.storeDir ?? DEFAULT_STORE_DIR
    if (readOnly && options.create === true) throw new StoreDbError('bad-argument', 'cannot create a database opened read-only')
    const dbPath = join(dbDir, DB_FILE_NAME)
    let version = readSchemaVersion(dbDir)
    if (version === 0) {
      if (!options.create) {
        throw new StoreDbError('no-database', `no store database: '${join(dbDir, SCHEMA_FILE_NAME)}' does not exist`)
      }
    } else {
      checkSchema(version, dbDir)
    }
    if (readOnly) {
      if (!existsSync(dbPath)) throw new StoreDbError('no-database', `no store database: '${dbPath}' does not exist`)
      let db: SqliteDb
      try {
        db = new Database(dbPath, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS })
        db.prepare('select count(*) from sqlite_master').get()
      } catch (err) {
        // A WAL database in a directory we cannot write to (a root-owned Nix install read by
        // a user, with no Nix process running) cannot get its -shm file. With no -wal beside
        // it, the main file holds every committed transaction: read a snapshot of it in memory
        // (marked as a rollback-journal database, which is all an in-memory copy can be).
        if (!(err instanceof Error) || !/SQLITE_CANTOPEN|SQLITE_READONLY/.test(String((err as { code?: string }).code))) throw err
        if (existsSync(`${dbPath}-wal`)) throw err
        const image = readFileSync(dbPath)
        if (image.length >= 20 && image[18] === 2 && image[19] === 2) {
          image[18] = 1
          image[19] = 1
        }
        db = new Database(image, { readonly: true })
      }
      db.pragma('query_only = 1')
      return new StoreDb(db, dbDir, storeDir, true)
    }
    if (version === 0) mkdirSync(dbDir, { recursive: true })
    const db = new Database(dbPath, { fileMustExist: version !== 0, timeout: BUSY_TIMEOUT_MS })
    try {
      db.pragma('foreign_keys = 1')
      db.pragma('synchronous = normal')
      const mode = String(db.pragma('journal_mode', { simple: true }))
      if (mode !== 'wal') retryBusy(() => db.pragma('journal_mode = wal'))
      db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`)
      if (version === 0) {
        retryBusy(() => db.exec(SCHEMA_SQL))
        // Another process may have raced us here; both wrote the same DDL (if not exists).
        version = readSchemaVersion(dbDir)
        if (version === 0) {
          const tmp = join(dbDir, `.${SCHEMA_FILE_NAME}.${process.pid}.tmp`)
          writeFileSync(tmp, String(SCHEMA_VERSION))
          renameSync(tmp, join(dbDir, SCHEMA_FILE_NAME))
        } else {
          checkSchema(version, dbDir)
        }
      }
    } catch (err) {
      db.close()
      throw err
    }
    return new StoreDb(db, dbDir, storeDir, false)
  }

  /** Close the connection (a read-write connection checkpoints as SQLite does on close). */
  close(): void {
    this.#db.close()
  }

  #stmt(sql: string): Stmt {
    let s = this.#stmts.get(sql)
    if (s === undefined) {
      s = this.#db.prepare(sql)
      this.#stmts.set(sql, s)
    }
    return s
  }

  #checkPath(path: string): void {
    try {
      parseStorePath(path, this.storeDir)
    } catch (err) {
      if (err instanceof StorePathError) throw new StoreDbError('bad-path', `path '${path}' is not a store path in '${this.storeDir}'`, { cause: err })
      throw err
    }
  }

  #writable(what: string): void {
    if (this.readOnly) throw new StoreDbError('read-only', `cannot ${what}: database opened read-only (${this.dbDir})`)
  }

  #id(path: string): number | undefined {
    const row = this.#stmt('select id from ValidPaths where path = ?').pluck().get(path) as number | undefined
    return row
  }

  #requireId(path: string): number {
    const id = retryBusy(() => this.#id(path))
    if (id === undefined) throw new StoreDbError('invalid-path', `path '${path}' is not valid`)
    return id
  }

  /** Is `path` registered? */
  isValidPath(path: string): boolean {
    return retryBusy(() => this.#id(path)) !== undefined
  }

  /** Every valid path, ascending. */
  queryAllValidPaths(): string[] {
    return retryBusy(() => (this.#stmt('select path from ValidPaths').pluck().all() as string[])).sort(comparePaths)
  }

  /**
   * The recorded information of a valid path, or `undefined` when it is not valid.
   * @throws {StoreDbError} `bad-row` when a column does not parse.
   */
  queryPathInfo(path: string): PathInfo | undefined {
    return retryBusy(() => {
      const row = this.#stmt('select id, hash, registrationTime, deriver, narSize, ultimate, sigs, ca from ValidPaths where path = ?')
        .get(path) as {
          id: number; hash: string; registrationTime: number; deriver: string | null; narSize: number | null
          ultimate: number | null; sigs: string | null; ca: string | null
        } | undefined
      if (row === undefined) return undefined
      let narHash: Hash
      try {
        narHash = Hash.parse(row.hash)
      } catch (err) {
        throw new StoreDbError('bad-row', `invalid-path entry for '${path}': bad hash '${row.hash}'`, { cause: err })
      }
      const references = (this.#stmt('select path from Refs join ValidPaths on reference = id where referrer = ?')
        .pluck().all(row.id) as string[]).sort(comparePaths)
      return Object.freeze({
        path,
        id: row.id,
        narHash,
        narSize: row.narSize ?? 0,
        references: Object.freeze(references),
        deriver: row.deriver ?? undefined,
        registrationTime: row.registrationTime,
        ultimate: row.ultimate === 1,
        sigs: Object.freeze(row.sigs === null ? [] : [...new Set(row.sigs.split(' ').filter((s) => s !== ''))].sort(comparePaths)),
        ca: row.ca ?? undefined,
      })
    })
  }

  /**
   * References of a valid path, ascending (self-reference included).
   * @throws {StoreDbError} `invalid-path`.
   */
  queryReferences(path: string): string[] {
    const id = this.#requireId(path)
    return retryBusy(() => this.#stmt('select path from Refs join ValidPaths on reference = id where referrer = ?').pluck().all(id) as string[])
      .sort(comparePaths)
  }

  /** Paths that refer to `path`, ascending; empty when `path` is not valid (as Nix). */
  queryReferrers(path: string): string[] {
    return retryBusy(() => this.#stmt(
      'select path from Refs join ValidPaths on referrer = id where reference = (select id from ValidPaths where path = ?)',
    ).pluck().all(path) as string[]).sort(comparePaths)
  }

  /** Valid derivations that list `path` as an output, ascending (Nix's `queryValidDerivers`). */
  queryValidDerivers(path: string): string[] {
    return retryBusy(() => this.#stmt(
      'select v.path from DerivationOutputs d join ValidPaths v on d.drv = v.id where d.path = ?',
    ).pluck().all(path) as string[]).sort(comparePaths)
  }

  /**
   * Outputs of a valid derivation as recorded in `DerivationOutputs`: output name → path,
   * by ascending name (Nix's `queryPartialDerivationOutputMap` without ca-derivations).
   * @throws {StoreDbError} `invalid-path`.
   */
  queryDerivationOutputs(drvPath: string): Map<string, string> {
    const id = this.#requireId(drvPath)
    const rows = retryBusy(() => this.#stmt('select id, path from DerivationOutputs where drv = ?').raw().all(id) as [string, string][])
    rows.sort((a, b) => comparePaths(a[0], b[0]))
    return new Map(rows)
  }

  /**
   * The valid path whose hash part is `hashPart`, if any (Nix's `queryPathFromHashPart`).
   * @throws {StoreDbError} `bad-argument` when `hashPart` is not 32 characters.
   */
  queryPathFromHashPart(hashPart: string): string | undefined {
    if (hashPart.length !== HASH_PART_LENGTH) throw new StoreDbError('bad-argument', `invalid hash part '${hashPart}'`)
    const prefix = `${this.storeDir}/${hashPart}`
    const found = retryBusy(() => this.#stmt('select path from ValidPaths where path >= ? limit 1').pluck().get(prefix) as string | undefined)
    return found !== undefined && found.startsWith(prefix) ? found : undefined
  }

  /**
   * The closure of `paths` as a compact graph: members ascending, references (within the
   * closure) as index lists. Never a query per path: a bounded recursive query finds the
   * members and one more reads their rows, or, for a closure covering a large part of the
   * store, both tables are read in bulk once and walked in memory.
   * @throws {StoreDbError} `invalid-path` for a start path that is not valid.
   */
  #closure(paths: Iterable<string>, options: ClosureOptions): CompactGraph {
    const startIds = [...new Set(paths)].map((p) => this.#requireId(p))
    // Walk inside SQLite, but stop after `limit` members: a small closure is then complete
    // and only its rows are read; a large one (a good part of the store) is faster done by
    // reading the two tables once in bulk and walking in memory.
    const total = retryBusy(() => this.#stmt("select seq from sqlite_sequence where name = 'ValidPaths'").pluck().get() as number | undefined) ?? 0
    const limit = Math.max(4096, Math.floor(total / 16))
    const sql = `with recursive c(id) as (select value from json_each(?) union ${this.#steps(options)} limit ?)
      select group_concat(id) from c`
    const found = retryBusy(() => this.#stmt(sql).pluck().get(JSON.stringify(startIds), limit) as string)
    const ids = parseIntList(found ?? '')
    if (ids.length >= limit) return this.#closureInMemory(startIds, options)
    return this.#closureOf(ids)
  }

  #steps(options: ClosureOptions): string {
    const step = options.referrers === true
      ? 'select r.referrer from Refs r join c on r.reference = c.id'
      : 'select r.reference from Refs r join c on r.referrer = c.id'
    const outputs = options.includeOutputs !== true ? ''
      : options.referrers === true
        ? ' union select d.drv from c join ValidPaths v on v.id = c.id join DerivationOutputs d on d.path = v.path'
        : ' union select v.id from c join DerivationOutputs d on d.drv = c.id join ValidPaths v on v.path = d.path'
    return step + outputs
  }

  /** The compact graph of a known member set: their paths and references, in one query. */
  #closureOf(ids: Int32Array): CompactGraph {
    const [idList, pathList, edgeList] = retryBusy(() => this.#stmt(`select
        group_concat(v.id, ',' order by v.path), group_concat(v.path, char(10) order by v.path),
        (select group_concat(r.referrer || ',' || r.reference) from Refs r where r.referrer in (select value from json_each(@ids)))
      from json_each(@ids) j join ValidPaths v on v.id = j.value`).raw().get({ ids: JSON.stringify([...ids]) }) as [string | null, string | null, string | null])
    const memberIds = parseIntList(idList ?? '')
    const paths = pathList === null ? [] : pathList.split('\n')
    return buildCompact(memberIds, paths, parseIntList(edgeList ?? ''))
  }

  /** Read every path (in path order) and every reference in bulk, then walk in memory. */
  #closureInMemory(startIds: number[], options: ClosureOptions): CompactGraph {
    // The unique index on path gives the order without a sort; it is checked below anyway.
    const [idList, pathList] = retryBusy(() => this.#stmt(
      "select group_concat(id), group_concat(path, char(10)) from (select id, path from ValidPaths order by path)",
    ).raw().get() as [string | null, string | null])
    const edges = parseIntList(retryBusy(() => this.#stmt("select group_concat(referrer || ',' || reference) from Refs").pluck().get() as string | null) ?? '')
    const outputs = options.includeOutputs === true
      ? parseIntList(retryBusy(() => this.#stmt(
        "select group_concat(d.drv || ',' || v.id) from DerivationOutputs d join ValidPaths v on v.path = d.path",
      ).pluck().get() as string | null) ?? '')
      : null
    let ids = parseIntList(idList ?? '')
    let paths = pathList === null ? [] : pathList.split('\n')
    if (paths.some((p, i) => i > 0 && comparePaths(paths[i - 1] as string, p) >= 0)) {
      const order = paths.map((_, i) => i).sort((a, b) => comparePaths(paths[a] as string, paths[b] as string))
      ids = Int32Array.from(order, (i) => ids[i] as number)
      paths = order.map((i) => paths[i] as string)
    }
    const all = buildCompact(ids, paths, edges)
    return restrict(all, startIds, options.referrers === true, outputs)
  }

  /**
   * The closure of `paths` with every member's references within the closure (ascending,
   * self-reference included), loaded at once (see {@link StoreDb.queryClosure}).
   * @throws {StoreDbError} `invalid-path` for a start path that is not valid.
   */
  queryClosureGraph(paths: Iterable<string>, options: ClosureOptions = {}): PathGraph {
    const g = this.#closure(paths, options)
    const references = new Map<string, readonly string[]>()
    for (let i = 0; i < g.paths.length; i++) {
      const list: string[] = []
      for (let k = g.offsets[i] as number; k < (g.offsets[i + 1] as number); k++) list.push(g.paths[g.targets[k] as number] as string)
      references.set(g.paths[i] as string, list)
    }
    return { paths: g.paths, references }
  }

  /**
   * Closure of `paths` (Nix's `computeFSClosure`), ascending.
   * @throws {StoreDbError} `invalid-path`.
   */
  queryClosure(paths: Iterable<string>, options: ClosureOptions = {}): string[] {
    return this.#closure(paths, options).paths
  }

  /**
   * `nix-store -q --requisites [--include-outputs]`: the closure in the order Nix prints it,
   * dependencies before dependents.
   * @throws {StoreDbError} `invalid-path`, `cycle`.
   */
  queryRequisites(paths: Iterable<string>, options: { includeOutputs?: boolean } = {}): string[] {
    return compactPrintOrder(this.#closure(paths, { includeOutputs: options.includeOutputs ?? false }))
  }

  /**
   * `nix-store -q --referrers-closure`: every path that depends on `paths`, in the order Nix
   * prints it (dependencies before dependents).
   * @throws {StoreDbError} `invalid-path`, `cycle`.
   */
  queryReferrersClosure(paths: Iterable<string>): string[] {
    return compactPrintOrder(this.#closure(paths, { referrers: true }))
  }

  /**
   * Nix's `topoSortPaths` over valid paths, references read from the database in one query;
   * returns Nix's order (referrers first). Invalid paths have no references.
   * @throws {StoreDbError} `cycle`.
   */
  topoSortPaths(paths: Iterable<string>): string[] {
    const set = [...new Set(paths)].sort(comparePaths)
    const rows = retryBusy(() => this.#stmt(
      'select v.path, rp.path from json_each(?) j join ValidPaths v on v.path = j.value join Refs r on r.referrer = v.id join ValidPaths rp on rp.id = r.reference',
    ).raw().all(JSON.stringify(set)) as [string, string][])
    const refs = new Map<string, string[]>()
    for (const [p, r] of rows) {
      const list = refs.get(p)
      if (list === undefined) refs.set(p, [r])
      else list.push(r)
    }
    return printOrder(set, refs).reverse()
  }

  /**
   * Register paths as valid in one transaction (Nix's `registerValidPaths`): new rows are
   * inserted (with `DerivationOutputs` rows for a `.drv`), already valid ones get their
   * hash, size, `ultimate`, sigs and `ca` updated; then references are added (every
   * reference must be valid or in the batch; self-references allowed) and the batch is
   * checked for reference cycles. Any error rolls everything back. Concurrent writers in
   * other processes wait for each other (busy timeout and retry).
   * @throws {StoreDbError} `read-only`, `bad-path`, `invalid-path` (a reference that is
   *   not valid), `cycle`, `bad-argument` (a hash that is not sha256).
   */
  registerValidPaths(infos: readonly NewPathInfo[]): void {
    this.#writable('register paths')
    const byPath = new Map<string, NewPathInfo>()
    for (const info of infos) {
      this.#checkPath(info.path)
      if (info.narHash.algorithm !== 'sha256') {
        throw new StoreDbError('bad-argument', `NAR hash of '${info.path}' must be sha256, not ${info.narHash.algorithm}`)
      }
      for (const r of info.references ?? []) this.#checkPath(r)
      if (info.deriver !== undefined) this.#checkPath(info.deriver)
      for (const [, out] of toOutputEntries(info.derivationOutputs)) this.#checkPath(out)
      byPath.set(info.path, info)
    }
    const insert = this.#stmt(
      'insert into ValidPaths (path, hash, registrationTime, deriver, narSize, ultimate, sigs, ca) values (?, ?, ?, ?, ?, ?, ?, ?)')
    const update = this.#stmt('update ValidPaths set narSize = ?, hash = ?, ultimate = ?, sigs = ?, ca = ? where path = ?')
    const addRef = this.#stmt('insert or replace into Refs (referrer, reference) values (?, ?)')
    const addOutput = this.#stmt('insert or replace into DerivationOutputs (drv, id, path) values (?, ?, ?)')
    const now = Math.floor(Date.now() / 1000)
    const txn = this.#db.transaction(() => {
      const ids = new Map<string, number>()
      for (const info of byPath.values()) {
        const hash = info.narHash.format('base16', true)
        const narSize = info.narSize === 0 ? null : info.narSize
        const ultimate = info.ultimate === true ? 1 : null
        const sigs = info.sigs !== undefined && info.sigs.length > 0 ? info.sigs.join(' ') : null
        const ca = info.ca ?? null
        const existing = this.#id(info.path)
        if (existing !== undefined) {
          update.run(narSize, hash, ultimate, sigs, ca, info.path)
          ids.set(info.path, existing)
        } else {
          const id = Number(insert.run(info.path, hash, info.registrationTime ?? now, info.deriver ?? null, narSize, ultimate, sigs, ca).lastInsertRowid)
          ids.set(info.path, id)
          if (info.path.endsWith('.drv')) {
            for (const [name, out] of toOutputEntries(info.derivationOutputs)) addOutput.run(id, name, out)
          }
        }
      }
      for (const info of byPath.values()) {
        const referrer = ids.get(info.path) as number
        for (const ref of info.references ?? []) {
          const reference = ids.get(ref) ?? this.#id(ref)
          if (reference === undefined) throw new StoreDbError('invalid-path', `path '${ref}' is not valid (referenced by '${info.path}')`)
          addRef.run(referrer, reference)
        }
      }
      const sorted = [...byPath.keys()].sort(comparePaths)
      const refs = new Map<string, readonly string[]>()
      for (const [p, info] of byPath) refs.set(p, [...(info.references ?? [])].sort(comparePaths))
      printOrder(sorted, refs)
    })
    retryBusy(() => txn.immediate())
  }

  /**
   * Remove paths from the database in one transaction. Refuses when one of them is still
   * referenced by a valid path outside the batch (self-references do not count).
   * Invalid paths are skipped.
   * @throws {StoreDbError} `read-only`, `path-in-use`.
   */
  invalidatePaths(paths: Iterable<string>): void {
    this.#writable('invalidate paths')
    const batch = new Set(paths)
    const txn = this.#db.transaction(() => {
      const ids: number[] = []
      for (const p of batch) {
        const id = this.#id(p)
        if (id === undefined) continue
        const users = (this.#stmt('select path from Refs join ValidPaths on referrer = id where reference = ?').pluck().all(id) as string[])
          .filter((u) => u !== p && !batch.has(u)).sort(comparePaths)
        if (users.length > 0) {
          throw new StoreDbError('path-in-use', `cannot delete path '${p}' because it is in use by ${users.map((u) => `'${u}'`).join(', ')}`)
        }
        ids.push(id)
      }
      const json = JSON.stringify(ids)
      this.#stmt('delete from Refs where referrer in (select value from json_each(?))').run(json)
      this.#stmt('delete from ValidPaths where id in (select value from json_each(?))').run(json)
    })
    retryBusy(() => txn.immediate())
  }

  /**
   * Run `fn` inside one write transaction (for callers that batch several operations).
   * @throws {StoreDbError} `read-only`.
   */
  transaction<T>(fn: () => T): T {
    this.#writable('write')
    return retryBusy(() => this.#db.transaction(fn).immediate())
  }
}

/**
 * Paths ascending with their references as CSR index lists (each ascending): the references
 * of `paths[i]` are `targets[offsets[i] .. offsets[i+1]]`. `ids` are the row ids of `paths`,
 * `index` maps a row id back to its position (-1 when absent).
 */
interface CompactGraph {
  readonly paths: string[]
  readonly offsets: Int32Array
  readonly targets: Int32Array
  readonly ids: Int32Array
  readonly index: Int32Array
}

/** Parse `1,2,3` (SQLite's group_concat of integers) without allocating per number. */
function parseIntList(text: string): Int32Array {
  if (text.length === 0) return new Int32Array(0)
  let count = 1
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 44) count++
  const out = new Int32Array(count)
  let k = 0
  let v = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 44) {
      out[k++] = v
      v = 0
    } else v = v * 10 + (c - 48)
  }
  out[k] = v
  return out
}

/**
 * A compact graph from members (row ids, with their paths, already in path order) and
 * reference pairs (referrer id, reference id, flattened); pairs leaving the members are
 * dropped. Each reference list ends up ascending.
 */
function buildCompact(ids: Int32Array, paths: string[], pairs: Int32Array): CompactGraph {
  const n = ids.length
  let maxId = 0
  for (let i = 0; i < n; i++) if ((ids[i] as number) > maxId) maxId = ids[i] as number
  for (let k = 0; k < pairs.length; k++) if ((pairs[k] as number) > maxId) maxId = pairs[k] as number
  const index = new Int32Array(maxId + 1).fill(-1)
  for (let i = 0; i < n; i++) index[ids[i] as number] = i
  const offsets = new Int32Array(n + 1)
  for (let k = 0; k < pairs.length; k += 2) {
    const from = index[pairs[k] as number] as number
    const to = index[pairs[k + 1] as number] as number
    if (from >= 0 && to >= 0) offsets[from + 1] = (offsets[from + 1] as number) + 1
  }
  for (let i = 0; i < n; i++) offsets[i + 1] = (offsets[i + 1] as number) + (offsets[i] as number)
  const fill = offsets.slice(0, n)
  const targets = new Int32Array(offsets[n] as number)
  for (let k = 0; k < pairs.length; k += 2) {
    const from = index[pairs[k] as number] as number
    const to = index[pairs[k + 1] as number] as number
    if (from >= 0 && to >= 0) {
      targets[fill[from] as number] = to
      fill[from] = (fill[from] as number) + 1
    }
  }
  for (let i = 0; i < n; i++) {
    const a = offsets[i] as number
    const b = offsets[i + 1] as number
    if (b - a > 1) targets.subarray(a, b).sort()
  }
  return { paths, offsets, targets, ids, index }
}

/**
 * The part of `g` reachable from `startIds` (along references, or referrers when `back`,
 * plus derivation → output pairs `outputs` when given), as its own compact graph.
 */
function restrict(g: CompactGraph, startIds: readonly number[], back: boolean, outputs: Int32Array | null): CompactGraph {
  const n = g.paths.length
  const { offsets, targets, index } = g
  let walkOffsets = offsets
  let walkTargets = targets
  if (back) {
    walkOffsets = new Int32Array(n + 1)
    for (let k = 0; k < targets.length; k++) {
      const t = (targets[k] as number) + 1
      walkOffsets[t] = (walkOffsets[t] as number) + 1
    }
    for (let i = 0; i < n; i++) walkOffsets[i + 1] = (walkOffsets[i + 1] as number) + (walkOffsets[i] as number)
    const fill = walkOffsets.slice(0, n)
    walkTargets = new Int32Array(targets.length)
    for (let i = 0; i < n; i++) {
      for (let k = offsets[i] as number; k < (offsets[i + 1] as number); k++) {
        const t = targets[k] as number
        walkTargets[fill[t] as number] = i
        fill[t] = (fill[t] as number) + 1
      }
    }
  }
  const extra = new Map<number, number[]>()
  if (outputs !== null) {
    for (let k = 0; k < outputs.length; k += 2) {
      const drv = index[outputs[k] as number] as number
      const out = index[outputs[k + 1] as number] as number
      if (drv < 0 || out < 0) continue
      const [from, to] = back ? [out, drv] : [drv, out]
      const list = extra.get(from)
      if (list === undefined) extra.set(from, [to])
      else list.push(to)
    }
  }
  const member = new Uint8Array(n)
  const queue = new Int32Array(n)
  let head = 0
  let tail = 0
  for (const id of startIds) {
    const i = index[id] as number
    if (i >= 0 && member[i] === 0) {
      member[i] = 1
      queue[tail++] = i
    }
  }
  while (head < tail) {
    const i = queue[head++] as number
    for (let k = walkOffsets[i] as number; k < (walkOffsets[i + 1] as number); k++) {
      const t = walkTargets[k] as number
      if (member[t] === 0) {
        member[t] = 1
        queue[tail++] = t
      }
    }
    for (const t of extra.get(i) ?? []) {
      if (member[t] === 0) {
        member[t] = 1
        queue[tail++] = t
      }
    }
  }
  const local = new Int32Array(n).fill(-1)
  const paths: string[] = []
  const ids: number[] = []
  for (let i = 0; i < n; i++) {
    if (member[i] === 1) {
      local[i] = paths.length
      paths.push(g.paths[i] as string)
      ids.push(g.ids[i] as number)
    }
  }
  const subOffsets = new Int32Array(paths.length + 1)
  const subTargets: number[] = []
  for (let i = 0, m = 0; i < n; i++) {
    if (member[i] === 0) continue
    for (let k = offsets[i] as number; k < (offsets[i + 1] as number); k++) {
      const l = local[targets[k] as number] as number
      if (l >= 0) subTargets.push(l)
    }
    subOffsets[++m] = subTargets.length
  }
  const subIds = Int32Array.from(ids)
  const subIndex = new Int32Array(index.length).fill(-1)
  for (let i = 0; i < subIds.length; i++) subIndex[subIds[i] as number] = i
  return { paths, offsets: subOffsets, targets: Int32Array.from(subTargets), ids: subIds, index: subIndex }
}


/**
 * Nix's print order (see {@link printOrder}) on a compact graph, with typed-array stacks:
 * a 100 000-path closure sorts in milliseconds and never deepens the JS stack.
 * @throws {StoreDbError} `cycle`.
 */
function compactPrintOrder(g: CompactGraph): string[] {
  const n = g.paths.length
  const { offsets, targets } = g
  const state = new Uint8Array(n) // 0 unvisited, 1 on the DFS stack, 2 done
  const stackNode = new Int32Array(n)
  const stackPos = new Int32Array(n)
  const out: string[] = new Array<string>(n)
  let emitted = 0
  for (let start = 0; start < n; start++) {
    if (state[start] !== 0) continue
    let sp = 0
    stackNode[0] = start
    stackPos[0] = offsets[start] as number
    state[start] = 1
    while (sp >= 0) {
      const node = stackNode[sp] as number
      const pos = stackPos[sp] as number
      if (pos < (offsets[node + 1] as number)) {
        stackPos[sp] = pos + 1
        const child = targets[pos] as number
        if (child === node) continue
        if (state[child] === 1) {
          throw new StoreDbError('cycle', `cycle detected in the references of '${g.paths[child]}' from '${g.paths[node]}'`)
        }
        if (state[child] === 2) continue
        state[child] = 1
        sp++
        stackNode[sp] = child
        stackPos[sp] = offsets[child] as number
      } else {
        state[node] = 2
        out[emitted++] = g.paths[node] as string
        sp--
      }
    }
  }
  return out
}

/**
 * Nix's print order for a set of paths (post-order of `topoSort`): each path after its
 * references within the set, ties broken by path order.
 */
function printOrder(sortedPaths: readonly string[], references: ReadonlyMap<string, readonly string[]>): string[] {
  const index = new Map<string, number>()
  sortedPaths.forEach((p, i) => index.set(p, i))
  const kids = (n: number): number[] => {
    const out: number[] = []
    for (const r of references.get(sortedPaths[n] as string) ?? []) {
      const i = index.get(r)
      if (i !== undefined) out.push(i)
    }
    return out
  }
  return postOrder(sortedPaths.keys(), kids, () => true, (n) => sortedPaths[n] as string).map((n) => sortedPaths[n] as string)
}

