/**
 * ATerm printer (Nix 2.8 `Derivation::unparse`). Nix escapes only builder, args and env
 * (printString: `"` `\` LF CR TAB); output names and fields, input paths, output-name lists,
 * sources and system are written verbatim (printUnquotedString). Keys and sets are sorted by bytes.
 */
import { compareByteStrings, stringToBytes } from './bytes.js'
import type { Derivation } from './derivation.js'
import { DerivationError } from './errors.js'

const ESCAPES = /["\\\n\r\t]/g
const escapeChar = (c: string): string => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\${c}`)

function escaped(s: string): string {
  return `"${s.replace(ESCAPES, escapeChar)}"`
}

function verbatim(s: string, what: string): string {
  if (s.includes('"')) {
    throw new DerivationError('bad-input', `cannot print ${what} ${JSON.stringify(s)}: Nix writes it unescaped, so it must not contain '"'`)
  }
  return `"${s}"`
}

function sortedKeys(record: Record<string, unknown>): string[] {
  return Object.keys(record).sort(compareByteStrings)
}

function sortedSet(values: readonly string[]): string[] {
  const sorted = [...values].sort(compareByteStrings)
  return sorted.filter((v, i) => i === 0 || v !== sorted[i - 1])
}

/** @internal Options of the printer used by hashDerivationModulo. */
export interface PrintOptions {
  /** Blank the output paths and the env entries named like outputs (Nix's maskOutputs). */
  maskOutputs?: boolean
  /** Print these (hash → output names) instead of the input derivations. */
  inputs?: Map<string, Set<string>>
}

/** @internal The ATerm as a byte string. */
export function printDerivationText(drv: Derivation, options: PrintOptions = {}): string {
  const mask = options.maskOutputs === true
  const parts: string[] = ['Derive([']
  sortedKeys(drv.outputs).forEach((name, i) => {
    const o = drv.outputs[name]
    if (o === undefined) return
    if (i > 0) parts.push(',')
    parts.push('(', verbatim(name, 'output name'), ',', verbatim(mask ? '' : o.path, 'output path'), ',',
      verbatim(o.hashAlgo, 'output hash algorithm'), ',', verbatim(o.hash, 'output hash'), ')')
  })
  parts.push('],[')
  const inputs: [string, readonly string[]][] = options.inputs !== undefined
    ? [...options.inputs.entries()].sort((a, b) => compareByteStrings(a[0], b[0])).map(([k, v]) => [k, [...v]])
    : sortedKeys(drv.inputDrvs).map((k) => [k, drv.inputDrvs[k] ?? []])
  inputs.forEach(([path, outs], i) => {
    if (i > 0) parts.push(',')
    parts.push('(', verbatim(path, 'input derivation'), ',[', sortedSet(outs).map((o) => verbatim(o, 'output name')).join(','), '])')
  })
  parts.push('],[', sortedSet(drv.inputSrcs).map((s) => verbatim(s, 'input source')).join(','), '],')
  parts.push(verbatim(drv.system, 'system'), ',', escaped(drv.builder), ',[', drv.args.map(escaped).join(','), '],[')
  sortedKeys(drv.env).forEach((key, i) => {
    if (i > 0) parts.push(',')
    const value = mask && Object.hasOwn(drv.outputs, key) ? '' : (drv.env[key] as string)
    parts.push('(', escaped(key), ',', escaped(value), ')')
  })
  parts.push('])')
  return parts.join('')
}

/**
 * Print a derivation as the exact bytes of its `.drv` file (Nix 2.8's `unparse`).
 * Keys and sets are sorted by bytes and sets de-duplicated, as Nix's containers do.
 * @throws {DerivationError} `bad-input` when a verbatim field (output name or field, input
 *   path, source, system) contains `"`, which Nix cannot write either.
 */
export function printDerivation(drv: Derivation): Uint8Array {
  return stringToBytes(printDerivationText(drv))
}
