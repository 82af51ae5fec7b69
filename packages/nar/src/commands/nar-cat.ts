import { defineCommand } from '@tsnix/cli-kit'
import { asCliError } from './_shared.js'
import { narInput, pipeToStdout } from './_stream.js'

/** `nar cat NAR PATH`: `nix nar cat`. */
export default defineCommand({
  meta: { name: 'cat', description: 'print the contents of a regular file inside a NAR (nix nar cat)' },
  args: {
    nar: { type: 'positional', required: true, description: "NAR file, plain or zstd-compressed ('-': stdin)" },
    path: { type: 'positional', required: true, description: 'path of a regular file inside the archive' },
  },
  async run({ args }) {
    const { catNar } = await import('../ls.js')
    try {
      await pipeToStdout(catNar(await narInput(args.nar), args.path))
    } catch (err) {
      throw asCliError('nar', err)
    }
  },
})
