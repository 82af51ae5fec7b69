/** The work behind `drv-show` (loaded lazily by drv-show-cli.ts). */
import { existsSync, readFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { CliError, UsageError, readStdin, splitItems, writeStdout } from '@tsnix/cli-kit'
import { type FixedOutputResolver, formatDerivationsJsonWith } from './_json-core.js'
import { type Derivation, outputKind } from './derivation.js'
import { AtermError, DerivationError } from './errors.js'
import { parseDerivation } from './parse.js'

// Hashing (@tsnix/hash, node:crypto) loads only when needed: `-`, files outside the store,
// fixed outputs in JSON, --check. Plain input-addressed `drv-show PATH` never pays for it.
type Modulo = typeof import('./modulo.js')
let modulo: Modulo | undefined
const loadModulo = async (): Promise<Modulo> => (modulo ??= await import('./modulo.js'))
const isLibraryError = (err: unknown): err is Error =>
  err instanceof AtermError || err instanceof DerivationError
    || (err instanceof Error && (err.name === 'StorePathError' || err.name === 'HashError'))

export interface DrvShowOptions {
  items: string[]
  recursive: boolean
  stdin: boolean
  format: string
  store: string | undefined
  check: boolean
}

interface Shown { drv: Derivation; bytes: Uint8Array; name: string; keyIsStorePath: boolean }

const STORE_FILE = /^[0-9a-df-np-sv-z]{32}-.+\.drv$/

/** Where the store's files are: '' for the system store, else a chroot-style root directory. */
function storeRoot(option: string | undefined): string {
  if (option !== undefined) return option === '/' ? '' : resolve(option)
  if (existsSync('/nix/var/nix/db')) return ''
  const data = process.env['XDG_DATA_HOME'] || join(process.env['HOME'] ?? '/', '.local/share')
  return join(data, 'tsnix')
}

/** Library failures become one-line user errors naming the file. */
function wrap<T>(where: string, f: () => T): T {
  try {
    return f()
  } catch (err) {
    if (isLibraryError(err)) throw new CliError(`${where}: ${err.message}`)
    throw err
  }
}

export async function drvShow(o: DrvShowOptions): Promise<void> {
  const format = o.format
  if (format !== 'json' && format !== 'v4' && format !== 'aterm') {
    throw new UsageError(`unknown format '${format}' (one of: json, v4, aterm)`)
  }
  const storeDir = process.env['NIX_STORE_DIR'] || '/nix/store'
  const root = storeRoot(o.store)
  const fsPath = (logical: string): string => (root === '' ? logical : join(root, logical))
  const items = [...o.items]
  if (o.stdin) {
    if (items.includes('-')) throw new UsageError("'-' and --stdin cannot be combined")
    items.push(...splitItems(await readStdin()))
  }
  if (items.length === 0) throw new UsageError('no derivation given (pass .drv paths, - or --stdin)')

  const shown = new Map<string, Shown>()
  const pending: string[] = []
  const add = (key: string, bytes: Uint8Array, where: string, keyIsStorePath: boolean, drv?: Derivation): void => {
    if (shown.has(key)) return
    const parsed = drv ?? wrap(where, () => parseDerivation(bytes))
    if (keyIsStorePath && !STORE_FILE.test(basename(key))) throw new CliError(`'${key}' is not a .drv store path`)
    // `<hash>-<name>.drv` → name (checked for real by @tsnix/hash when paths are computed).
    const name = keyIsStorePath ? basename(key).slice(33, -4) : (parsed.env['name'] ?? '')
    shown.set(key, { drv: parsed, bytes, name, keyIsStorePath })
    if (o.recursive) {
      pending.push(...Object.keys(parsed.inputDrvs), ...parsed.inputSrcs.filter((p) => p.endsWith('.drv')))
    }
  }

  for (const item of items) {
    if (item === '-') {
      const bytes = await readStdin()
      const drv = wrap('<stdin>', () => parseDerivation(bytes))
      // Nix cannot show a .drv that is not in a store; we key it by the path it would have.
      const { derivationPath } = await loadModulo()
      const key = wrap('<stdin>', () => derivationPath(drv, { storeDir }))
      add(key, bytes, '<stdin>', false, drv)
      continue
    }
    if (!item.endsWith('.drv')) throw new CliError(`'${item}' is not a derivation (its name does not end in .drv)`)
    if (item.startsWith(`${storeDir}/`) && !item.slice(storeDir.length + 1).includes('/')) {
      add(item, readFileSync(fsPath(item)), item, true)
    } else if (STORE_FILE.test(basename(item))) {
      add(`${storeDir}/${basename(item)}`, readFileSync(item), item, true)
    } else {
      const bytes = readFileSync(item)
      const drv = wrap(item, () => parseDerivation(bytes))
      const { derivationPath } = await loadModulo()
      add(wrap(item, () => derivationPath(drv, { storeDir })), bytes, item, false, drv)
    }
  }
  while (pending.length > 0) {
    const p = pending.pop() as string
    if (!shown.has(p)) add(p, readFileSync(fsPath(p)), p, true)
  }

  const keys = [...shown.keys()].sort()
  if (format === 'aterm') {
    const parts: Uint8Array[] = []
    keys.forEach((k, i) => {
      if (i > 0) parts.push(Buffer.from('\n'))
      parts.push((shown.get(k) as Shown).bytes)
    })
    await writeStdout(Buffer.concat(parts))
  } else {
    const entries = keys.map((k) => {
      const s = shown.get(k) as Shown
      return [k, s.drv, s.name] as const
    })
    const hasFixed = entries.some(([, d]) => Object.values(d.outputs).some((out) => outputKind(out) === 'fixed'))
    const resolve: FixedOutputResolver = hasFixed ? (await import('./json.js')).resolveFixedOutput : () => {
      throw new Error('unreachable: no fixed outputs')
    }
    await writeStdout(wrap(keys[0] as string, () => formatDerivationsJsonWith(entries, { format: format === 'v4' ? 'v4' : 'nix-2.8', storeDir }, resolve)))
  }

  if (o.check) {
    const { DerivationHasher, derivationPath } = await loadModulo()
    const hasher = new DerivationHasher((p) => shown.get(p)?.drv ?? readFileSync(fsPath(p)), { storeDir })
    const problems: string[] = []
    for (const k of keys) {
      const s = shown.get(k) as Shown
      wrap(k, () => {
        if (s.keyIsStorePath) {
          const computed = derivationPath(s.drv, { name: s.name, storeDir })
          if (computed !== k) problems.push(`${k}: .drv path should be ${computed}`)
        }
        const paths = hasher.outputPaths(s.drv, { name: s.name })
        for (const [out, path] of Object.entries(paths)) {
          const stored = s.drv.outputs[out]?.path
          if (stored !== path) problems.push(`${k}: output '${out}' is ${stored}, should be ${path}`)
          const env = Object.hasOwn(s.drv.env, out) ? s.drv.env[out] : undefined
          if (env !== undefined && env !== path) problems.push(`${k}: env '${out}' is ${env}, should be ${path}`)
        }
      })
    }
    if (problems.length > 0) {
      throw new CliError(`check failed: ${problems.length} problem${problems.length > 1 ? 's' : ''}: ${problems.join('; ')}`)
    }
  }
}
