import { UsageError, defineCommand, writeStdout } from '@tsnix/cli-kit'
import { asCliError, formatArgs, pickAlgorithm, pickFormat } from './_shared.js'

/** `hash file`: flat hash of file contents (`nix hash file`, `nix-hash --flat [--truncate]`). */
export default defineCommand({
  meta: { name: 'file', description: 'print the hash of the contents of files (default sha256, SRI)' },
  args: {
    type: { type: 'string', description: 'hash algorithm: md5, sha1, sha256 (default), sha512', valueHint: 'ALGO' },
    ...formatArgs,
    truncate: { type: 'boolean', description: 'fold the digest to 160 bits as nix-hash --truncate (default format then base-16)' },
    files: { type: 'positional', required: true, description: "files to hash ('-' for stdin)" },
  },
  async run({ args }) {
    const algorithm = (await pickAlgorithm(args.type, 'sha256'))!
    const format = pickFormat(args, args.truncate ? 'base16' : 'sri')
    if (args.truncate && format === 'sri') throw new UsageError('--truncate cannot be combined with --sri')
    const { compressHash, createHasher, hashFile, base16Encode, base64Encode, nix32Encode } = await import('@tsnix/hash')
    for (const file of args._) {
      let hash
      try {
        if (file === '-') {
          const hasher = createHasher(algorithm)
          for await (const chunk of process.stdin) hasher.update(chunk as Buffer)
          hash = hasher.digest()
        } else {
          hash = await hashFile(algorithm, file)
        }
      } catch (err) {
        throw asCliError('hash', err)
      }
      let text: string
      if (args.truncate) {
        // As nix-hash: only digests longer than 160 bits are folded (md5 stays as it is).
        const folded = hash.digest.length > 20 ? compressHash(hash.digest, 20) : hash.digest
        text = format === 'base16' ? base16Encode(folded) : format === 'nix32' ? nix32Encode(folded) : base64Encode(folded)
      } else {
        text = hash.format(format)
      }
      await writeStdout(`${text}\n`)
    }
  },
})
