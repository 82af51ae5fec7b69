/**
 * Derivation JSON in two shapes (this module does no hashing; json.ts adds fixed outputs):
 * - `nix-2.8`: `nix show-derivation` of Nix 2.8 (src/nix/show-derivation.cc), printed as
 *   `nix show-derivation | jq -S .` prints it: keys sorted by bytes, 2-space indent, jq's
 *   string escapes, invalid UTF-8 replaced by U+FFFD the way jq does;
 * - `v4`: upstream `nix derivation show` before store paths became base names (late 2025):
 *   adds `name`, `inputDrvs` entries `{dynamicOutputs, outputs}`, fixed outputs as
 *   `{hash, hashAlgo, method, path}`, and structured attrs as `structuredAttrs` (nlohmann's
 *   escapes: DEL is not escaped).
 */
import { compareByteStrings, jqDisplayString } from './bytes.js'
import { type Derivation, type DerivationOutput, outputKind } from './derivation.js'
import { DerivationError } from './errors.js'

/** @internal What JSON needs to know about a fixed output (computed with @tsnix/hash). */
export interface FixedOutputInfo { path: string; base16: string; algorithm: string; method: 'flat' | 'recursive' }

/** @internal Resolves fixed outputs; kept out of this module so the CLI loads hashing only when needed. */
export type FixedOutputResolver = (output: DerivationOutput, drvName: string, outputName: string, storeDir: string | undefined) => FixedOutputInfo

/** A JSON value. Object key order is irrelevant: {@link stringifyJson} sorts keys by bytes. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

/** Which derivation JSON shape to produce. */
export type DerivationJsonFormat = 'nix-2.8' | 'v4'

/** Options of {@link derivationToJson}. */
export interface DerivationJsonOptions {
  /** Default `nix-2.8`. */
  format?: DerivationJsonFormat
  /** The derivation name (from its path: `<hash>-<name>.drv`); used for fixed-output paths and `name`. */
  name: string
  storeDir?: string
}

const record = (): Record<string, JsonValue> => Object.create(null) as Record<string, JsonValue>
const METHOD_NAME: Record<string, string> = { flat: 'flat', recursive: 'nar' }

function outputJson(output: DerivationOutput, outputName: string, options: DerivationJsonOptions, v4: boolean, fixedInfo: FixedOutputResolver): Record<string, JsonValue> {
  const res = record()
  const s = jqDisplayString
  switch (outputKind(output)) {
    case 'input-addressed':
      res['path'] = s(output.path)
      break
    case 'fixed': {
      const fixed = fixedInfo(output, options.name, outputName, options.storeDir)
      res['path'] = fixed.path
      res['hash'] = fixed.base16
      if (v4) {
        res['hashAlgo'] = fixed.algorithm
        res['method'] = METHOD_NAME[fixed.method] as string
      } else {
        res['hashAlgo'] = `${fixed.method === 'recursive' ? 'r:' : ''}${fixed.algorithm}`
      }
      break
    }
    case 'floating':
    case 'impure': {
      const recursive = output.hashAlgo.startsWith('r:')
      if (v4) {
        res['hashAlgo'] = s(recursive ? output.hashAlgo.slice(2) : output.hashAlgo)
        res['method'] = recursive ? 'nar' : 'flat'
      } else {
        res['hashAlgo'] = s(output.hashAlgo)
      }
      if (output.hash === 'impure') res['impure'] = true
      break
    }
    case 'deferred':
      break
  }
  return res
}

/** @internal {@link derivationToJson} with the fixed-output resolver passed in. */
export function derivationToJsonWith(drv: Derivation, options: DerivationJsonOptions, fixedInfo: FixedOutputResolver): Record<string, JsonValue> {
  const v4 = options.format === 'v4'
  const s = jqDisplayString
  const res = record()
  const outputs = record()
  for (const name of Object.keys(drv.outputs).sort(compareByteStrings)) {
    outputs[s(name)] = outputJson(drv.outputs[name] as DerivationOutput, name, options, v4, fixedInfo)
  }
  res['outputs'] = outputs
  res['inputSrcs'] = drv.inputSrcs.map(s)
  const inputDrvs = record()
  for (const path of Object.keys(drv.inputDrvs).sort(compareByteStrings)) {
    const outs = (drv.inputDrvs[path] ?? []).map(s)
    inputDrvs[s(path)] = v4 ? { dynamicOutputs: record(), outputs: outs } : outs
  }
  res['inputDrvs'] = inputDrvs
  res['system'] = s(drv.system)
  res['builder'] = s(drv.builder)
  res['args'] = drv.args.map(s)
  const env = record()
  let structured: JsonValue | undefined
  for (const key of Object.keys(drv.env).sort(compareByteStrings)) {
    const value = drv.env[key] as string
    if (v4 && key === '__json') {
      try {
        structured = JSON.parse(s(value)) as JsonValue
        continue
      } catch (err) {
        throw new DerivationError('bad-input', `structured attributes (__json) are not valid JSON: ${(err as Error).message}`)
      }
    }
    env[s(key)] = s(value)
  }
  res['env'] = env
  if (v4) {
    res['name'] = s(options.name)
    if (structured !== undefined) res['structuredAttrs'] = structured
  }
  return res
}

/** String escapes of the two printers Nix output goes through. */
export type JsonStyle = 'jq' | 'nlohmann'

const ESCAPE = /["\\\u0000-\u001f\u007f]/g
const ESCAPE_NO_DEL = /["\\\u0000-\u001f]/g
const NAMED: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' }
const escapeChar = (c: string): string => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`

function quoteJson(text: string, style: JsonStyle): string {
  return `"${text.replace(style === 'jq' ? ESCAPE : ESCAPE_NO_DEL, escapeChar)}"`
}

/**
 * Print JSON as `jq -S .` (style `jq`) or nlohmann's `dump(2)` (style `nlohmann`) do:
 * 2-space indent, `"key": value`, `{}`/`[]` when empty, object keys sorted by UTF-8 bytes,
 * non-ASCII unescaped. jq also escapes DEL as `\u007f`. No trailing newline.
 */
export function stringifyJson(value: JsonValue, style: JsonStyle = 'jq', indent = ''): string {
  if (value === null) return 'null'
  if (typeof value === 'string') return quoteJson(value, style)
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null'
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  const inner = `${indent}  `
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]'
    return `[\n${value.map((v) => inner + stringifyJson(v, style, inner)).join(',\n')}\n${indent}]`
  }
  const keys = Object.keys(value).sort(compareByteStrings)
  if (keys.length === 0) return '{}'
  return `{\n${keys.map((k) => `${inner}${quoteJson(k, style)}: ${stringifyJson(value[k] as JsonValue, style, inner)}`).join(',\n')}\n${indent}}`
}

/** @internal {@link formatDerivationsJson} with the fixed-output resolver passed in. */
export function formatDerivationsJsonWith(
  entries: Iterable<readonly [drvPath: string, drv: Derivation, name: string]>,
  options: { format?: DerivationJsonFormat; storeDir?: string },
  fixedInfo: FixedOutputResolver,
): string {
  const doc = record()
  for (const [drvPath, drv, name] of entries) {
    doc[jqDisplayString(drvPath)] = derivationToJsonWith(drv, { ...options, name }, fixedInfo)
  }
  return `${stringifyJson(doc, options.format === 'v4' ? 'nlohmann' : 'jq')}\n`
}
