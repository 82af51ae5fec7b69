import { defineCommand, UsageError } from '@tsnix/cli-kit'
import { asCliError } from './_shared.js'
import { pipeToStdout } from './_stream.js'

/** Parse `--level`: an integer (range checked against zstd once it is loaded). */
function parseLevel(value: unknown): number | undefined {
  if (value === undefined) return undefined
  const text = String(value)
  if (!/^-?[0-9]+$/.test(text)) throw new UsageError(`invalid --level '${text}': expected an integer`)
  return Number(text)
}

/** `nar dump PATH`: `nix-store --dump`, optionally zstd-compressed. */
export default defineCommand({
  meta: { name: 'dump', description: 'write the NAR serialisation of a path to stdout (nix-store --dump)' },
  args: {
    path: { type: 'positional', required: true, description: 'file, directory or symlink to serialise' },
    compress: { type: 'string', description: "compress the NAR: 'zstd' or 'none' (default)", valueHint: 'METHOD' },
    level: { type: 'string', description: 'zstd compression level: 1..22, negative for faster (default 3, as Nix)', valueHint: 'N' },
  },
  async run({ args }) {
    const method = args.compress ?? 'none'
    if (method !== 'zstd' && method !== 'none') throw new UsageError(`unsupported --compress '${method}' (one of: zstd, none)`)
    const level = parseLevel(args.level)
    if (level !== undefined && method !== 'zstd') throw new UsageError('--level needs --compress zstd')
    const { dumpPath } = await import('../dump.js')
    try {
      if (method === 'zstd') {
        const { zstdCompress, loadZstd } = await import('../_zstd.js')
        // Fail before reading anything when zstd is unavailable or the level is out of range.
        const z = await loadZstd()
        if (level !== undefined && (level === 0 || level < z.minCLevel() || level > z.maxCLevel())) {
          throw new UsageError(`invalid --level ${level}: must be from 1 to ${z.maxCLevel()}, or negative down to ${z.minCLevel()}`)
        }
        await pipeToStdout(zstdCompress(dumpPath(args.path), level === undefined ? {} : { level }))
      } else {
        await pipeToStdout(dumpPath(args.path))
      }
    } catch (err) {
      throw asCliError('nar', err)
    }
  },
})
