import { defineCommand, main as runCommand } from '@tsnix/cli-kit'

const convert = (to: string) => () => import('../commands/hash-convert.js').then((m) => m.makeConvert(to))

const command = defineCommand({
  meta: { name: 'hash', description: 'compute and convert Nix hashes (flat, NAR, base16/base32/base64/SRI)' },
  subCommands: {
    'to-base16': convert('base16'),
    'to-base32': convert('nix32'),
    'to-base64': convert('base64'),
    'to-sri': convert('sri'),
    file: () => import('../commands/hash-file.js').then((m) => m.default),
    path: () => import('../commands/hash-path.js').then((m) => m.default),
  },
})

/** Run `hash` on `argv` (the arguments after the program name). */
export function main(argv: string[]): Promise<void> {
  return runCommand('hash', command, { version: '0.1.0', argv })
}
