import type { HashAlgorithm, HashFormat } from '@tsnix/hash'
import { CliError, UsageError } from '@tsnix/cli-kit'

/** Output format flags shared by `hash file` and `hash path`. */
export const formatArgs = {
  base16: { type: 'boolean', description: 'print the hash in base-16 (hex)' },
  base32: { type: 'boolean', description: "print the hash in Nix's base-32" },
  base64: { type: 'boolean', description: 'print the hash in base-64' },
  sri: { type: 'boolean', description: 'print the hash in SRI form (algo-base64)' },
} as const

const FORMAT_FLAGS = [['base16', 'base16'], ['base32', 'nix32'], ['base64', 'base64'], ['sri', 'sri']] as const

/** The one format flag given, or `fallback`. */
export function pickFormat(args: Record<string, unknown>, fallback: HashFormat): HashFormat {
  const chosen = FORMAT_FLAGS.filter(([flag]) => args[flag] === true)
  if (chosen.length > 1) throw new UsageError(`choose one of ${chosen.map(([f]) => `--${f}`).join(', ')}`)
  return chosen[0]?.[1] ?? fallback
}

/** Validate `--type`. */
export async function pickAlgorithm(value: unknown, fallback: HashAlgorithm | undefined): Promise<HashAlgorithm | undefined> {
  if (value === undefined || value === '') return fallback
  const { isHashAlgorithm } = await import('@tsnix/hash')
  if (typeof value !== 'string' || !isHashAlgorithm(value)) {
    throw new UsageError(`unknown hash type '${String(value)}' (one of: md5, sha1, sha256, sha512)`)
  }
  return value
}

/** Positional operands, `-` or none meaning "read them from stdin, one per line". */
export async function operands(positional: readonly string[]): Promise<string[]> {
  if (positional.length > 0 && !(positional.length === 1 && positional[0] === '-')) return [...positional]
  const { readStdin, splitItems } = await import('@tsnix/cli-kit')
  return splitItems(await readStdin())
}

/**
 * Library errors already carry a `component:` prefix; when it is the tool's own name, drop it so
 * the tool prints `nar: bad magic …` rather than `nar: nar: bad magic …`.
 */
export function asCliError(prog: string, err: unknown): unknown {
  if (err instanceof Error && ['NarError', 'HashError', 'StorePathError', 'CompressionError'].includes(err.name)) {
    const prefix = `${prog}: `
    return new CliError(err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message, 1, { cause: err })
  }
  return err
}
