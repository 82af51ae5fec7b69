import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot, runTool } from '../helpers/run.js'

// Every seed example must work: its derivation shows, with the paths real Nix computed.
const examplesDir = join(repoRoot, 'examples')
const examples = readdirSync(examplesDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name)

interface Example { drvPath: string; outputs: Record<string, string> }

describe.each(examples)('example %s', (name) => {
  const dir = join(examplesDir, name)
  const example = JSON.parse(readFileSync(join(dir, 'example.json'), 'utf8')) as Example
  const store = join(dir, 'store')

  it('drv-show --recursive prints the closure with Nix\'s output paths', () => {
    const r = runTool('aterm', 'drv-show', ['--recursive', '--store', store, example.drvPath])
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const shown = JSON.parse(r.stdout.toString()) as Record<string, { outputs: Record<string, { path: string }> }>
    const drvFiles = readdirSync(join(store, 'nix/store')).map((f) => `/nix/store/${f}`).sort()
    expect(Object.keys(shown).sort()).toEqual(drvFiles)
    const outputs = Object.fromEntries(Object.entries(shown[example.drvPath]!.outputs).map(([k, v]) => [k, v.path]))
    expect(outputs).toEqual(example.outputs)
  })

  it('drv-show --format aterm re-prints the .drv byte for byte', () => {
    const bytes = readFileSync(join(store, example.drvPath))
    const r = runTool('aterm', 'drv-show', ['--format', 'aterm', join(store, example.drvPath)])
    expect(r.status).toBe(0)
    expect(r.stdout.equals(bytes) || r.stdout.equals(Buffer.concat([bytes, Buffer.from('\n')]))).toBe(true)
  })
})
