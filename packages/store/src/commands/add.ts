import { UsageError, defineCommand, readInput, writeStdout } from '@tsnix/cli-kit'
import { storeArgs } from './shared.js'

export default defineCommand({
  meta: {
    name: 'store-add',
    description: 'add files to the Nix store like nix-store --add / --add-fixed, or text with references',
  },
  args: {
    fixed: { type: 'string', description: 'add as a fixed-output path hashed with ALGO (nix-store --add-fixed ALGO)', valueHint: 'ALGO' },
    recursive: { type: 'boolean', description: 'with --fixed: hash the NAR serialisation instead of the file contents' },
    text: { type: 'string', description: 'add the contents of the one FILE (or - for stdin) as a text path named NAME', valueHint: 'NAME' },
    ref: { type: 'string', description: 'with --text: a store path the text refers to (repeatable)', valueHint: 'PATH' },
    null: { type: 'boolean', alias: '0', description: 'separate printed paths with NUL instead of newline' },
    ...storeArgs,
    paths: { type: 'positional', required: false, description: 'files or directories to add' },
  },
  async run({ args, rawArgs }) {
    const inputs = (args._ as string[]).filter((a) => a !== '-0')
    const sep = args.null === true || (args._ as string[]).includes('-0') ? '\0' : '\n'
    const refs: string[] = []
    for (let i = 0; i < rawArgs.length; i++) {
      const a = rawArgs[i] as string
      if (a === '--') break
      if (a === '--ref' && i + 1 < rawArgs.length) refs.push(rawArgs[++i] as string)
      else if (a.startsWith('--ref=')) refs.push(a.slice(6))
    }
    if (args.text === undefined && refs.length > 0) throw new UsageError('--ref needs --text')
    if (args.recursive === true && args.fixed === undefined) throw new UsageError('--recursive needs --fixed ALGO')
    if (args.text !== undefined && args.fixed !== undefined) throw new UsageError('--text and --fixed cannot be combined')
    if (args.text !== undefined && inputs.length !== 1) throw new UsageError('--text takes exactly one FILE (or -)')
    const { parseHashAlgorithm } = await import('@tsnix/hash')
    let algorithm
    if (args.fixed !== undefined) {
      try {
        algorithm = parseHashAlgorithm(args.fixed)
      } catch {
        throw new UsageError(`unknown hash algorithm '${args.fixed}'`)
      }
    }
    const { resolveStoreConfig } = await import('../config.js')
    const { LocalStore } = await import('../local-store.js')
    const store = await LocalStore.open(resolveStoreConfig({ store: args.store }))
    try {
      if (args.text !== undefined) {
        const path = await store.addText(args.text, await readInput(inputs[0] as string), refs)
        return writeStdout(path + sep)
      }
      for (const input of inputs) {
        const path = args.fixed === undefined
          ? await store.addPath(input)
          : await store.addPath(input, { method: args.recursive === true ? 'recursive' : 'flat', ...(algorithm ? { algorithm } : {}) })
        await writeStdout(path + sep)
      }
    } finally {
      store.close()
    }
  },
})
