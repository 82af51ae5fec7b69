import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot } from '../helpers/run.js'

// Every tool with a CommonJS launcher runs from a one-file bundle with a V8 code cache that the
// build made (scripts/bundle-tool.mjs, loaded by @tsnix/cli-kit/bundle); the bundle must be
// accepted by a plain `node` and answer as the tool's modules do.
interface Tool { name: string; pkg: string; entry: string; bundle: string; modules: string }

const packages = join(repoRoot, 'packages')
const tools: Tool[] = readdirSync(packages).flatMap((name) => {
  const pkg = join(packages, name)
  const bins = (JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { bin?: Record<string, string> }).bin ?? {}
  return Object.entries(bins).filter(([, shim]) => shim.endsWith('.cjs')).map(([tool, shim]) => {
    const required = /^require\('([^']+)'\)$/m.exec(readFileSync(join(pkg, shim), 'utf8'))?.[1] ?? ''
    const entry = join(pkg, 'bin', required)
    // (the entry falls back to `import('./<modules>.js')` when there is no bundle)
    const modules = /import\("\.\/([^"]+)"\)/.exec(existsSync(entry) ? readFileSync(entry, 'utf8') : '')?.[1] ?? ''
    return { name: tool, pkg, entry, bundle: entry.replace(/-bin\.cjs$/, '.bundle.cjs'), modules: join(dirname(entry), modules) }
  })
})

/** Run `code` as an ES module in a plain `node` in `cwd`, where the tool's package resolves. */
function node(code: string, cwd: string): { stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
  return { stdout: r.stdout, stderr: r.stderr }
}

describe('tool bundles', () => {
  it('exist for the tools run thousands of times by scripts', () => {
    expect(tools.map((t) => t.name).sort()).toEqual(
      ['drv-show', 'hash', 'instantiate', 'nar', 'ref-scan', 'store-add', 'store-query', 'store-verify'],
    )
  })

  describe.each(tools)('$name', (tool) => {
    it('is built with a code cache that a plain node accepts', () => {
      expect(existsSync(tool.bundle) && existsSync(`${tool.bundle}.cache`)).toBe(true)
      const probe = `import { loadBundle } from '@tsnix/cli-kit/bundle'
        const b = loadBundle(${JSON.stringify(tool.bundle)})
        console.log(typeof b.main, b.script.cachedDataRejected)`
      expect(node(probe, tool.pkg)).toEqual({ stdout: 'function false\n', stderr: '' })
    })

    it.each([['--help'], ['--version']])('prints %s as its modules do', (flag) => {
      const fromBundle = spawnSync(process.execPath, [tool.entry, flag], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
      const fromModules = node(`import { main } from ${JSON.stringify(tool.modules)}
        await main([${JSON.stringify(flag)}])`, tool.pkg)
      expect(fromBundle.stderr).toBe('')
      expect(fromBundle.stdout).not.toBe('')
      expect({ stdout: fromBundle.stdout, stderr: fromBundle.stderr }).toEqual(fromModules)
    })
  })
})
