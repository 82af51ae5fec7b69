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

  // --eval --strict goes to the native evaluator before the bundle loads (instantiate-fast.ts);
  // what it declines, the full tool runs, as if it had not been asked
  it('answers through the native evaluator first, and falls back to the full tool', () => {
    const bin = fileURLToPath(new URL('../bin/instantiate.cjs', import.meta.url))
    // (this package's tests run with TSNIX_NATIVE_EVAL=0: set it either way)
    const run = (args: string[], env: Record<string, string> = { TSNIX_NATIVE_EVAL: '1' }): [number | null, string, string] => {
      const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: '/tmp', env: { ...process.env, ...env } })
      return [r.status, r.stdout, r.stderr]
    }
    for (const args of [
      ['--eval', '--strict', '-E', '{ b = [ 1 "x" ]; a = rec { c = d; d = 2; }; }'],
      ['--eval', '--strict', '--json', '-E', '{ b = [ 1 "x" ]; a = 2.5; }'],
      ['--eval', '--strict', '-A', 'a.c', '-E', '{ x ? 1 }: { a.c = x + 1; }'],
      ['--strict', '-E', '--eval', 'builtins.map (x: x * 2) [ 1 2 ]'],
      // declined: an error, a trace, an unknown flag, and --help
      ['--eval', '--strict', '-E', 'throw "no"'],
      ['--eval', '--strict', '-E', 'builtins.trace "t" 1'],
      ['--eval', '--strict', '--bogus', '-E', '1'],
      ['--eval', '--strict', '-E', '1', '--help'],
    ]) {
      expect({ args, out: run(args) }).toEqual({ args, out: run(args, { TSNIX_NATIVE_EVAL: '0' }) })
    }
    expect(run(['--eval', '--strict', '-E', 'throw "no"'])).toEqual([1, '', 'error: no\n'])
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
