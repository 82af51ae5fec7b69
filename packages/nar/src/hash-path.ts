import { Hash, createHasher, type HashAlgorithm } from '@tsnix/hash'
import { lstat } from 'node:fs/promises'
import { eventLoopTurns, unsupportedType, walkNar, type NarField } from './_walk.js'
import { NarError } from './errors.js'
import { native } from './native.js'
import { RefScanner, StorePathScanner, scanBytesTs } from './scan.js'

/** Errors from the addon, as the TS twin words them (same code, same message). */
async function nativeError(err: unknown): Promise<unknown> {
  if (!(err instanceof Error)) return err
  const code = (err as { code?: unknown }).code
  const text = err.message.replace(/^nar: /, '')
  if (code === 'cannot-read') return new NarError('io', text, { cause: err })
  if (code === 'unsupported-type') {
    const at = /'(.*)'$/.exec(text)?.[1] ?? ''
    const st = await lstat(at).catch(() => undefined)
    return unsupportedType(at, st)
  }
  if (code === 'unsupported-algorithm') return new NarError('io', text, { cause: err })
  return err
}

/** @internal pure-TS NAR hash, size and (optionally) reference scan of a path in one pass. */
export async function narHashAndScanTs(
  path: string, algorithm: HashAlgorithm, hashParts: readonly string[] | null,
): Promise<{ hash: Hash; size: number; references: string[] }> {
  const hasher = createHasher(algorithm)
  const scanner = hashParts === null ? null : new RefScanner(hashParts)
  let size = 0
  const turn = eventLoopTurns()
  for (const chunk of walkNar(path, { reuse: true })) {
    hasher.update(chunk)
    scanner?.update(chunk)
    size += chunk.length
    const wait = turn()
    if (wait !== null) await wait
  }
  return { hash: hasher.digest(), size, references: scanner?.found() ?? [] }
}

/** @internal pure-TS reference scan of a path. */
export async function scanReferencesTs(path: string, hashParts: readonly string[]): Promise<string[]> {
  const scanner = new RefScanner(hashParts)
  const turn = eventLoopTurns()
  for (const chunk of walkNar(path, { reuse: true })) {
    if (scanner.done) break
    scanner.update(chunk)
    const wait = turn()
    if (wait !== null) await wait
  }
  return scanner.found()
}

/**
 * Hash and size of the NAR serialisation of `path` (`nix-hash --type T PATH`, `narHash`/`narSize`
 * of `nix path-info`), without writing the NAR anywhere. Uses the native addon when available.
 * @throws {NarError} as {@link dumpPath}; file system errors are passed through.
 */
export async function narHashPath(path: string, algorithm: HashAlgorithm = 'sha256'): Promise<{ hash: Hash; size: number }> {
  const addon = native()
  if (addon === null) {
    const { hash, size } = await narHashAndScanTs(path, algorithm, null)
    return { hash, size }
  }
  try {
    const r = await addon.narHashPath(path, algorithm)
    return { hash: new Hash(algorithm, r.digest), size: r.size }
  } catch (err) {
    throw await nativeError(err)
  }
}

/**
 * Which of `hashParts` (32-character store path hash parts) occur in the NAR serialisation of
 * `path`: Nix's reference scan. Returns them sorted and deduplicated; strings that are not
 * 32 base-32 characters are never found. Uses the native addon when available.
 * @throws {NarError} as {@link dumpPath}; file system errors are passed through.
 */
export async function scanReferences(path: string, hashParts: readonly string[]): Promise<string[]> {
  const addon = native()
  if (addon === null) return scanReferencesTs(path, hashParts)
  try {
    return await addon.scanReferences(path, [...hashParts])
  } catch (err) {
    throw await nativeError(err)
  }
}

/**
 * {@link narHashPath} and {@link scanReferences} in one pass over the path (what registering a
 * build output needs). Uses the native addon when available.
 * @throws {NarError} as {@link dumpPath}; file system errors are passed through.
 */
export async function narHashAndScan(
  path: string, algorithm: HashAlgorithm, hashParts: readonly string[],
): Promise<{ hash: Hash; size: number; references: string[] }> {
  const addon = native()
  if (addon === null) return narHashAndScanTs(path, algorithm, hashParts)
  try {
    const r = await addon.narHashAndScan(path, algorithm, [...hashParts])
    return { hash: new Hash(algorithm, r.digest), size: r.size, references: r.references }
  } catch (err) {
    throw await nativeError(err)
  }
}

/**
 * Which of `hashParts` occur in `data` (sorted, deduplicated). Synchronous; uses the native
 * addon when available.
 */
export function scanBytes(data: Uint8Array, hashParts: readonly string[]): string[] {
  const addon = native()
  return addon === null ? scanBytesTs(data, hashParts) : addon.scanBytes(data, [...hashParts])
}

/** Where a reference occurs inside a scanned path. */
export interface ReferenceLocation {
  /** The hash part found (or, for {@link locateStorePaths}, the store path). */
  reference: string
  /** The path inside the scanned object (`/` for the object itself). */
  file: string
  /** Which data holds it: an entry `name`, a symlink `target` or file `contents`. */
  field: 'name' | 'target' | 'contents'
  /** Byte offset of the occurrence inside that field. */
  offset: number
  /** Byte offset of the occurrence in the NAR serialisation. */
  narOffset: number
}

async function locate(
  path: string,
  makeScanner: (hit: (reference: string, narOffset: number) => void) => { update(chunk: Uint8Array): void; finish?(): void },
): Promise<ReferenceLocation[]> {
  let spans: NarField[] = []
  let at = 0
  const seen = new Set<string>()
  const out: ReferenceLocation[] = []
  const hit = (reference: string, narOffset: number): void => {
    // Matches arrive in increasing offset order; spans were announced before their bytes.
    while (at + 1 < spans.length && (spans[at + 1] as NarField).offset <= narOffset) at++
    const span = spans[at]
    if (span === undefined || narOffset < span.offset || narOffset >= span.offset + span.length) return
    const key = `${reference}\0${span.path}\0${span.kind}`
    if (seen.has(key)) return
    seen.add(key)
    out.push({ reference, file: span.path, field: span.kind, offset: narOffset - span.offset, narOffset })
  }
  const scanner = makeScanner(hit)
  const turn = eventLoopTurns()
  for (const chunk of walkNar(path, { reuse: true, onField: (f) => spans.push(f) })) {
    scanner.update(chunk)
    const wait = turn()
    if (wait !== null) await wait
    if (at > 4096) {
      spans = spans.slice(at)
      at = 0
    }
  }
  scanner.finish?.()
  return out
}

/**
 * Every place where one of `hashParts` occurs in the NAR serialisation of `path`: the first
 * occurrence per reference, file and field, in archive order (what `nix why-depends` shows).
 * Pure TS (the addon reports no locations).
 * @throws {NarError} as {@link dumpPath}; file system errors are passed through.
 */
export function locateReferences(path: string, hashParts: readonly string[]): Promise<ReferenceLocation[]> {
  return locate(path, (hit) => new RefScanner(hashParts, hit))
}

/**
 * Every well-formed store path `<storeDir>/<hash>-<name>` in the NAR serialisation of `path`,
 * located as {@link locateReferences} does (`reference` is the store path).
 * @throws {NarError} as {@link dumpPath}; file system errors are passed through.
 */
export function locateStorePaths(path: string, storeDir: string): Promise<ReferenceLocation[]> {
  return locate(path, (hit) => new StorePathScanner(storeDir, hit))
}
