/**
 * Differential testing against real Nix: a seeded generator of well-typed expressions,
 * evaluated by `nix-instantiate --eval --strict --json` and by us; outputs must be equal.
 */
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { onPath, seededRandom } from '@tsnix/test-kit'
import { runInstantiate } from './index.js'

const hasNix = onPath('nix-instantiate')


type Ty = 'int' | 'bool' | 'str' | 'list' | 'attrs' | 'float'

class Gen {
  private readonly r: () => number
  private vars = 0
  constructor(seed: number) {
    this.r = seededRandom(seed)
  }
  private int(n: number): number {
    return Math.floor(this.r() * n)
  }
  private pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!
  }
  private name(): string {
    return this.pick(['a', 'b', 'c', 'foo', 'bar', 'x-y', "z'", '_u'])
  }
  private strLit(): string {
    return JSON.stringify(this.pick(['', 'a', 'hello', 'x y', 'é', 'tab\there', '1.2.3', 'a-b-c', '${', 'q"q']))
      .replace(/\$\{/g, '\\${')
  }

  expr(ty: Ty, d: number): string {
    if (d <= 0) return this.leaf(ty)
    const k = this.int(10)
    // generic forms, valid for every type
    if (k === 0) {
      const v = `v${this.vars++}`
      return `(let ${v} = ${this.expr(ty, d - 1)}; in ${v})`
    }
    if (k === 1) return `(if ${this.expr('bool', d - 1)} then ${this.expr(ty, d - 1)} else ${this.expr(ty, d - 1)})`
    if (k === 2) {
      const v = `v${this.vars++}`
      return `((${v}: ${v}) ${this.expr(ty, d - 1)})`
    }
    if (k === 3) return `({ p = ${this.expr(ty, d - 1)}; }).p`
    return this.specific(ty, d - 1)
  }

  private leaf(ty: Ty): string {
    switch (ty) {
      case 'int': return this.pick(['0', '1', '7', '42', '1000000007', '9223372036854775807', '4611686018427387904', '(-3)'])
      case 'float': return this.pick(['0.5', '1.0', '3.25', '1.0e-5', '123456.789', '0.1'])
      case 'bool': return this.pick(['true', 'false'])
      case 'str': return this.strLit()
      case 'list': return this.pick(['[ ]', '[ 1 2 3 ]', '[ "a" "b" ]', '[ [ 1 ] { } ]'])
      case 'attrs': return this.pick(['{ }', '{ a = 1; }', '{ b = "x"; c = [ ]; }', 'rec { a = 1; b = a + 1; }'])
    }
  }

  private specific(ty: Ty, d: number): string {
    const e = (t: Ty): string => this.expr(t, d)
    switch (ty) {
      case 'int': return this.pick([
        () => `(${e('int')} + ${e('int')})`,
        () => `(${e('int')} - ${e('int')})`,
        () => `(${e('int')} * ${e('int')})`,
        () => `(${e('int')} / ${this.pick(['2', '3', '(-7)', '1000'])})`,
        () => `(builtins.length ${e('list')})`,
        () => `(builtins.stringLength ${e('str')})`,
        () => `(builtins.length (builtins.attrNames ${e('attrs')}))`,
        () => `(builtins.bitXor ${e('int')} ${e('int')})`,
        () => `(builtins.foldl' (x: y: x + y) 0 (builtins.genList (i: i * ${e('int')}) 10))`,
        () => `(builtins.compareVersions ${e('str')} ${e('str')})`,
        () => `(builtins.floor ${e('float')})`,
      ])()
      case 'float': return this.pick([
        () => `(${e('float')} + ${e('int')})`,
        () => `(${e('float')} * ${e('float')})`,
        () => `(${e('float')} / 3)`,
        () => `(${e('int')} - ${e('float')})`,
      ])()
      case 'bool': return this.pick([
        () => `(${e('int')} < ${e('int')})`,
        () => `(${e('str')} < ${e('str')})`,
        () => `(${e('int')} == ${e('float')})`,
        () => `(${e('list')} == ${e('list')})`,
        () => `(${e('attrs')} == ${e('attrs')})`,
        () => `(!${e('bool')})`,
        () => `(${e('bool')} && ${e('bool')})`,
        () => `(${e('bool')} -> ${e('bool')})`,
        () => `(${e('attrs')} ? ${this.name()})`,
        () => `(builtins.elem ${e('int')} ${e('list')})`,
        () => `(builtins.isString ${e(this.pick(['str', 'int'] as const))})`,
        () => `(builtins.match "[a-z]*" ${e('str')} != null)`,
      ])()
      case 'str': return this.pick([
        () => `(${e('str')} + ${e('str')})`,
        () => `"<\${${e('str')}}>"`,
        () => `(toString ${e('int')})`,
        () => `(toString ${e('float')})`,
        () => `(builtins.substring ${this.int(4)} (${this.int(5) - 1}) ${e("str")})`,
        () => `(builtins.concatStringsSep "," (builtins.map builtins.toJSON ${e("list")}))`,
        () => `(builtins.replaceStrings [ "a" "" ] [ "A" "." ] ${e('str')})`,
        () => `(builtins.toJSON ${e(this.pick(['list', 'attrs', 'str', 'float'] as const))})`,
        () => `(builtins.hashString "sha1" ${e('str')})`,
        () => `(builtins.typeOf ${e(this.pick(['int', 'list', 'attrs', 'float'] as const))})`,
        () => `''\n  ${this.pick(['x', 'y z'])}\n    \${${e('str')}}\n  ''`,
      ])()
      case 'list': return this.pick([
        () => `[ ${e('int')} ${e('str')} ${e('attrs')} ]`,
        () => `(${e('list')} ++ ${e('list')})`,
        () => `(builtins.map (x: [ x ]) ${e('list')})`,
        () => `(builtins.filter builtins.isInt ${e('list')})`,
        () => `(builtins.genList (i: i * i) ${this.int(6)})`,
        () => `(builtins.sort builtins.lessThan [ ${e('int')} ${e('int')} ${e('int')} ])`,
        () => `(builtins.attrNames ${e('attrs')})`,
        () => `(builtins.attrValues ${e('attrs')})`,
        () => `(builtins.split "(a|b)" ${e('str')})`,
        () => `(builtins.splitVersion ${e('str')})`,
        () => `(builtins.concatLists [ ${e('list')} ${e('list')} ])`,
        // values shared or copied: the text output shows a set or list seen twice as «repeated»
        () => `(let v = ${e('attrs')}; w = ${e('list')}; in [ v (v // v) (v // { }) ({ } // v) w (w ++ [ ]) v (builtins.functionArgs ({ a, b ? 1 }: a)) ])`,
      ])()
      case 'attrs': return this.pick([
        () => `{ ${this.name()} = ${e("int")}; "s ${this.name()}" = ${e("str")}; }`,
        () => `(${e('attrs')} // ${e('attrs')})`,
        () => `(builtins.mapAttrs (n: v: n) ${e('attrs')})`,
        () => `(builtins.removeAttrs ${e('attrs')} [ "a" "b" ])`,
        () => `(builtins.listToAttrs [ { name = ${e('str')}; value = ${e('int')}; } ])`,
        () => `(builtins.intersectAttrs ${e('attrs')} ${e('attrs')})`,
        () => `(builtins.partition builtins.isString ${e('list')})`,
        () => `({ a.b.c = ${e('int')}; a.b.d = ${e('str')}; })`,
        () => `(let f = { a ? ${e('int')}, ... }@s: s // { inherit a; }; in f ${e('attrs')})`,
        () => `(with ${e('attrs')}; { r = builtins.length [ ]; })`,
        () => `(builtins.parseDrvName ${e('str')})`,
      ])()
    }
  }
}

function corpus(seed: number, n: number): string[] {
  const g = new Gen(seed)
  const out: string[] = []
  const types: Ty[] = ['int', 'bool', 'str', 'list', 'attrs', 'float']
  for (let i = 0; i < n; i++) out.push(g.expr(types[i % types.length]!, 1 + (i % 4)))
  return out
}

describe('generated corpus', () => {
  it('is deterministic for a seed', () => {
    expect(corpus(7, 20)).toEqual(corpus(7, 20))
    expect(corpus(7, 20)).not.toEqual(corpus(8, 20))
  })
  it('evaluates without errors in our evaluator', () => {
    const exprs = corpus(1, 120)
    const r = runInstantiate({ mode: 'eval', strict: true, output: 'json', fromArgs: true, items: [`[ ${exprs.join('\n')} ]`] })
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
      const ours = runInstantiate({ mode: 'eval', strict: true, output: 'json', fromArgs: true, items: [text], cwd: '/tmp' })
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
    const ours = runInstantiate({ mode: 'eval', strict: true, fromArgs: true, items: [text], cwd: '/tmp' })
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
    const ours = runInstantiate({ mode: 'eval', strict: true, fromArgs: true, items: [text], cwd: '/tmp' })
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
    const ours = runInstantiate({ mode: 'eval', strict: true, output: 'json', fromArgs: true, items: [text], cwd: '/tmp' })
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
    const ours = runInstantiate({ mode: 'eval', strict: true, output: 'json', fromArgs: true, items: [text], cwd: '/tmp' })
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
    const ours = runInstantiate({ mode: 'eval', strict: true, fromArgs: true, items: [expr], cwd: '/tmp' })
    expect(ours.stderr).toBe('')
    expect(Buffer.from(ours.stdout, 'latin1').toString('utf8')).toBe(nix.stdout.toString('utf8'))
  })
})

/**
 * Programs that are mostly wrong: random `let`/`rec`/`with`/functions/literals/operators over a
 * few names, most failing somewhere. Which error comes first shows the evaluation order.
 */
function illTypedProgram(rand: () => number, d: number, vars: readonly string[]): string {
  const int = (n: number): number => Math.floor(rand() * n)
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!
  const names = ['a', 'b', 'c', 'd']
  const sub = (vs: readonly string[] = vars): string => illTypedProgram(rand, d - 1, vs)
  const withName = (...ns: string[]): string[] => [...new Set([...vars, ...ns])]
  if (d <= 0 || int(5) === 0) {
    const leaf = int(5)
    if (leaf === 0 && vars.length > 0) return pick(vars)
    if (leaf === 1) return `"s${int(5)}"`
    if (leaf === 2) return pick(['true', 'false', 'null', '[ ]', '{ }'])
    return String(int(100))
  }
  const n = pick(names)
  switch (int(16)) {
    case 0: { const m = pick(names); const vs = withName(n, m); return `(let ${n} = ${sub(vs)}; ${m === n ? '' : `${m} = ${sub(vs)}; `}in ${sub(vs)})` }
    case 1: return `(rec { ${n} = ${sub(withName(n))}; x = ${sub(withName(n))}; }).${pick(['x', n])}`
    case 2: return `(with { ${n} = ${sub()}; y = ${sub()}; }; ${sub(withName(n, 'y'))})`
    case 3: return `[ ${sub()} ${sub()} ${int(2) === 0 ? '1 "k"' : ''} ${sub()} ]`
    case 4: return `{ p = ${sub()}; q = ${int(2) === 0 ? '3' : sub()}; r = "c"; }`
    case 5: return `(if ${sub()} == ${sub()} then ${sub()} else ${sub()})`
    case 6: return `((${n}: ${sub(withName(n))}) ${sub()})`
    case 7: return `(({ ${n} ? ${sub()}, z ? 1, ... }: ${sub(withName(n, 'z'))}) { ${int(2) === 0 ? `${n} = ${sub()};` : ''} })`
    case 8: return `(${sub()} + ${sub()})`
    case 9: return `(${sub()} // ${sub()})`
    case 10: return `(${sub()} ++ ${sub()})`
    case 11: return `(${sub()}).${pick(['p', 'q', 'r', 'x', 'y'])} or ${sub()}`
    case 12: return `(builtins.length ${sub()})`
    case 13: return `"\${toString ${sub()}}-x"`
    case 14: return `(builtins.mapAttrs (n: v: ${sub()}) ${sub()})`
    default: return `(${sub()} ${pick(['-', '*', '<', '&&', '||'])} ${sub()})`
  }
}

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
      const ours = runInstantiate({ mode: 'eval', strict: true, fromArgs: true, items: [e], cwd: '/tmp' })
      let got = result(ours.exitCode, ours.stdout, ours.stderr)
      if (got !== want) {
        const r = spawnSync(process.execPath, [bin, '--eval', '--strict', '-E', e], { cwd: '/tmp', encoding: 'latin1' })
        got = result(r.status, r.stdout, r.stderr)
      }
      expect({ e, got }).toEqual({ e, got: want })
    }
  }, 60_000) // (a nix-instantiate per program: seconds on a loaded machine)
})

/**
 * Values reached along several paths (variables, selects, identity functions, `++ [ ]`, `//`,
 * …): Nix prints a set or list seen again as «repeated», except a list of one or two elements,
 * which each of its value cells holds a copy of.
 */
function sharingProgram(rand: () => number): string {
  const int = (n: number): number => Math.floor(rand() * n)
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!
  const ref = (d: number): string => {
    if (d <= 0) return pick(['l0', 'l1', 'l2', 'l3', 's0', 's1', 'e'])
    switch (int(14)) {
      case 0: return `(f ${ref(d - 1)})`
      case 1: return `(builtins.seq 1 ${ref(d - 1)})`
      case 2: return `(builtins.head [ ${ref(d - 1)} ])`
      case 3: return `(${ref(d - 1)} ++ [ ])`
      case 4: return `([ ] ++ ${ref(d - 1)})`
      case 5: return `(builtins.filter (x: true) ${pick(['l1', 'l2', 'l3'])})`
      case 6: return `(map (x: x) ${pick(['l1', 'l2', 'l3'])})`
      case 7: return `{ inherit ${pick(['l0', 'l1', 'l2', 's0'])}; }`
      case 8: return `(${ref(d - 1)} // { })`
      case 9: return `(s1.a or ${ref(d - 1)})`
      case 10: return `(if true then ${ref(d - 1)} else null)`
      case 11: return `(let y = ${ref(d - 1)}; in y)`
      case 12: return `[ ${ref(d - 1)} ${ref(d - 1)} ]`
      default: return `{ a = ${ref(d - 1)}; b = ${ref(d - 1)}; }`
    }
  }
  const body = int(3) === 0 ? ref(3) : `[ ${ref(2)} ${ref(2)} ${ref(3)} ]`
  return `let f = x: x; l0 = [ ]; l1 = [ 1 ]; l2 = [ 1 2 ]; l3 = [ 1 2 3 ]; s0 = { }; s1 = { a = l2; }; e = [ e 1 ]; in ${body}`
}

describe.skipIf(!hasNix)('differential: shared values in --strict output', () => {
  it('60 programs (seeded)', () => {
    const rand = seededRandom(4242)
    for (let i = 0; i < 60; i++) {
      const e = sharingProgram(rand)
      const nix = spawnSync('nix-instantiate', ['--eval', '--strict', '-E', e], { cwd: '/tmp', encoding: 'latin1', env: { ...process.env, NIX_REMOTE: 'dummy://' } })
      const ours = runInstantiate({ mode: 'eval', strict: true, fromArgs: true, items: [e], cwd: '/tmp' })
      expect({ e, out: ours.stdout }).toEqual({ e, out: nix.stdout })
    }
  }, 60_000)
})

/**
 * Integers and floats mixed by every operator and the builtins that take numbers: rounding,
 * 64-bit wrapping, -0, infinities, printing and JSON round trips, and the type errors.
 */
function numberProgram(rand: () => number, d: number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  if (d <= 0 || rand() < 0.25) {
    return pick(['0', '1', '(-1)', '(-3)', '7', '1000000007', '9223372036854775807', '(-9223372036854775807 - 1)', '4611686018427387904',
      '0.0', '(-0.0)', '0.5', '(-2.5)', '1.0e300', '1.0e-300', '0.1', '1.0e16', '(1.0 / 3)'])
  }
  const a = numberProgram(rand, d - 1)
  const b = numberProgram(rand, d - 1)
  return pick([
    `(${a} + ${b})`, `(${a} - ${b})`, `(${a} * ${b})`, `(${a} / ${b})`, `(-${a})`, `(builtins.ceil ${a})`, `(builtins.floor ${a})`,
    `(builtins.bitAnd ${a} ${b})`, `(builtins.bitXor ${a} ${b})`, `(${a} < ${b})`, `(${a} == ${b})`, `(toString ${a})`,
    `(builtins.toJSON ${a})`, `(builtins.fromJSON (builtins.toJSON ${a}))`, `(builtins.sort builtins.lessThan [ ${a} ${b} 0 ])`,
    `(builtins.mul ${a} ${b})`, `(builtins.div ${a} ${b})`, `(${a} * 0)`, `(${a} - 0.0)`, `(builtins.fromJSON "${pick(['-0', '-0.0', '1e2', '12345678901234567890', '0.30000000000000004'])}")`,
  ])
}

/**
 * Paths of every form through the lexer and parser (`//` after a path, trailing slashes,
 * interpolation, `~`, `..`), evaluated or rejected: the value, or the error and where it is.
 */
function pathProgram(rand: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  const path = (): string => pick(['./a', '/', '/a/b', '/a/../b', '/a/./b/', './.', '../x', '/a//b', '~/x', '~/x//y', './a/../../b',
    'a/b//c', '/a.b-c_d+e', '/a/${"b"}', '/a/${"b"}//c', '/a//b${"c"}', '/a/${"b"}/', './${"x"}', '/a//b//c'])
  let e = path()
  for (let d = Math.floor(rand() * 3); d > 0; d--) {
    e = pick([`(${e} + "/x")`, `(${e} + ${path()})`, `(baseNameOf ${e})`, `(dirOf ${e})`, `(toString ${e})`, `[ ${e} ]`, `(${e} == ${path()})`,
      `(x: ${e})`, `{ a = ${e}; }`, `(builtins.typeOf ${e})`, `(${e} < ${path()})`])
  }
  return e
}

describe.skipIf(!hasNix)('differential: numbers and paths, program by program', () => {
  // the value, or the error and the line that says where it is
  const result = (status: number | null, stdout: string, stderr: string): string =>
    status === 0 ? stdout : stderr.split('\n').filter((l) => /^error|at «/.test(l)).join('\n')
  const compare = (e: string, cwd: string): void => {
    const nix = spawnSync('nix-instantiate', ['--eval', '--strict', '-E', e], { cwd, encoding: 'latin1', env: { ...process.env, NIX_REMOTE: 'dummy://' } })
    const ours = runInstantiate({ mode: 'eval', strict: true, fromArgs: true, items: [e], cwd })
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
