import { CliError, UsageError, readInput, splitItems, writeStdout } from '@tsnix/cli-kit'
import type { ReferenceLocation } from '../hash-path.js'
import { isHashPart } from '../scan.js'
import { asCliError } from './_shared.js'

interface Args {
  _: string[]
  candidates?: string | undefined
  all?: boolean | undefined
  json?: boolean | undefined
  '0'?: boolean | undefined
  'store-dir'?: string | undefined
}

/** Candidate lines: store paths (any store directory) or bare hash parts; hash part → what to print. */
function parseCandidates(lines: string[]): Map<string, string> {
  const byHash = new Map<string, string>()
  lines.forEach((line, i) => {
    const base = line.startsWith('/') ? line.slice(line.lastIndexOf('/') + 1) : line
    const hashPart = base.slice(0, 32)
    const ok = isHashPart(hashPart) && (line.startsWith('/') ? base[32] === '-' && base.length > 33 : base.length === 32)
    if (!ok) throw new CliError(`invalid candidate '${line}': not a store path or hash part (line ${i + 1})`)
    // A store path is more useful to print than its bare hash part.
    if (!byHash.has(hashPart) || line.startsWith('/')) byHash.set(hashPart, line)
  })
  return byHash
}

export async function run(args: Args): Promise<void> {
  const paths = args._
  if (args.all === true && args.candidates !== undefined) throw new UsageError('--all and --candidates exclude each other')
  if (args.all !== true && args.candidates === undefined) throw new UsageError('give --candidates FILE (or -) or --all')
  if (paths.length === 0) throw new UsageError('missing PATH to scan')
  if (args.candidates === '-' && paths.includes('-')) throw new UsageError("stdin cannot be both the candidates and a path")
  const sep = args['0'] === true ? '\0' : '\n'
  const hashParts = args.candidates === undefined ? null : parseCandidates(splitItems(await readInput(args.candidates)))
  const storeDir = args['store-dir'] ?? process.env['NIX_STORE_DIR'] ?? '/nix/store'
  if (hashParts === null) {
    const { validateStoreDir } = await import('@tsnix/hash')
    try {
      validateStoreDir(storeDir)
    } catch (err) {
      throw new UsageError((err as Error).message)
    }
  }

  try {
    if (args.json !== true && hashParts !== null) {
      const { scanReferences } = await import('../hash-path.js')
      const found = new Set<string>()
      for (const path of paths) for (const h of await scanReferences(path, [...hashParts.keys()])) found.add(hashParts.get(h) as string)
      await writeStdout([...found].sort().map((p) => p + sep).join(''))
      return
    }
    const { locateReferences, locateStorePaths } = await import('../hash-path.js')
    const byRef = new Map<string, { path: string; hashPart: string; occurrences: (Omit<ReferenceLocation, 'reference' | 'narOffset'> & { root: string })[] }>()
    for (const root of paths) {
      const locs = hashParts === null ? await locateStorePaths(root, storeDir) : await locateReferences(root, [...hashParts.keys()])
      for (const l of locs) {
        const printed = hashParts === null ? l.reference : hashParts.get(l.reference) as string
        let rec = byRef.get(printed)
        if (rec === undefined) {
          const hashPart = hashParts === null ? l.reference.slice(storeDir.length + 1, storeDir.length + 33) : l.reference
          rec = { path: printed, hashPart, occurrences: [] }
          byRef.set(printed, rec)
        }
        rec.occurrences.push({ root, file: l.file, field: l.field, offset: l.offset })
      }
    }
    const sorted = [...byRef.keys()].sort()
    if (args.json === true) await writeStdout(`${JSON.stringify(sorted.map((k) => byRef.get(k)))}\n`)
    else await writeStdout(sorted.map((p) => p + sep).join(''))
  } catch (err) {
    throw asCliError('ref-scan', err)
  }
}
