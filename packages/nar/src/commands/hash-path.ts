import { defineCommand, writeStdout } from '@tsnix/cli-kit'
import { asCliError, formatArgs, pickAlgorithm, pickFormat } from './_shared.js'

/** `hash path`: hash of the NAR serialisation of paths (`nix hash path`, `nix-hash PATH`). */
export default defineCommand({
  meta: { name: 'path', description: 'print the hash of the NAR serialisation of paths (default sha256, SRI)' },
  args: {
    type: { type: 'string', description: 'hash algorithm: md5, sha1, sha256 (default), sha512', valueHint: 'ALGO' },
    ...formatArgs,
    paths: { type: 'positional', required: true, description: 'files, directories or symlinks to hash' },
  },
  async run({ args }) {
    const algorithm = (await pickAlgorithm(args.type, 'sha256'))!
    const format = pickFormat(args, 'sri')
    const { narHashPath } = await import('../hash-path.js')
    for (const path of args._) {
      let hash
      try {
        hash = (await narHashPath(path, algorithm)).hash
      } catch (err) {
        throw asCliError('hash', err)
      }
      await writeStdout(`${hash.format(format)}\n`)
    }
  },
})
