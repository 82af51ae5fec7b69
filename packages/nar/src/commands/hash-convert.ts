import { defineCommand, writeStdout, type CommandDef } from '@tsnix/cli-kit'
import type { HashFormat } from '@tsnix/hash'
import { asCliError, operands, pickAlgorithm } from './_shared.js'

const NAMES: Record<string, string> = { base16: 'base-16', nix32: "Nix's base-32", base64: 'base-64', sri: 'SRI' }

/** `hash to-base16|to-base32|to-base64|to-sri`: like `nix hash to-*` (SRI keeps its prefix, the others print none). */
export function makeConvert(to: string): CommandDef<any> {
  const format = to as HashFormat
  return defineCommand({
    meta: { name: `to-${to === 'nix32' ? 'base32' : to}`, description: `convert hashes to ${NAMES[to]} (operands, or stdin one per line)` },
    args: {
      type: { type: 'string', description: 'hash algorithm of bare hashes (md5, sha1, sha256, sha512)', valueHint: 'ALGO' },
      hashes: { type: 'positional', required: false, description: "hashes ('algo:…', SRI, or bare with --type); '-' or none: stdin" },
    },
    async run({ args }) {
      const algorithm = await pickAlgorithm(args.type, undefined)
      const { Hash } = await import('@tsnix/hash')
      let out = ''
      try {
        for (const text of await operands(args._)) out += `${Hash.parse(text, algorithm).format(format)}\n`
      } catch (err) {
        await writeStdout(out)
        throw asCliError('hash', err)
      }
      await writeStdout(out)
    },
  })
}
