import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import {
  DerivationHasher, derivationNameFromPath, derivationPath, formatDerivationsJson, parseDerivation,
  printDerivation,
} from './index.js'

const golden = fileURLToPath(new URL('../../../../shared/golden/drv/', import.meta.url))
const seeds = fileURLToPath(new URL('../../../../shared/seeds/', import.meta.url))

interface Case {
  drvPath: string
  outputs: Record<string, string>
  drvs: Record<string, string>
  show: Record<string, unknown>
  pairedWith?: string
}

const cases = readdirSync(golden, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort()
const load = (name: string): Case => JSON.parse(readFileSync(`${golden}${name}/expected.json`, 'utf8')) as Case

/** An oracle for `jq -S .` built only from JSON.stringify: sort keys, then jq's extra DEL escape. */
function jqSorted(value: unknown): string {
  const sortDeep = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortDeep)
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortDeep((v as Record<string, unknown>)[k])]))
    }
    return v
  }
  return `${JSON.stringify(sortDeep(value), null, 2).replace(/\u007f/g, '\\u007f')}\n`
}

const onPath = (p: string): boolean => (process.env['PATH'] ?? '').split(':').some((d) => d !== '' && existsSync(`${d}/${p}`))

describe.each(cases)('golden drv case %s', (name) => {
  const c = load(name)
  const lookup = (p: string): string => {
    const text = c.drvs[p]
    if (text === undefined) throw new Error(`not in the case: ${p}`)
    return text
  }
  const hasher = new DerivationHasher(lookup)

  it('parses and prints every .drv byte for byte', () => {
    expect(Object.keys(c.drvs).length).toBeGreaterThan(0)
    for (const text of Object.values(c.drvs)) {
      const bytes = Buffer.from(text, 'utf8')
      expect(Buffer.from(printDerivation(parseDerivation(bytes))).equals(bytes)).toBe(true)
    }
  })

  it('recomputes every .drv path and every output path', () => {
    for (const [path, text] of Object.entries(c.drvs)) {
      const drv = parseDerivation(text)
      const drvName = derivationNameFromPath(path)
      expect(derivationPath(drv, { name: drvName })).toBe(path)
      const stored = Object.fromEntries(Object.entries(drv.outputs).map(([o, v]) => [o, v.path]))
      expect(Object.keys(stored).length).toBeGreaterThan(0)
      expect({ ...hasher.outputPaths(drv, { name: drvName }) }).toEqual(stored)
    }
    const top = parseDerivation(lookup(c.drvPath))
    expect({ ...hasher.outputPaths(top, { name: derivationNameFromPath(c.drvPath) }) }).toEqual(c.outputs)
  })

  it('prints the JSON of nix show-derivation -r (as jq -S . sorts it)', () => {
    const entries = Object.entries(c.drvs).map(([p, t]) => [p, parseDerivation(t), derivationNameFromPath(p)] as const)
    const text = formatDerivationsJson(entries)
    expect(JSON.parse(text)).toEqual(c.show)
    expect(text).toBe(jqSorted(c.show))
  })

})

const paired = cases.filter((n) => load(n).pairedWith !== undefined)

describe('paired fixed-output cases', () => {
  it('exist', () => { expect(paired.length).toBeGreaterThanOrEqual(2) })
  it.each(paired)('%s gives the same output paths as its pair', (name) => {
    const c = load(name)
    const other = load(c.pairedWith as string)
    expect(c.drvPath).not.toBe(other.drvPath)
    expect(c.outputs).toEqual(other.outputs)
    const outputsOf = (k: Case): Record<string, string> =>
      ({ ...new DerivationHasher((p) => k.drvs[p] as string).outputPaths(parseDerivation(k.drvs[k.drvPath] as string), { name: derivationNameFromPath(k.drvPath) }) })
    expect(outputsOf(c)).toEqual(c.outputs)
    expect(outputsOf(c)).toEqual(outputsOf(other))
  })
})

describe.runIf(onPath('jq'))('JSON text against real jq -S', () => {
  it.each(cases)('%s', (name) => {
    const c = load(name)
    // Nix's own key order is what `show` kept; jq re-sorts it.
    const r = spawnSync('jq', ['-S', '.'], { input: JSON.stringify(c.show, null, 2) })
    expect(r.status).toBe(0)
    const entries = Object.entries(c.drvs).map(([p, t]) => [p, parseDerivation(t), derivationNameFromPath(p)] as const)
    expect(formatDerivationsJson(entries)).toBe(r.stdout.toString('utf8'))
  })
})

describe('v4 JSON matches what seeds/003 prints', () => {
  const file = readdirSync(seeds).find((f) => f.startsWith('003_'))
  const text = readFileSync(`${seeds}${file}`, 'utf8')
  // The JSON blocks printed after each `derivation show` command, up to the closing `}` line.
  const blocks: string[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    if (!/derivation show \/nix\/store\//.test(lines[i] as string) || lines[i + 1] !== '{') continue
    const end = lines.indexOf('}', i + 1)
    blocks.push(`${lines.slice(i + 1, end + 1).join('\n')}\n`)
  }
  const allDrvs: Record<string, string> = {}
  for (const name of cases.filter((n) => n.startsWith('seed-'))) Object.assign(allDrvs, load(name).drvs)

  it('finds the three blocks of the seed', () => {
    expect(blocks.length).toBe(3)
  })
  it.each(blocks.map((b, i) => [i, b] as const))('block %i', (_i, block) => {
    const drvPath = Object.keys(JSON.parse(block) as object)[0] as string
    const drvText = allDrvs[drvPath]
    expect(drvText).toBeDefined()
    const out = formatDerivationsJson([[drvPath, parseDerivation(drvText as string), derivationNameFromPath(drvPath)]], { format: 'v4' })
    expect(out).toBe(block)
  })
})
