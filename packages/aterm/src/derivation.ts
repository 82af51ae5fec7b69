/**
 * The derivation model: exactly what a .drv file holds, as byte strings (see bytes.ts).
 * Keyed collections are plain objects; their key order does not matter (printing sorts by
 * bytes, as Nix's std::map does). Parsed objects have a null prototype, so any key
 * (`__proto__` too) is an ordinary entry.
 */

/**
 * One output as the three ATerm fields hold it; an empty string means "absent".
 * - input-addressed: `path` set, `hashAlgo` and `hash` empty;
 * - fixed-output: `path`, `hashAlgo` (`sha256`, or `r:sha256` for a NAR hash) and `hash` (base16);
 * - floating content-addressed: only `hashAlgo`; deferred: all empty; impure: `hash` = `impure`.
 */
export interface DerivationOutput {
  path: string
  hashAlgo: string
  hash: string
}

/** A store derivation: the contents of a `.drv` file. */
export interface Derivation {
  /** Output name → output. */
  outputs: Record<string, DerivationOutput>
  /** Input derivation path → names of the outputs used (sorted, unique). */
  inputDrvs: Record<string, string[]>
  /** Input source store paths (sorted, unique). */
  inputSrcs: string[]
  /** The platform, e.g. `x86_64-linux` (Nix calls it `platform`). */
  system: string
  builder: string
  args: string[]
  /** Environment variables of the build. */
  env: Record<string, string>
}

/** The kind of an output, from which of its fields are set (Nix's DerivationOutput variants). */
export type OutputKind = 'input-addressed' | 'fixed' | 'floating' | 'deferred' | 'impure'

/** Classify an output the way Nix 2.8's parser does. */
export function outputKind(output: DerivationOutput): OutputKind {
  if (output.hashAlgo !== '') {
    if (output.hash === 'impure') return 'impure'
    return output.hash !== '' ? 'fixed' : 'floating'
  }
  return output.path === '' ? 'deferred' : 'input-addressed'
}

/** A null-prototype record, safe for any key. */
export function emptyRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>
}
