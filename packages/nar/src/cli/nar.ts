import { defineCommand, main as runCommand } from '@tsnix/cli-kit'

const command = defineCommand({
  meta: { name: 'nar', description: 'create, restore and inspect Nix archives (NAR)' },
  subCommands: {
    dump: () => import('../commands/nar-dump.js').then((m) => m.default),
    restore: () => import('../commands/nar-restore.js').then((m) => m.default),
    ls: () => import('../commands/nar-ls.js').then((m) => m.default),
    cat: () => import('../commands/nar-cat.js').then((m) => m.default),
  },
})

/** Run `nar` on `argv` (the arguments after the program name). */
export function main(argv: string[]): Promise<void> {
  return runCommand('nar', command, { version: '0.1.0', argv })
}
