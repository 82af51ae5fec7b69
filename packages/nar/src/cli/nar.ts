import { defineCommand, main } from '@tsnix/cli-kit'

await main('nar', defineCommand({
  meta: { name: 'nar', description: 'create, restore and inspect Nix archives (NAR)' },
  subCommands: {
    dump: () => import('../commands/nar-dump.js').then((m) => m.default),
    restore: () => import('../commands/nar-restore.js').then((m) => m.default),
    ls: () => import('../commands/nar-ls.js').then((m) => m.default),
    cat: () => import('../commands/nar-cat.js').then((m) => m.default),
  },
}), { version: '0.1.0' })
