import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { cacheFor, loadBundle, runFromBundle } from './bundle-loader.js'

const dist = fileURLToPath(new URL('../dist/', import.meta.url))
const bundle = `${dist}instantiate.bundle.cjs`

describe('bundle loader', () => {
  it('answers undefined when there is no bundle (the tool then runs from its modules)', () => {
    expect(loadBundle(`${dist}no-such-bundle.cjs`)).toBeUndefined()
    expect(runFromBundle(`${dist}no-such-dir`)).toBe(false)
  })

  // the tool's entry is CommonJS (an ES module entry costs ≈ 10 ms of start-up)
  it.skipIf(!existsSync(bundle))('runs the tool from the bundle through the CommonJS entry', () => {
    const bin = fileURLToPath(new URL('../bin/instantiate.cjs', import.meta.url))
    const r = spawnSync(process.execPath, [bin, '--eval', '-E', '1 + 2'], { encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe('3\n')
  })

  it('uses a code cache only with the bundle it was made for (V8 checks only the length)', () => {
    const id = '7a6fe326-80bb-44f7-91b2-7f18377914e7'
    const other = '00000000-80bb-44f7-91b2-7f18377914e7'
    const source = `exports.main = 1\n// build ${id}\n`
    const data = Buffer.from([1, 2, 3])
    expect(cacheFor(source, Buffer.concat([Buffer.from(`${id}\n`), data]))).toEqual(data)
    expect(cacheFor(source, Buffer.concat([Buffer.from(`${other}\n`), data]))).toBeUndefined()
    expect(cacheFor('exports.main = 1\n', Buffer.concat([Buffer.from(`${id}\n`), data]))).toBeUndefined()
    expect(cacheFor(source, undefined)).toBeUndefined()
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
