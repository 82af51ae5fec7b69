import { UsageError, defineCommand, readStdin, splitItems, writeStdout } from '@tsnix/cli-kit'
import { storeArgs } from './shared.js'

const QUERY_FLAGS = [
  'outputs', 'requisites', 'references', 'referrers', 'referrers-closure', 'deriver', 'valid-derivers',
  'hash', 'size', 'tree', 'graph', 'roots', 'binding', 'resolve',
] as const

export default defineCommand({
  meta: {
    name: 'store-query',
    description: 'query the Nix store database like nix-store --query (same flags, same output)',
  },
  args: {
    outputs: { type: 'boolean', description: 'outputs of derivations (the default query)' },
    requisites: { type: 'boolean', alias: 'R', description: 'closure of the paths, dependencies first' },
    'include-outputs': { type: 'boolean', description: 'with --requisites (and --json -R): add the valid outputs of derivations' },
    references: { type: 'boolean', description: 'immediate references' },
    referrers: { type: 'boolean', alias: 'referers', description: 'immediate referrers' },
    'referrers-closure': { type: 'boolean', alias: 'referers-closure', description: 'closure under the referrers relation' },
    deriver: { type: 'boolean', alias: 'd', description: 'the derivation that produced each path' },
    'valid-derivers': { type: 'boolean', description: 'valid derivations that have each path as an output' },
    hash: { type: 'boolean', description: 'NAR hash (sha256, nix32)' },
    size: { type: 'boolean', description: 'NAR size in bytes' },
    tree: { type: 'boolean', description: 'closure as a tree' },
    graph: { type: 'boolean', description: 'closure as a Graphviz dot graph' },
    roots: { type: 'boolean', description: 'garbage collector roots that keep the paths alive (not supported yet)' },
    binding: { type: 'string', alias: 'b', description: "value of a derivation's environment variable", valueHint: 'NAME' },
    resolve: { type: 'boolean', description: 'print the store path each argument resolves to' },
    'use-output': { type: 'boolean', alias: 'u', description: 'apply the query to the outputs of derivations' },
    json: { type: 'boolean', description: 'path info as JSON (like nix path-info --json; with -R the whole closure)' },
    null: { type: 'boolean', alias: '0', description: 'separate output items with NUL instead of newline' },
    stdin: { type: 'boolean', description: 'read paths from standard input, one per line' },
    ...storeArgs,
    paths: { type: 'positional', required: false, description: 'store paths (or symlinks to them); - for stdin' },
  },
  async run({ args }) {
    const chosen = QUERY_FLAGS.filter((f) => f === 'binding' ? args.binding !== undefined : args[f] === true)
    if (chosen.length > 1) throw new UsageError(`query type '--${chosen[1]}' conflicts with earlier flag '--${chosen[0]}'`)
    const kind = chosen[0] ?? (args.json === true ? undefined : 'outputs')
    if (kind === 'roots') {
      const { StoreError } = await import('../errors.js')
      throw new StoreError('unsupported', '--roots is not supported yet (it needs the garbage collector)')
    }
    const raw = (args._ as string[]).filter((a) => a !== '-0')
    const nul = args.null === true || (args._ as string[]).includes('-0')
    let inputs = raw.filter((a) => a !== '-')
    if (args.stdin === true || raw.includes('-')) inputs = [...inputs, ...splitItems(await readStdin())]
    const { resolveStoreConfig } = await import('../config.js')
    const { followLinksToStorePath } = await import('../paths.js')
    const { StoreDb } = await import('@tsnix/store-db')
    const config = resolveStoreConfig({ store: args.store })
    const db = StoreDb.open(config.dbDir, { readOnly: true, storeDir: config.storeDir })
    try {
      const paths: string[] = []
      for (const i of inputs) paths.push(await followLinksToStorePath(config, i))
      const sep = nul ? '\0' : '\n'
      if (kind === 'resolve') return writeStdout(paths.map((p) => p + sep).join(''))
      if (kind === 'binding') {
        const { parseDerivation } = await import('@tsnix/aterm')
        const { readFile } = await import('node:fs/promises')
        const { toRealPath } = await import('../config.js')
        const { StoreError } = await import('../errors.js')
        const out: string[] = []
        for (const p of paths) {
          const drvPath = p.endsWith('.drv') ? p : db.queryPathInfo(p)?.deriver
          if (drvPath === undefined) throw new StoreError('invalid-path', `deriver of path '${p}' is not known`)
          if (!db.isValidPath(drvPath)) throw new StoreError('invalid-path', `path '${drvPath}' is not valid`)
          const env = parseDerivation(await readFile(toRealPath(config, drvPath))).env
          const value = Object.prototype.hasOwnProperty.call(env, args.binding as string) ? env[args.binding as string] : undefined
          if (value === undefined) throw new StoreError('invalid-path', `derivation '${drvPath}' has no environment binding named '${args.binding}'`)
          out.push(value + sep)
        }
        return writeStdout(out.join(''))
      }
      const { runQuery } = await import('../query.js')
      const options = {
        includeOutputs: args['include-outputs'] === true,
        useOutput: args['use-output'] === true,
        recursive: args.requisites === true,
      }
      if (args.json === true) {
        if (kind !== undefined && kind !== 'requisites') throw new UsageError(`--json cannot be combined with --${kind}`)
        return writeStdout(runQuery(db, 'json', paths, options) as string)
      }
      const result = runQuery(db, kind ?? 'outputs', paths, options)
      await writeStdout(typeof result === 'string' ? result : result.map((l) => l + sep).join(''))
    } finally {
      db.close()
    }
  },
})
