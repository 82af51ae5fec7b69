import { CliError, defineCommand } from '@tsnix/cli-kit'
import { storeArgs } from './shared.js'

export default defineCommand({
  meta: {
    name: 'store-verify',
    description: 'check the Nix store database against the store like nix-store --verify',
  },
  args: {
    'check-contents': { type: 'boolean', description: "recompute every valid path's NAR hash and compare it" },
    ...storeArgs,
  },
  async run({ args }) {
    if ((args._ as string[]).length > 0) {
      const { UsageError } = await import('@tsnix/cli-kit')
      throw new UsageError('no arguments expected')
    }
    const { resolveStoreConfig } = await import('../config.js')
    const { LocalStore } = await import('../local-store.js')
    const store = await LocalStore.open(resolveStoreConfig({ store: args.store }))
    try {
      const result = await store.verify({
        checkContents: args['check-contents'] === true,
        onMessage: (m) => process.stderr.write(`${m.text}\n`),
      })
      if (result.errors) throw new CliError('warning: not all store errors were fixed', 1)
    } finally {
      store.close()
    }
  },
})
