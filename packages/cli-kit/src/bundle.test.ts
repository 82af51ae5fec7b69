import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ModuleKind, ScriptTarget, transpileModule } from 'typescript'
import { afterAll, describe, expect, it } from 'vitest'
import { cacheFor, loadBundle } from './bundle.js'

// Code caches are made and checked in plain `node` children, as the build and the tools run:
// V8 rejects a cache made under other flags (a test runner's process may have some).
const dir = mkdtempSync(join(tmpdir(), 'tsnix-bundle-test-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const loader = join(dir, 'bundle.mjs')
writeFileSync(loader, transpileModule(readFileSync(fileURLToPath(new URL('bundle.ts', import.meta.url)), 'utf8'), {
  compilerOptions: { module: ModuleKind.ESNext, target: ScriptTarget.ES2022 },
}).outputText)

const id = '7a6fe326-80bb-44f7-91b2-7f18377914e7'
const bundle = join(dir, 'tool.bundle.cjs')
writeFileSync(bundle, `const { basename } = require('node:path')
exports.main = async (argv) => { process.stdout.write(basename(__filename) + ' ' + argv.join(',') + '\\n') }
// build ${id}\n`)

/** Run `code` as an ES module file in a plain `node`, with `args` after the script's path. */
function node(code: string, args: string[] = []): { stdout: string; stderr: string } {
  const file = join(dir, 'probe.mjs')
  writeFileSync(file, code)
  const r = spawnSync(process.execPath, [file, ...args], { encoding: 'utf8' })
  return { stdout: r.stdout, stderr: r.stderr }
}

describe('tool bundles', () => {
  it('answer undefined when there is no bundle (the tool then runs from its modules)', () => {
    expect(loadBundle(join(dir, 'no-such.bundle.cjs'))).toBeUndefined()
  })

  it('uses a code cache only with the bundle it was made for (V8 checks only the length)', () => {
    const other = '00000000-80bb-44f7-91b2-7f18377914e7'
    const source = `exports.main = 1\n// build ${id}\n`
    const data = Buffer.from([1, 2, 3])
    expect(cacheFor(source, Buffer.concat([Buffer.from(`${id}\n`), data]))).toEqual(data)
    expect(cacheFor(source, Buffer.concat([Buffer.from(`${other}\n`), data]))).toBeUndefined()
    expect(cacheFor('exports.main = 1\n', Buffer.concat([Buffer.from(`${id}\n`), data]))).toBeUndefined()
    expect(cacheFor(source, undefined)).toBeUndefined()
  })

  it('runs a bundle as CommonJS, with a code cache made after a run accepted by a later one', () => {
    const make = node(`import { writeFileSync } from 'node:fs'
      import { loadBundle } from ${JSON.stringify(loader)}
      const b = loadBundle(${JSON.stringify(bundle)}, false)
      await b.main(['warm'])
      writeFileSync(${JSON.stringify(`${bundle}.cache`)}, Buffer.concat([Buffer.from('${id}\\n'), b.script.createCachedData()]))`)
    expect(make).toEqual({ stdout: 'tool.bundle.cjs warm\n', stderr: '' })
    const use = node(`import { loadBundle } from ${JSON.stringify(loader)}
      const b = loadBundle(${JSON.stringify(bundle)})
      console.log(b.script.cachedDataRejected)`)
    expect(use).toEqual({ stdout: 'false\n', stderr: '' })
    const run = node(`import { pathToFileURL } from 'node:url'
      import { runTool } from ${JSON.stringify(loader)}
      runTool(pathToFileURL(${JSON.stringify(bundle)}), () => { throw new Error('not from the bundle') })`, ['a', 'b'])
    expect(run).toEqual({ stdout: 'tool.bundle.cjs a,b\n', stderr: '' })
  })

  it('runs the tool from its modules when the bundle was not built', () => {
    const modules = join(dir, 'tool-cli.mjs')
    writeFileSync(modules, "export const main = async (argv) => { process.stdout.write('modules ' + argv.join(',') + '\\n') }\n")
    const run = node(`import { pathToFileURL } from 'node:url'
      import { runTool } from ${JSON.stringify(loader)}
      runTool(pathToFileURL(${JSON.stringify(join(dir, 'no-such.bundle.cjs'))}), () => import(${JSON.stringify(modules)}))`, ['a'])
    expect(run).toEqual({ stdout: 'modules a\n', stderr: '' })
  })

  it('refuses a bundle that does not export main', () => {
    const bad = join(dir, 'bad.bundle.cjs')
    writeFileSync(bad, 'exports.run = () => {}\n')
    expect(() => loadBundle(bad)).toThrow(/does not export main/)
  })
})
