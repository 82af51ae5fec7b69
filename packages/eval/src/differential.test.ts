/**
 * Differential testing against real Nix: a seeded generator of well-typed expressions,
 * evaluated by `nix-instantiate --eval --strict --json` and by us; outputs must be equal.
 */
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { onPath, seededRandom } from '@tsnix/test-kit'
import { runInstantiate, type InstantiateOptions, type InstantiateResult } from './index.js'
import { corpus, illTypedProgram, numberProgram, pathProgram, sharingProgram } from './fixtures/programs.js'

const hasNix = onPath('nix-instantiate')

/**
 * Both evaluators on the program: the TS one (its result is returned, to compare with Nix) and
 * the native one, which must print the same where it takes the program.
 */
function both(opts: InstantiateOptions): InstantiateResult {
  const ts = runInstantiate({ ...opts, native: false })
  const native = runInstantiate({ ...opts, native: true })
  if (native.native === true) expect({ items: opts.items, stdout: native.stdout }).toEqual({ items: opts.items, stdout: ts.stdout })
  return ts
}


describe('generated corpus', () => {
  it('is deterministic for a seed', () => {
    expect(corpus(7, 20)).toEqual(corpus(7, 20))
    expect(corpus(7, 20)).not.toEqual(corpus(8, 20))
  })
  it('evaluates without errors in our evaluator', () => {
    const exprs = corpus(1, 120)
    const r = both({ mode: 'eval', strict: true, output: 'json', fromArgs: true, items: [`[ ${exprs.join('\n')} ]`] })
    expect(r.stderr).toBe('')
    expect(r.exitCode).toBe(0)
  })
})

describe.skipIf(!hasNix)('differential: nix-instantiate --eval --strict --json', () => {
  // (1055: an integer product 0 * -3 made -0, which a float computed from it showed)
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 1055]) {
    it(`seed ${seed}: 120 expressions`, () => {
      const exprs = corpus(seed, 120)
      const text = `[ ${exprs.join('\n')} ]`
      const nix = spawnSync('nix-instantiate', ['--eval', '--strict', '--json', '-E', text], {
        cwd: '/tmp', env: { ...process.env, NIX_REMOTE: 'dummy://' }, maxBuffer: 1 << 26,
      })
      expect(nix.stderr.toString()).toBe('')
      const ours = both({ mode: 'eval', strict: true, output: 'json', fromArgs: true, items: [text], cwd: '/tmp' })
      const want = JSON.parse(nix.stdout.toString('utf8')) as unknown[]
      const got = JSON.parse(Buffer.from(ours.stdout, 'latin1').toString('utf8')) as unknown[]
      // compare element by element for a readable failure
      for (let i = 0; i < exprs.length; i++) expect({ expr: exprs[i], value: got[i] }).toEqual({ expr: exprs[i], value: want[i] })
      expect(Buffer.from(ours.stdout, 'latin1')).toEqual(nix.stdout)
    })
  }
  it.each([101, 102, 103, 104, 105, 106, 107, 108])('seed %i: text output of --strict (not JSON)', (seed) => {
    const text = `[ ${corpus(seed, 120).join('\n')} ]`
    const nix = spawnSync('nix-instantiate', ['--eval', '--strict', '-E', text], {
      cwd: '/tmp', env: { ...process.env, NIX_REMOTE: 'dummy://' }, maxBuffer: 1 << 26,
    })
    expect(nix.stderr.toString()).toBe('')
    const ours = both({ mode: 'eval', strict: true, fromArgs: true, items: [text], cwd: '/tmp' })
    expect(Buffer.from(ours.stdout, 'latin1').toString('utf8')).toBe(nix.stdout.toString('utf8'))
  })
  it('sort with comparators of every kind, strict weak orders or not (seeded)', () => {
    const rand = seededRandom(77)
    const cmps = ['a: b: a < b', 'a: b: a <= b', 'a: b: true', 'a: b: false', 'a: b: (a + b) - ((a + b) / 3) * 3 == 0', 'a: b: a / 3 < b / 3']
    const sorts: string[] = []
    for (let i = 0; i < 40; i++) {
      const list = Array.from({ length: Math.floor(rand() * 120) }, () => Math.floor(rand() * 20))
      sorts.push(`(builtins.sort (${cmps[Math.floor(rand() * cmps.length)]!}) [ ${list.join(' ')} ])`)
    }
    const text = `[ ${sorts.join(' ')} ]`
    const nix = spawnSync('nix-instantiate', ['--eval', '--strict', '-E', text], { cwd: '/tmp', env: { ...process.env, NIX_REMOTE: 'dummy://' } })
    expect(nix.stderr.toString()).toBe('')
    const ours = both({ mode: 'eval', strict: true, fromArgs: true, items: [text], cwd: '/tmp' })
    expect(ours.stdout).toBe(nix.stdout.toString('latin1'))
  })
  it('floats printed by %g and %f, ties included (seeded)', () => {
    // exact binary fractions put many values exactly halfway between two printed ones
    const rand = seededRandom(2026)
    const items: string[] = []
    for (let i = 0; i < 400; i++) {
      const v = Math.floor(rand() * 2 ** 20) / 2 ** Math.floor(rand() * 24) * 10 ** Math.floor(rand() * 12 - 6)
      const lit = v.toExponential(16).replace('e+', 'e')
      const x = rand() < 0.2 ? `(0.0 - ${lit})` : lit
      items.push(`${x} (toString ${x})`)
    }
    const text = `[ ${items.join(' ')} ]`
    const nix = spawnSync('nix-instantiate', ['--eval', '--strict', '--json', '-E', text], { cwd: '/tmp', env: { ...process.env, NIX_REMOTE: 'dummy://' } })
    expect(nix.stderr.toString()).toBe('')
    const ours = both({ mode: 'eval', strict: true, output: 'json', fromArgs: true, items: [text], cwd: '/tmp' })
    expect(ours.stdout).toBe(nix.stdout.toString('latin1'))
  })
  it('compareVersions and splitVersion on version strings (seeded)', () => {
    // components of every kind: numbers (beyond a C int too, leading zeros), `pre`, words,
    // separators in runs, empty strings
    const rand = seededRandom(4242)
    const parts = ['0', '1', '2', '10', '007', '2147483647', '2147483648', '99999999999', 'pre', 'rc', 'a', 'b', 'alpha', 'git', 'Z', '', '.', '-', '..', '.-']
    const version = (): string => Array.from({ length: Math.floor(rand() * 6) }, () => parts[Math.floor(rand() * parts.length)]! + (rand() < 0.6 ? '.' : rand() < 0.5 ? '-' : '')).join('')
    const items: string[] = []
    for (let i = 0; i < 300; i++) {
      const a = JSON.stringify(version())
      const b = rand() < 0.2 ? a : JSON.stringify(version())
      items.push(`(builtins.compareVersions ${a} ${b}) (builtins.splitVersion ${a})`)
    }
    const text = `[ ${items.join(' ')} ]`
    const nix = spawnSync('nix-instantiate', ['--eval', '--strict', '--json', '-E', text], { cwd: '/tmp', env: { ...process.env, NIX_REMOTE: 'dummy://' } })
    expect(nix.stderr.toString()).toBe('')
    const ours = both({ mode: 'eval', strict: true, output: 'json', fromArgs: true, items: [text], cwd: '/tmp' })
    expect(ours.stdout).toBe(nix.stdout.toString('latin1'))
  })
  it('fromTOML and fromJSON documents', () => {
    const toml = [
      'title = "t"', 'int = +1_000', 'neg = -17', 'hex = 0xDEAD_beef', 'oct = 0o755', 'bin = 0b1101',
      'flt = 6.626e-34', 'flt2 = -0.5', 'yes = true', "lit = 'C:\\x'", 'esc = "a\\tb\\u00e9"',
      'ml = """', 'one', 'two"""', 'arr = [ 1, [ "a", "b" ], { x = 1 } ]', 'dotted.key.path = 1',
      '"quoted key" = 2', '[tbl]', 'k = "v"', '[tbl.sub]', 'z = []', '[[aot]]', 'n = 1', '[[aot]]', 'n = 2',
      '[[aot.inner]]', 'm = 3',
    ].join('\n')
    const json = '{"a": [1, -2.5e3, true, null, "x\\u00e9\\n"], "b": {"c": {}}, "d": 9007199254740993}'
    const expr = `[ (builtins.fromTOML ${JSON.stringify(toml)}) (builtins.fromJSON ${JSON.stringify(json)}) ]`
      .replace(/\$\{/g, '\\${')
    const nix = spawnSync('nix-instantiate', ['--eval', '--strict', '-E', expr], { cwd: '/tmp', env: { ...process.env, NIX_REMOTE: 'dummy://' } })
    expect(nix.stderr.toString()).toBe('')
    const ours = both({ mode: 'eval', strict: true, fromArgs: true, items: [expr], cwd: '/tmp' })
    expect(ours.stderr).toBe('')
    expect(Buffer.from(ours.stdout, 'latin1').toString('utf8')).toBe(nix.stdout.toString('utf8'))
  })
})

describe.skipIf(!hasNix)('differential: errors of generated ill-typed programs', () => {
  // the value, or the first line of the error; each program alone, as the tool runs it (the
  // symbol order that decides which of two failing attributes `--strict` reports is
  // process-wide, so a mismatch in-process is checked again in a fresh process)
  const bin = new URL('../bin/instantiate.cjs', import.meta.url).pathname
  const result = (status: number | null, stdout: string, stderr: string): string =>
    status === 0 ? stdout : `error ${stderr.split('\n')[0]!}`
  it.each([1, 2])('seed %i: 80 programs', (seed) => {
    const rand = seededRandom(seed * 7919)
    for (let i = 0; i < 80; i++) {
      const e = illTypedProgram(rand, 5, [])
      const nix = spawnSync('nix-instantiate', ['--eval', '--strict', '-E', e], { cwd: '/tmp', encoding: 'latin1', env: { ...process.env, NIX_REMOTE: 'dummy://' } })
      const want = result(nix.status, nix.stdout, nix.stderr)
      const ours = both({ mode: 'eval', strict: true, fromArgs: true, items: [e], cwd: '/tmp' })
      let got = result(ours.exitCode, ours.stdout, ours.stderr)
      if (got !== want) {
        const r = spawnSync(process.execPath, [bin, '--eval', '--strict', '-E', e], { cwd: '/tmp', encoding: 'latin1' })
        got = result(r.status, r.stdout, r.stderr)
      }
      expect({ e, got }).toEqual({ e, got: want })
    }
  }, 60_000) // (a nix-instantiate per program: seconds on a loaded machine)
})

describe.skipIf(!hasNix)('differential: shared values in --strict output', () => {
  it('60 programs (seeded)', () => {
    const rand = seededRandom(4242)
    for (let i = 0; i < 60; i++) {
      const e = sharingProgram(rand)
      const nix = spawnSync('nix-instantiate', ['--eval', '--strict', '-E', e], { cwd: '/tmp', encoding: 'latin1', env: { ...process.env, NIX_REMOTE: 'dummy://' } })
      const ours = both({ mode: 'eval', strict: true, fromArgs: true, items: [e], cwd: '/tmp' })
      expect({ e, out: ours.stdout }).toEqual({ e, out: nix.stdout })
    }
  }, 60_000)
})

describe.skipIf(!hasNix)('differential: numbers and paths, program by program', () => {
  // the value, or the error and the line that says where it is
  const result = (status: number | null, stdout: string, stderr: string): string =>
    status === 0 ? stdout : stderr.split('\n').filter((l) => /^error|at «/.test(l)).join('\n')
  const compare = (e: string, cwd: string): void => {
    const nix = spawnSync('nix-instantiate', ['--eval', '--strict', '-E', e], { cwd, encoding: 'latin1', env: { ...process.env, NIX_REMOTE: 'dummy://' } })
    const ours = both({ mode: 'eval', strict: true, fromArgs: true, items: [e], cwd })
    expect({ e, got: result(ours.exitCode, ours.stdout, ours.stderr) }).toEqual({ e, got: result(nix.status, nix.stdout, nix.stderr) })
  }
  it('100 number programs (seeded)', () => {
    // (2453: one of them made an integer -0 before it was normalised)
    const rand = seededRandom(2453)
    for (let i = 0; i < 100; i++) compare(numberProgram(rand, 3), '/tmp')
  }, 120_000) // (a nix-instantiate per program: seconds on a loaded machine)
  it('60 path programs (seeded)', () => {
    const rand = seededRandom(2412)
    for (let i = 0; i < 60; i++) compare(pathProgram(rand), '/tmp')
  }, 120_000)
})
