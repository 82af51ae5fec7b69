import { NarError } from './errors.js'
import { narEntries } from './read.js'

/** A node of a NAR listing, in the JSON shape of `nix nar ls --json -R` (Nix 2.8). */
export type NarListing =
  | { type: 'directory'; entries: Record<string, NarListing | Record<string, never>> }
  | { type: 'regular'; size: number; executable?: true; narOffset: number }
  | { type: 'symlink'; target: string }

/** Split `/a/b` into components; `/` and `` are the root. No normalisation (`..` is just a name). */
function components(path: string): string[] {
  return path.split('/').filter((c) => c !== '')
}

/** Does archive path `entryPath` lie at or below `wanted` (both `/`-rooted)? */
function within(entryPath: string, wanted: string): boolean {
  return wanted === '/' || entryPath === wanted || entryPath.startsWith(`${wanted}/`)
}

/**
 * The listing of the node at `path` inside a NAR (`nix nar ls --json [-R] NAR PATH`): with
 * `recursive`, the whole subtree; without, a directory's entries are empty objects.
 * Reads (and so validates) the whole archive; memory is proportional to the number of entries.
 * @throws {NarError} `not-found` when `path` does not exist in the archive, or any reading error.
 */
export async function listNar(
  source: AsyncIterable<Uint8Array>, path = '/', options: { recursive?: boolean } = {},
): Promise<NarListing> {
  const wanted = `/${components(path).join('/')}`
  const depth = components(path).length
  const recursive = options.recursive ?? true
  let root: NarListing | undefined
  const dirs = new Map<string, Record<string, NarListing | Record<string, never>>>()
  for await (const e of narEntries(source)) {
    if (!within(e.path, wanted)) continue
    // Null-prototype maps: an entry may be called `__proto__`.
    const node: NarListing = e.type === 'directory' ? { type: 'directory', entries: Object.create(null) as Record<string, NarListing> }
      : e.type === 'symlink' ? { type: 'symlink', target: e.target }
      : e.executable ? { type: 'regular', size: e.size, executable: true, narOffset: e.contentsOffset }
      : { type: 'regular', size: e.size, narOffset: e.contentsOffset }
    if (e.path === wanted) {
      root = node
    } else {
      const slash = e.path.lastIndexOf('/')
      const parent = slash === 0 ? '/' : e.path.slice(0, slash)
      const name = e.path.slice(slash + 1)
      const below = components(e.path).length - depth
      const entries = dirs.get(parent)
      if (entries !== undefined) entries[name] = recursive || below > 1 ? node : {}
      if (!recursive && below >= 1) continue
    }
    if (node.type === 'directory') dirs.set(e.path, node.entries)
  }
  if (root === undefined) throw new NarError('not-found', `path '${wanted}' does not exist in the archive`)
  return root
}

/** Entry names in archive order (bytes), not JS property order (which puts `"9"` before `"10"`). */
function sortedNames(entries: Record<string, unknown>): string[] {
  return Object.keys(entries).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
}

/**
 * A listing as compact JSON, byte for byte what `nix nar ls --json` prints (entries in archive
 * order, keys `type`, `size`, `executable`, `narOffset`, `target`, `entries`).
 */
export function listingToJson(listing: NarListing | Record<string, never>): string {
  if (!('type' in listing)) return '{}'
  if (listing.type === 'symlink') return `{"type":"symlink","target":${jsonString(listing.target)}}`
  if (listing.type === 'regular') return JSON.stringify(listing)
  const inner = sortedNames(listing.entries)
    .map((name) => `${jsonString(name)}:${listingToJson(listing.entries[name] as NarListing)}`)
  return `{"type":"directory","entries":{${inner.join(',')}}}`
}

/** A JSON string escaped as Nix 2.8's writer does (`\n`, `\r`, `\t`, other controls as `\u00xx`). */
function jsonString(s: string): string {
  // eslint-disable-next-line no-control-regex
  return `"${s.replace(/["\\\x00-\x1f]/g, (c) => {
    if (c === '"' || c === '\\') return `\\${c}`
    if (c === '\n') return '\\n'
    if (c === '\r') return '\\r'
    if (c === '\t') return '\\t'
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  })}"`
}

const MODES = { directory: 'dr-xr-xr-x', symlink: 'lrwxrwxrwx', regular: '-r--r--r--', executable: '-r-xr-xr-x' } as const

/**
 * The text form of `nix nar ls [-l] [-R]` for a listing of `path`: a directory lists its entries
 * as `./name` (recursively with `recursive`), anything else lists itself by its base name.
 * With `long`, each line is `MODE SIZE NAME` (`%s %20d %s`), symlinks with ` -> target`.
 */
export function formatListing(listing: NarListing, path = '/', options: { long?: boolean; recursive?: boolean } = {}): string {
  const lines: string[] = []
  const line = (node: NarListing | Record<string, never>, name: string): void => {
    if (!('type' in node)) return
    if (options.long !== true) {
      lines.push(name)
      return
    }
    const mode = node.type === 'regular' ? (node.executable ? MODES.executable : MODES.regular) : MODES[node.type]
    const size = node.type === 'regular' ? node.size : 0
    lines.push(`${mode} ${String(size).padStart(20)} ${name}${node.type === 'symlink' ? ` -> ${node.target}` : ''}`)
  }
  const walk = (node: NarListing, prefix: string): void => {
    if (node.type !== 'directory') return
    for (const name of sortedNames(node.entries)) {
      const child = node.entries[name] as NarListing | Record<string, never>
      const shown = `${prefix}/${name}`
      line(child, shown)
      if (options.recursive === true && 'type' in child) walk(child as NarListing, shown)
    }
  }
  if (listing.type === 'directory') walk(listing, '.')
  else line(listing, components(path).at(-1) ?? '')
  return lines.map((l) => `${l}\n`).join('')
}

/**
 * Stream the contents of the regular file at `path` inside a NAR (`nix nar cat`). The rest of
 * the archive is still read, so a malformed archive fails even after the file was output.
 * @throws {NarError} `not-found`, `not-regular`, or any reading error.
 */
export async function* catNar(source: AsyncIterable<Uint8Array>, path: string): AsyncGenerator<Uint8Array> {
  const wanted = `/${components(path).join('/')}`
  let found = false
  for await (const e of narEntries(source)) {
    if (e.path !== wanted) continue
    found = true
    if (e.type !== 'regular') throw new NarError('not-regular', `path '${wanted}' is not a regular file`)
    yield* e.body
  }
  if (!found) throw new NarError('not-found', `path '${wanted}' does not exist in the archive`)
}
