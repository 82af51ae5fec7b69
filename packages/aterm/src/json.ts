/** Derivation JSON (see _json-core.ts for the two shapes), with fixed outputs resolved. */
import type { Derivation } from './derivation.js'
import {
  type DerivationJsonFormat, type DerivationJsonOptions, type FixedOutputResolver, type JsonValue,
  derivationToJsonWith, formatDerivationsJsonWith,
} from './_json-core.js'
import { fixedOutputPath, parseFixedOutputHash } from './modulo.js'

export { type DerivationJsonFormat, type DerivationJsonOptions, type JsonStyle, type JsonValue, stringifyJson } from './_json-core.js'

/** @internal Fixed-output facts for JSON, computed with @tsnix/hash. */
export const resolveFixedOutput: FixedOutputResolver = (output, drvName, outputName, storeDir) => {
  const fixed = parseFixedOutputHash(output)
  return {
    path: fixedOutputPath(output, drvName, outputName, storeDir),
    base16: fixed.hash.toBase16(),
    algorithm: fixed.hash.algorithm,
    method: fixed.method,
  }
}

/**
 * The JSON object Nix prints for one derivation (without the outer `{drvPath: ...}`).
 * Strings are display strings: invalid UTF-8 replaced by U+FFFD as jq does. Fixed outputs
 * show the path recomputed from their hash, as Nix does.
 * @throws {DerivationError} `bad-hash` for a fixed output with a bad hash, `bad-input` for
 *   structured attrs that are not JSON (v4).
 */
export function derivationToJson(drv: Derivation, options: DerivationJsonOptions): Record<string, JsonValue> {
  return derivationToJsonWith(drv, options, resolveFixedOutput)
}

/**
 * The whole document Nix prints for a set of derivations: `{ "<drvPath>": {...}, ... }`,
 * sorted, 2-space indented, with a final newline: byte for byte what
 * `nix show-derivation PATHS | jq -S .` (`nix-2.8`) or `nix derivation show PATHS` (`v4`) print.
 * @throws {DerivationError} see {@link derivationToJson}.
 */
export function formatDerivationsJson(
  entries: Iterable<readonly [drvPath: string, drv: Derivation, name: string]>,
  options: { format?: DerivationJsonFormat; storeDir?: string } = {},
): string {
  return formatDerivationsJsonWith(entries, options, resolveFixedOutput)
}
