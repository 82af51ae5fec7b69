import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const bundle = fileURLToPath(new URL('../dist/instantiate.bundle.cjs', import.meta.url))

// The build bundles the tool (scripts/bundle.mjs); the loader is @tsnix/cli-kit/bundle.
describe.skipIf(!existsSync(bundle))('the instantiate bundle', () => {
  // the tool's entry is CommonJS (an ES module entry costs ≈ 10 ms of start-up)
  it('runs the tool through the CommonJS entry', () => {
    const bin = fileURLToPath(new URL('../bin/instantiate.cjs', import.meta.url))
    const r = spawnSync(process.execPath, [bin, '--eval', '-E', '1 + 2'], { encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe('3\n')
  })

  // a plain `node` (as the tool runs) must accept the code cache the build made
  it('loads with a code cache V8 accepts', () => {
    const probe = `import { loadBundle } from '@tsnix/cli-kit/bundle'
      const b = loadBundle(${JSON.stringify(bundle)})
      console.log(typeof b.main, b.script.cachedDataRejected)`
    // (run in this package, the probe imports the loader as built)
    const cwd = fileURLToPath(new URL('..', import.meta.url))
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { cwd, encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe('function false\n')
  })
})
