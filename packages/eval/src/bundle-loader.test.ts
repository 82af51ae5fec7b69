import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadBundle } from './bundle-loader.js'

const dist = fileURLToPath(new URL('../dist/', import.meta.url))
const bundle = `${dist}instantiate.bundle.cjs`

describe('bundle loader', () => {
  it('answers undefined when there is no bundle (the tool then runs from its modules)', () => {
    expect(loadBundle(`${dist}no-such-bundle.cjs`)).toBeUndefined()
  })

  // the build makes the bundle and its code cache; a plain `node` (as the tool runs) must accept it
  it.skipIf(!existsSync(bundle))('loads the built bundle with a code cache V8 accepts', () => {
    const probe = `import(${JSON.stringify(`${dist}bundle-loader.js`)}).then((m) => {
      const b = m.loadBundle(${JSON.stringify(bundle)})
      console.log(typeof b.main, b.script.cachedDataRejected)
    })`
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe('function false\n')
  })
})
