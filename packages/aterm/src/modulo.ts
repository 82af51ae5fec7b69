/**
 * Derivation hashes and paths as Nix 2.8 computes them (src/libstore/derivations.cc):
 * `hashDerivationModulo`, the output paths of every output, and the `.drv` path.
 * Input derivations are fetched through a caller-supplied lookup, so no store is needed.
 */
import {
  DEFAULT_STORE_DIR, Hash, type HashAlgorithm, hashBytes, makeFixedOutputPath, makeOutputPath,
  makeTextPath, outputPathName, parseHashAlgorithm, parseStorePath,
} from '@tsnix/hash'
import { type Derivation, type DerivationOutput, outputKind } from './derivation.js'
import { DerivationError } from './errors.js'
import { parseDerivation } from './parse.js'
import { printDerivation, printDerivationText } from './print.js'
import { stringToBytes } from './bytes.js'

/** What a lookup returns for an input `.drv` path: the parsed derivation or its file bytes/text. */
export type DerivationSource = Derivation | Uint8Array | string

/** Fetch an input derivation by its `.drv` store path (e.g. read it from a store or a map). */
export type DerivationLookup = (drvPath: string) => DerivationSource

/** The kind of a whole derivation (Nix's DerivationType), from the kinds of its outputs. */
export type DerivationKind = 'input-addressed' | 'fixed' | 'floating' | 'deferred' | 'impure'

/** Result of hashDerivationModulo: one hash per output and whether it is deferred. */
export interface DrvHash {
  /** Output name → hash. Fixed-output derivations hash each output on its own. */
  hashes: Record<string, Hash>
  /** `deferred` when some input is content-addressed floating or impure (paths unknown yet). */
  kind: 'regular' | 'deferred'
}

/** A fixed output's content address, parsed. */
export interface FixedOutputHash {
  method: 'flat' | 'recursive'
  hash: Hash
}

const quote = (s: string): string => JSON.stringify(s)

function parseAlgo(hashAlgo: string): { method: 'flat' | 'recursive'; algorithm: HashAlgorithm } {
  const recursive = hashAlgo.startsWith('r:')
  const name = recursive ? hashAlgo.slice(2) : hashAlgo
  try {
    return { method: recursive ? 'recursive' : 'flat', algorithm: parseHashAlgorithm(name) }
  } catch (err) {
    throw new DerivationError('bad-hash', `unknown hash algorithm ${quote(hashAlgo)}`, { cause: err })
  }
}

/**
 * Parse a fixed output's `hashAlgo` (`sha256`, `r:sha256`, ...) and `hash` (base16, nix32 or
 * base64 without prefix, as Nix's parseNonSRIUnprefixed).
 * @throws {DerivationError} `bad-hash`.
 */
export function parseFixedOutputHash(output: DerivationOutput): FixedOutputHash {
  const { method, algorithm } = parseAlgo(output.hashAlgo)
  if (/[:-]/.test(output.hash)) throw new DerivationError('bad-hash', `output hash ${quote(output.hash)} must not have a prefix`)
  try {
    return { method, hash: Hash.parse(output.hash, algorithm) }
  } catch (err) {
    throw new DerivationError('bad-hash', `bad output hash ${quote(output.hash)} for ${quote(output.hashAlgo)}`, { cause: err })
  }
}

/** `r:sha256` / `sha256` as Nix prints a fixed output's method and algorithm. */
export function printMethodAlgo(fixed: FixedOutputHash): string {
  return `${fixed.method === 'recursive' ? 'r:' : ''}${fixed.hash.algorithm}`
}

/**
 * The path of a fixed output as Nix recomputes it (`DerivationOutput::CAFixed::path`).
 * @throws {DerivationError} `bad-hash`; {StorePathError} bad name.
 */
export function fixedOutputPath(output: DerivationOutput, drvName: string, outputName: string, storeDir: string = DEFAULT_STORE_DIR): string {
  const fixed = parseFixedOutputHash(output)
  return makeFixedOutputPath(outputPathName(drvName, outputName), { method: fixed.method, hash: fixed.hash }, storeDir)
}

/**
 * The kind of a derivation as Nix 2.8's `BasicDerivation::type()` decides it.
 * @throws {DerivationError} `no-outputs`, `mixed-outputs`, `bad-fixed-output` (more than one
 *   fixed output, or not named `out`), `bad-hash` (floating outputs with different algorithms).
 */
export function derivationKind(drv: Derivation): DerivationKind {
  const names = Object.keys(drv.outputs)
  if (names.length === 0) throw new DerivationError('no-outputs', 'must have at least one output')
  const kinds = new Set(names.map((n) => outputKind(drv.outputs[n] as DerivationOutput)))
  if (kinds.size > 1) throw new DerivationError('mixed-outputs', `can't mix derivation output types (${[...kinds].join(', ')})`)
  const kind = [...kinds][0] as DerivationKind
  if (kind === 'fixed') {
    if (names.length > 1) throw new DerivationError('bad-fixed-output', 'only one fixed output is allowed')
    if (names[0] !== 'out') throw new DerivationError('bad-fixed-output', 'single fixed output must be named "out"')
  }
  if (kind === 'floating') {
    const algos = new Set(names.map((n) => parseAlgo((drv.outputs[n] as DerivationOutput).hashAlgo).algorithm))
    if (algos.size > 1) throw new DerivationError('bad-hash', 'all floating outputs must use the same hash type')
  }
  return kind
}

/**
 * The derivation name of a `.drv` store path (`/nix/store/<hash>-hello-1.0.drv` → `hello-1.0`).
 * @throws {DerivationError} `bad-input` when it is not a `.drv` store path in `storeDir`.
 */
export function derivationNameFromPath(drvPath: string, storeDir: string = DEFAULT_STORE_DIR): string {
  let name: string
  try {
    name = parseStorePath(drvPath, storeDir).name
  } catch (err) {
    throw new DerivationError('bad-input', `${quote(drvPath)} is not a store path in ${quote(storeDir)}`, { cause: err })
  }
  if (!name.endsWith('.drv')) throw new DerivationError('bad-input', `${quote(drvPath)} is not a derivation (no .drv suffix)`)
  return name.slice(0, -4)
}

/**
 * The name of a derivation from its environment (`env.name`, which `derivation` always sets).
 * @throws {DerivationError} `no-name`.
 */
export function derivationName(drv: Derivation): string {
  const name = Object.hasOwn(drv.env, 'name') ? drv.env['name'] : undefined
  if (name === undefined) throw new DerivationError('no-name', 'derivation has no "name" in its environment; pass the name explicitly')
  return name
}

/**
 * The store path of a derivation's `.drv` file: a text path named `<name>.drv` over the sha256
 * of its ATerm, referencing its input sources and input derivations (Nix's writeDerivation).
 * @throws {DerivationError} `no-name`; {StorePathError} bad name or reference.
 */
export function derivationPath(drv: Derivation, options: { name?: string; storeDir?: string } = {}): string {
  const name = options.name ?? derivationName(drv)
  const references = [...drv.inputSrcs, ...Object.keys(drv.inputDrvs)]
  return makeTextPath(`${name}.drv`, hashBytes('sha256', printDerivation(drv)), references, options.storeDir ?? DEFAULT_STORE_DIR)
}

/**
 * Computes Nix 2.8's derivation hashes and paths, looking input derivations up through a
 * function and memoising each input's hash (as Nix's `drvHashes` cache does). One instance
 * per store dir and lookup; reuse it across many derivations.
 */
export class DerivationHasher {
  readonly storeDir: string
  readonly #lookup: DerivationLookup
  readonly #cache = new Map<string, DrvHash>()

  constructor(lookup: DerivationLookup, options: { storeDir?: string } = {}) {
    this.#lookup = lookup
    this.storeDir = options.storeDir ?? DEFAULT_STORE_DIR
  }

  /**
   * Read an input derivation through the lookup.
   * @throws {DerivationError} `missing-input` when the lookup fails; {AtermError} from parsing.
   */
  derivation(drvPath: string): Derivation {
    let source: DerivationSource
    try {
      source = this.#lookup(drvPath)
    } catch (err) {
      if (err instanceof DerivationError) throw err
      const why = err instanceof Error ? err.message : String(err)
      throw new DerivationError('missing-input', `cannot read input derivation ${quote(drvPath)}: ${why}`, { cause: err })
    }
    if (source === undefined || source === null) throw new DerivationError('missing-input', `input derivation ${quote(drvPath)} not found`)
    return typeof source === 'string' || source instanceof Uint8Array ? parseDerivation(source) : source
  }

  /**
   * Nix's `hashDerivationModulo(drv, maskOutputs)`. A fixed-output derivation hashes to
   * `sha256("fixed:out:<r:algo>:<base16>:<path>")` per output; any other derivation to the
   * sha256 of its ATerm with each input derivation replaced by its own hash modulo (base16),
   * merged and re-sorted, and with its own output paths blanked when `maskOutputs`.
   * @param options.name the derivation name (default `env.name`), used for fixed-output paths.
   * @throws {DerivationError} see {@link derivationKind}, `missing-input`, `missing-output`.
   */
  hashModulo(drv: Derivation, options: { name?: string; maskOutputs?: boolean } = {}): DrvHash {
    const kind = derivationKind(drv)
    const hashes = Object.create(null) as Record<string, Hash>
    if (kind === 'fixed') {
      const name = options.name ?? derivationName(drv)
      for (const [outputName, output] of Object.entries(drv.outputs)) {
        const fixed = parseFixedOutputHash(output)
        const path = makeFixedOutputPath(outputPathName(name, outputName), { method: fixed.method, hash: fixed.hash }, this.storeDir)
        hashes[outputName] = hashBytes('sha256', stringToBytes(`fixed:out:${printMethodAlgo(fixed)}:${fixed.hash.toBase16()}:${path}`))
      }
      return { hashes, kind: 'regular' }
    }
    if (kind === 'impure') {
      const impure = hashBytes('sha256', 'impure')
      for (const outputName of Object.keys(drv.outputs)) hashes[outputName] = impure
      return { hashes, kind: 'deferred' }
    }
    let resultKind: DrvHash['kind'] = kind === 'floating' ? 'deferred' : 'regular'
    const inputs = new Map<string, Set<string>>()
    for (const [drvPath, outputNames] of Object.entries(drv.inputDrvs)) {
      const res = this.pathHashModulo(drvPath)
      if (res.kind === 'deferred') resultKind = 'deferred'
      for (const outputName of outputNames) {
        const h = Object.hasOwn(res.hashes, outputName) ? res.hashes[outputName] : undefined
        if (h === undefined) {
          throw new DerivationError('missing-output', `input derivation ${quote(drvPath)} has no output ${quote(outputName)}`)
        }
        const key = h.toBase16()
        let set = inputs.get(key)
        if (set === undefined) inputs.set(key, (set = new Set()))
        set.add(outputName)
      }
    }
    const text = printDerivationText(drv, { maskOutputs: options.maskOutputs === true, inputs })
    const hash = hashBytes('sha256', stringToBytes(text))
    for (const outputName of Object.keys(drv.outputs)) hashes[outputName] = hash
    return { hashes, kind: resultKind }
  }

  /**
   * The memoised hash modulo of an input derivation (unmasked, named after its path), as
   * Nix's `pathDerivationModulo`.
   */
  pathHashModulo(drvPath: string): DrvHash {
    const cached = this.#cache.get(drvPath)
    if (cached !== undefined) return cached
    const name = derivationNameFromPath(drvPath, this.storeDir)
    const result = this.hashModulo(this.derivation(drvPath), { name, maskOutputs: false })
    this.#cache.set(drvPath, result)
    return result
  }

  /**
   * The path of every output whose path is known: input-addressed outputs from the masked
   * hash modulo (`makeOutputPath`), fixed outputs from their content hash. Floating,
   * deferred and impure outputs have no path yet and are left out.
   * @throws {DerivationError} as {@link hashModulo}; {StorePathError} bad name.
   */
  outputPaths(drv: Derivation, options: { name?: string } = {}): Record<string, string> {
    const name = options.name ?? derivationName(drv)
    const kind = derivationKind(drv)
    const paths = Object.create(null) as Record<string, string>
    if (kind === 'fixed') {
      for (const [outputName, output] of Object.entries(drv.outputs)) paths[outputName] = fixedOutputPath(output, name, outputName, this.storeDir)
      return paths
    }
    if (kind !== 'input-addressed' && kind !== 'deferred') return paths
    const res = this.hashModulo(drv, { name, maskOutputs: true })
    if (res.kind === 'deferred') return paths
    for (const [outputName, hash] of Object.entries(res.hashes)) paths[outputName] = makeOutputPath(outputName, hash, name, this.storeDir)
    return paths
  }

  /** The `.drv` store path of `drv` (see {@link derivationPath}). */
  derivationPath(drv: Derivation, options: { name?: string } = {}): string {
    return derivationPath(drv, { ...options, storeDir: this.storeDir })
  }
}

/**
 * One-shot `hashDerivationModulo`; prefer a shared {@link DerivationHasher} for many calls.
 * @throws {DerivationError} see {@link DerivationHasher.hashModulo}.
 */
export function hashDerivationModulo(
  drv: Derivation,
  options: { lookup: DerivationLookup; maskOutputs?: boolean; name?: string; storeDir?: string },
): DrvHash {
  const { lookup, storeDir, ...rest } = options
  return new DerivationHasher(lookup, storeDir === undefined ? {} : { storeDir }).hashModulo(drv, rest)
}
