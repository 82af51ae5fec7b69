/**
 * `drv-show`: print store derivations as Nix's JSON (or re-print their ATerm).
 * Kept tiny: the argument parser and the library load only when a command runs.
 */
import { defineCommand, main as runCommand } from '@tsnix/cli-kit'
import { AtermError, DerivationError } from './errors.js'

const command = defineCommand({
  meta: {
    name: 'drv-show',
    version: '0.1.0',
    description: 'show store derivations (.drv files) as Nix 2.8 `nix show-derivation` JSON, or as ATerm',
  },
  args: {
    paths: { type: 'positional', required: false, description: '.drv paths; - reads one ATerm derivation from stdin', valueHint: 'DRV' },
    recursive: { type: 'boolean', alias: 'r', description: 'also show the input derivations, recursively (read from the store)' },
    stdin: { type: 'boolean', description: 'read .drv paths from stdin, one per line' },
    format: { type: 'string', description: 'json (Nix 2.8, as `| jq -S .` prints it), v4 (upstream `nix derivation show`) or aterm', valueHint: 'FORMAT', default: 'json' },
    store: { type: 'string', description: 'store root: files are read from DIR/nix/store/... (default: the system store if /nix/var/nix/db exists, else $XDG_DATA_HOME/tsnix)', valueHint: 'DIR' },
    check: { type: 'boolean', description: 'recompute output paths and .drv paths and fail (exit 1) when they differ from the stored ones' },
  },
  async run({ args }) {
    const { drvShow } = await import('./_drv-show.js')
    await drvShow({
      items: args._.map(String),
      recursive: args.recursive === true,
      stdin: args.stdin === true,
      format: String(args.format),
      store: args.store === undefined ? undefined : String(args.store),
      check: args.check === true,
    })
  },
})

/** Run `drv-show` on `argv` (the arguments after the program name). */
export function main(argv: string[]): Promise<void> {
  return runCommand('drv-show', command, { version: '0.1.0', argv, expected: [AtermError, DerivationError] })
}
