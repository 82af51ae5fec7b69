/**
 * @tsnix/aterm — Nix store derivations (`.drv` files), byte-compatible with Nix 2.8.
 *
 * The ATerm format `Derive([outputs],[inputDrvs],[inputSrcs],system,builder,[args],[env])`
 * (Nix src/libstore/derivations.cc: parseDerivation / unparse), derivation JSON
 * (src/nix/show-derivation.cc), hashDerivationModulo, output paths and the `.drv` path.
 * Strings are byte strings: UTF-8 with stray bytes kept as U+DC80..U+DCFF (see bytes.ts).
 */
export {
  bytesToString,
  stringToBytes,
  byteLength,
  compareByteStrings,
  isValidUtf8String,
  displayString,
  jqDisplayString,
} from './bytes.js'
export { type Derivation, type DerivationOutput, type OutputKind, outputKind } from './derivation.js'
export { AtermError, type AtermErrorCode, DerivationError, type DerivationErrorCode } from './errors.js'
export { parseDerivation } from './parse.js'
export { printDerivation } from './print.js'
export {
  type DerivationSource,
  type DerivationLookup,
  type DerivationKind,
  type DrvHash,
  type FixedOutputHash,
  parseFixedOutputHash,
  printMethodAlgo,
  fixedOutputPath,
  derivationKind,
  derivationNameFromPath,
  derivationName,
  derivationPath,
  DerivationHasher,
  hashDerivationModulo,
} from './modulo.js'
export {
  type JsonValue,
  type DerivationJsonFormat,
  type DerivationJsonOptions,
  type JsonStyle,
  derivationToJson,
  stringifyJson,
  formatDerivationsJson,
} from './json.js'
