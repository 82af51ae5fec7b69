import { defineCommand } from '@tsnix/cli-kit'
import { asCliError } from './_shared.js'
import { pipeToStdout } from './_stream.js'

/** `nar dump PATH`: `nix-store --dump`. */
export default defineCommand({
  meta: { name: 'dump', description: 'write the NAR serialisation of a path to stdout (nix-store --dump)' },
  args: { path: { type: 'positional', required: true, description: 'file, directory or symlink to serialise' } },
  async run({ args }) {
    const { dumpPath } = await import('../dump.js')
    try {
      await pipeToStdout(dumpPath(args.path))
    } catch (err) {
      throw asCliError('nar', err)
    }
  },
})
