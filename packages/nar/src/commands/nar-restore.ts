import { defineCommand } from '@tsnix/cli-kit'
import { asCliError } from './_shared.js'
import { decodedInput } from './_stream.js'

/** `nar restore DEST`: `nix-store --restore`, strict and safe; zstd-compressed input is decompressed. */
export default defineCommand({
  meta: { name: 'restore', description: 'unpack a NAR (plain or zstd-compressed) read from stdin to DEST, which must not exist (nix-store --restore)' },
  args: { dest: { type: 'positional', required: true, description: 'where to create the file system object' } },
  async run({ args }) {
    const { restoreNar } = await import('../restore.js')
    try {
      await restoreNar(await decodedInput(process.stdin), args.dest)
    } catch (err) {
      throw asCliError('nar', err)
    }
  },
})
