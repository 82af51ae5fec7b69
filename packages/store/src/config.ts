import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { DEFAULT_STORE_DIR, validateStoreDir } from '@tsnix/hash'
import { StoreError } from './errors.js'

/**
 * Where a local store lives. The logical `storeDir` is what store paths start with (and is
 * hashed into them); `realStoreDir` is where their files are on disk. They differ for a
 * chroot-style store (`--store ROOT`: files in `ROOT/nix/store`, database in
 * `ROOT/nix/var/nix/db`), exactly as Nix 2.8's `LocalFSStoreConfig` lays it out.
 */
export interface StoreConfig {
  /** Logical store directory (`/nix/store` unless NIX_STORE_DIR says otherwise). */
  readonly storeDir: string
  /** Physical directory holding the store objects. */
  readonly realStoreDir: string
  /** State directory (`/nix/var/nix`, `ROOT/nix/var/nix`): db/, gcroots/, temproots/, … */
  readonly stateDir: string
  /** Build log directory (`/nix/var/log/nix`, `ROOT/nix/var/log/nix`). */
  readonly logDir: string
  /** The database directory, `<stateDir>/db`. */
  readonly dbDir: string
  /** The chroot root, when there is one. */
  readonly rootDir: string | undefined
  /** How the store was chosen, for messages: `local`, `root:<dir>`, `user:<dir>`. */
  readonly description: string
}

/** Nix's compiled-in defaults (Debian's nix-bin and the upstream installer). */
export const DEFAULT_STATE_DIR = '/nix/var/nix'
export const DEFAULT_LOG_DIR = '/nix/var/log/nix'

/** Options of {@link resolveStoreConfig}. */
export interface ResolveStoreOptions {
  /**
   * The `--store` value: `local` (the system store), `auto` or absent (the default below),
   * an absolute or relative directory (a chroot store rooted there), or
   * `local?root=DIR` (the same, Nix's URL form).
   */
  readonly store?: string | undefined
  /** Environment to read NIX_STORE_DIR, NIX_STATE_DIR, NIX_LOG_DIR, XDG_DATA_HOME, HOME from. */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Base for a relative `--store` directory. Default the process's working directory. */
  readonly cwd?: string
}

const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v)

/**
 * Decide which store a tool works on, as DESIGN.md says: `--store` when given; otherwise the
 * system store when its database directory exists (`$NIX_STATE_DIR/db`, default
 * `/nix/var/nix/db`), else a per-user chroot store rooted at `$XDG_DATA_HOME/tsnix`
 * (default `~/.local/share/tsnix`) whose logical store dir is still `/nix/store`.
 * NIX_STORE_DIR, NIX_STATE_DIR and NIX_LOG_DIR apply as in Nix (the state and log
 * variables only to the system store; a chroot store keeps its own layout).
 * Reads no file except for the existence check of the default.
 * @throws {StoreError} `bad-store` for an unsupported `--store` value or store dir.
 */
export function resolveStoreConfig(options: ResolveStoreOptions = {}): StoreConfig {
  const env = options.env ?? process.env
  const storeDir = nonEmpty(env['NIX_STORE_DIR']) ?? nonEmpty(env['NIX_STORE']) ?? DEFAULT_STORE_DIR
  try {
    validateStoreDir(storeDir)
  } catch (err) {
    throw new StoreError('bad-store', `NIX_STORE_DIR is not a usable store directory: '${storeDir}'`, { cause: err })
  }
  const stateDir = nonEmpty(env['NIX_STATE_DIR']) ?? DEFAULT_STATE_DIR
  const logDir = nonEmpty(env['NIX_LOG_DIR']) ?? DEFAULT_LOG_DIR
  const system = (): StoreConfig => Object.freeze({
    storeDir, realStoreDir: storeDir, stateDir, logDir, dbDir: join(stateDir, 'db'), rootDir: undefined, description: 'local',
  })
  const rooted = (root: string, kind: string): StoreConfig => Object.freeze({
    storeDir,
    realStoreDir: join(root, 'nix/store'),
    stateDir: join(root, 'nix/var/nix'),
    logDir: join(root, 'nix/var/log/nix'),
    dbDir: join(root, 'nix/var/nix/db'),
    rootDir: root,
    description: `${kind}:${root}`,
  })
  const cwd = options.cwd ?? process.cwd()
  let store = nonEmpty(options.store)
  if (store === undefined || store === 'auto') {
    if (existsSync(join(stateDir, 'db'))) return system()
    const dataHome = nonEmpty(env['XDG_DATA_HOME']) ?? join(nonEmpty(env['HOME']) ?? homedir(), '.local/share')
    return rooted(join(resolve(dataHome), 'tsnix'), 'user')
  }
  if (store === 'local' || store === 'local://' || store === 'daemon') {
    if (store === 'daemon') throw new StoreError('bad-store', "the daemon store is not supported: use '--store local' or a root directory")
    return system()
  }
  if (store.startsWith('local?') || store.startsWith('local://?')) {
    const params = new URLSearchParams(store.slice(store.indexOf('?') + 1))
    const root = params.get('root')
    for (const key of params.keys()) {
      if (key !== 'root') throw new StoreError('bad-store', `store parameter '${key}' is not supported (in '${store}')`)
    }
    if (root === null || root === '') return system()
    store = root
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(store)) {
    throw new StoreError('bad-store', `store '${store}' is not supported: only 'local' and root directories are`)
  }
  if (!isAbsolute(store) && !store.startsWith('.') && !store.includes('/')) {
    throw new StoreError('bad-store', `don't know how to open store '${store}' (give a directory path such as './${store}', or 'local')`)
  }
  return rooted(resolve(cwd, store), 'root')
}

/**
 * Physical location of a store path (or a path inside one): the logical store dir
 * replaced by the real one.
 * @throws {StoreError} `not-in-store`.
 */
export function toRealPath(config: StoreConfig, storePath: string): string {
  if (!storePath.startsWith(`${config.storeDir}/`)) {
    throw new StoreError('not-in-store', `path '${storePath}' is not in the Nix store`)
  }
  return config.realStoreDir + storePath.slice(config.storeDir.length)
}
