import { defineCommand } from '@tsnix/cli-kit'
import { asCliError } from './_shared.js'

/** `nar restore DEST`: `nix-store --restore`, strict and safe. */
export default defineCommand({
  meta: { name: 'restore', description: 'unpack a NAR read from stdin to DEST, which must not exist (nix-store --restore)' },
  args: { dest: { type: 'positional', required: true, description: 'where to create the file system object' } },
  async run({ args }) {
    const { restoreNar } = await import('../restore.js')
    try {
      await restoreNar(process.stdin, args.dest)
    } catch (err) {
      throw asCliError('nar', err)
    }
  },
})
