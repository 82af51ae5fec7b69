import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { StorePathError } from '@tsnix/hash'
import { describe, expect, it } from 'vitest'
import { seededRandom } from '@tsnix/test-kit'
import {
  AtermError, type Derivation, DerivationError, DerivationHasher, bytesToString, compareByteStrings,
  derivationKind, derivationPath, formatDerivationsJson, jqDisplayString, parseDerivation,
  printDerivation, stringToBytes,
} from './index.js'


const MINIMAL = 'Derive([("out","/nix/store/836m0annknkxjpqz0abbmxsr41xghjyb-minimal","","")],[],[],"x86_64-linux","/bin/false",[],[("builder","/bin/false"),("name","minimal"),("out","/nix/store/836m0annknkxjpqz0abbmxsr41xghjyb-minimal"),("system","x86_64-linux")])'

/** Nix's in-memory derivation for `derivation { name; system; builder; }` before paths are filled in. */
function plain(name: string, extra: Record<string, string> = {}, fixed?: { hashAlgo: string; hash: string }): Derivation {
  return {
    outputs: { out: { path: '', hashAlgo: fixed?.hashAlgo ?? '', hash: fixed?.hash ?? '' } },
    inputDrvs: {}, inputSrcs: [], system: 'x86_64-linux', builder: '/bin/sh', args: [],
    env: { builder: '/bin/sh', name, out: '', system: 'x86_64-linux', ...extra },
  }
}

/** Fill in output paths as derivationStrict does, then compute the .drv path. */
function instantiate(drv: Derivation): string {
  const hasher = new DerivationHasher(() => { throw new Error('no inputs') })
  const paths = hasher.outputPaths(drv)
  for (const [o, p] of Object.entries(paths)) {
    ;(drv.outputs[o] as { path: string }).path = p
    drv.env[o] = p
  }
  return derivationPath(drv)
}

describe('errors.json entries about the .drv format and its paths', () => {
  const errors = JSON.parse(readFileSync(fileURLToPath(new URL('../../../../shared/golden/drv/errors.json', import.meta.url)), 'utf8')) as
    { name: string; expr: string; exitCode: number; stdout: string }[]
  const entry = (n: string): { expr: string; stdout: string; exitCode: number } => {
    const e = errors.find((x) => x.name === n)
    if (e === undefined) throw new Error(`no entry ${n}`)
    return e
  }
  const exprName = (expr: string): string => (/name = "([^"]*)"/.exec(expr) as RegExpExecArray)[1] as string

  it.each(['name-max-length-accepted', 'name-leading-dot-accepted'])('%s: same .drv path as Nix', (n) => {
    const e = entry(n)
    expect(e.exitCode).toBe(0)
    expect(`${instantiate(plain(exprName(e.expr)))}\n`).toBe(e.stdout)
  })

  it('fod-empty-hash-accepted: an empty outputHash is the all-zero sha256', () => {
    const e = entry('fod-empty-hash-accepted')
    const drv = plain('a', { outputHash: '', outputHashAlgo: 'sha256' }, { hashAlgo: 'sha256', hash: '0'.repeat(64) })
    expect(`${instantiate(drv)}\n`).toBe(e.stdout)
  })

  it.each(['name-too-long', 'name-with-space', 'name-empty'])('%s: rejected when computing paths', (n) => {
    const e = entry(n)
    expect(e.exitCode).toBe(1)
    expect(() => instantiate(plain(exprName(e.expr)))).toThrow(StorePathError)
  })

  it('fod-multiple-outputs / output kinds: Nix 2.8 type rules', () => {
    const fod = plain('a', {}, { hashAlgo: 'sha256', hash: '0'.repeat(64) })
    expect(derivationKind(fod)).toBe('fixed')
    fod.outputs['dev'] = { path: '', hashAlgo: 'sha256', hash: '0'.repeat(64) }
    expect(() => derivationKind(fod)).toThrow(expect.objectContaining({ code: 'bad-fixed-output' }))
    const mixed = plain('a')
    mixed.outputs['dev'] = { path: '', hashAlgo: 'sha256', hash: '0'.repeat(64) }
    expect(() => derivationKind(mixed)).toThrow(DerivationError)
    expect(() => derivationKind({ ...plain('a'), outputs: {} })).toThrow(expect.objectContaining({ code: 'no-outputs' }))
  })
})

describe('parser errors are typed, with byte offsets', () => {
  const cases: [string, string, string, number][] = [
    ['truncated', MINIMAL.slice(0, 40), 'unexpected-end', 40],
    ['wrong keyword', MINIMAL.replace('Derive', 'Derivx'), 'unexpected-byte', 5],
    ['trailing bytes', `${MINIMAL}\n`, 'trailing-bytes', MINIMAL.length],
    ['bad escape', MINIMAL.replace('"/bin/false",[]', '"/bin/f\\alse",[]'), 'bad-escape', MINIMAL.indexOf('"/bin/false",[]') + 7],
    ['raw newline', MINIMAL.replace('"/bin/false",[]', '"/bin/\nfalse",[]'), 'raw-control', MINIMAL.indexOf('"/bin/false",[]') + 6],
    ['unsorted env', MINIMAL.replace('("builder","/bin/false"),("name","minimal")', '("name","minimal"),("builder","/bin/false")'), 'unsorted', MINIMAL.indexOf('("builder","/bin/false")') + 21],
    ['duplicate env', MINIMAL.replace('("name","minimal")', '("builder","/bin/false")'), 'duplicate', MINIMAL.indexOf('("name"') + 2],
    ['relative source', MINIMAL.replace('[],[],"x86', '[],["x"],"x86'), 'bad-path', MINIMAL.indexOf('[],[],"x86') + 5],
  ]
  it.each(cases)('%s', (_n, text, code, offset) => {
    let err: unknown
    try { parseDerivation(text) } catch (e) { err = e }
    expect(err).toBeInstanceOf(AtermError)
    expect((err as AtermError).code).toBe(code)
    expect((err as AtermError).offset).toBe(offset)
    expect((err as AtermError).message).toMatch(new RegExp(`^aterm: .* \\(at byte ${offset}\\)$`))
  })

  it('counts offsets in bytes, not characters', () => {
    const text = MINIMAL.replace('"/bin/false",[]', '"/bin/é\\q",[]')
    const at = Buffer.byteLength(text.slice(0, text.indexOf('\\q')))
    expect(() => parseDerivation(Buffer.from(text))).toThrow(expect.objectContaining({ code: 'bad-escape', offset: at }))
  })
})

describe('byte strings', () => {
  it('keep invalid UTF-8 exact and read valid UTF-8 as text', () => {
    const bytes = Uint8Array.from([0x61, 0xff, 0xc3, 0xa9, 0xed, 0xa0, 0x80, 0xf0, 0x9f, 0x98, 0x80, 0xc3])
    const s = bytesToString(bytes)
    expect(s).toBe('a\udcffé\udced\udca0\udc80😀\udcc3')
    expect(Buffer.from(stringToBytes(s)).equals(Buffer.from(bytes))).toBe(true)
    expect(() => stringToBytes('\ud800')).toThrow(RangeError)
  })
  it('sort by bytes like std::string', () => {
    const list = ['\uffff', '😀', 'b', '\udcff', 'a\udc80', 'aé']
    const byBytes = [...list].sort((x, y) => Buffer.compare(Buffer.from(stringToBytes(x)), Buffer.from(stringToBytes(y))))
    expect([...list].sort(compareByteStrings)).toEqual(byBytes)
  })
  it('display invalid UTF-8 as jq does', () => {
    const show = (b: number[]): string => jqDisplayString(bytesToString(Uint8Array.from(b)))
    expect(show([0xed, 0xa0, 0x80, 0x41])).toBe('\ufffdA')
    expect(show([0xc0, 0xaf])).toBe('\ufffd\ufffd')
    expect(show([0xe2, 0x41])).toBe('\ufffd')
    expect(show([0xe2, 0x41, 0x42, 0x43])).toBe('\ufffdABC')
  })
})

/** Bytes that stress the escaper: quotes, backslashes, LF/CR/TAB, NUL, DEL, high and invalid bytes. */
function randomBytesString(rand: () => number, max: number): string {
  const alphabet = [0x22, 0x5c, 0x0a, 0x0d, 0x09, 0x00, 0x7f, 0x80, 0xff, 0xc3, 0xa9, 0xed, 0x28, 0x29, 0x2c, 0x5b, 0x5d, 0x61, 0x6e, 0x74]
  const n = Math.floor(rand() * max)
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = rand() < 0.6 ? (alphabet[Math.floor(rand() * alphabet.length)] as number) : Math.floor(rand() * 256)
  return bytesToString(out)
}

function randomDerivation(rand: () => number): Derivation {
  const bytes = (max = 12): string => randomBytesString(rand, max)
  // Verbatim fields may hold anything but '"' (Nix cannot write that either).
  const verbatim = (max = 12): string => bytes(max).replaceAll('"', "'")
  const path = (): string => `/nix/store/${verbatim(8)}`
  const drv: Derivation = { outputs: {}, inputDrvs: {}, inputSrcs: [], system: verbatim(), builder: bytes(), args: [], env: {} }
  for (let i = Math.floor(rand() * 3); i >= 0; i--) drv.outputs[verbatim(6)] = { path: rand() < 0.3 ? '' : path(), hashAlgo: verbatim(4), hash: verbatim(8) }
  for (let i = Math.floor(rand() * 3); i > 0; i--) drv.inputDrvs[path()] = Array.from({ length: Math.floor(rand() * 3) }, () => verbatim(4))
  for (let i = Math.floor(rand() * 3); i > 0; i--) drv.inputSrcs.push(path())
  for (let i = Math.floor(rand() * 4); i > 0; i--) drv.args.push(bytes(20))
  for (let i = Math.floor(rand() * 6); i > 0; i--) drv.env[bytes(6)] = bytes(30)
  return drv
}

describe('property: random derivations survive print → parse → print', () => {
  it('2000 derivations', () => {
    const rand = seededRandom(0x5eed)
    for (let i = 0; i < 2000; i++) {
      const drv = randomDerivation(rand)
      const printed = printDerivation(drv)
      const parsed = parseDerivation(printed)
      expect(Buffer.from(printDerivation(parsed)).equals(Buffer.from(printed))).toBe(true)
      expect(parsed.args).toEqual(drv.args)
      expect({ ...parsed.env }).toEqual({ ...drv.env })
      expect(parsed.builder).toBe(drv.builder)
      expect(parsed.system).toBe(drv.system)
      // JSON never throws on such bytes (fixed outputs aside) and is valid JSON.
      if (Object.values(drv.outputs).every((o) => o.hashAlgo === '')) {
        expect(() => JSON.parse(formatDerivationsJson([['/nix/store/x.drv', parsed, 'x']]))).not.toThrow()
      }
    }
  })
})

describe('fuzz: truncated and mutated .drv bytes give a typed error or an exact round trip', () => {
  const seedsFile = fileURLToPath(new URL('../../../../shared/golden/drv/drvpath-ref/expected.json', import.meta.url))
  const samples = [MINIMAL, ...Object.values((JSON.parse(readFileSync(seedsFile, 'utf8')) as { drvs: Record<string, string> }).drvs)]
    .map((t) => Buffer.from(t))
  it('6000 inputs', () => {
    const rand = seededRandom(42)
    const started = Date.now()
    let parsed = 0
    for (let i = 0; i < 6000; i++) {
      const base = samples[i % samples.length] as Buffer
      let input: Buffer
      const mode = i % 4
      if (mode === 0) input = base.subarray(0, Math.floor(rand() * base.length))
      else {
        input = Buffer.from(base)
        const edits = 1 + Math.floor(rand() * 3)
        for (let k = 0; k < edits; k++) {
          const at = Math.floor(rand() * input.length)
          const b = rand() < 0.5 ? (base[Math.floor(rand() * base.length)] as number) : Math.floor(rand() * 256)
          if (mode === 1) input[at] = b
          else if (mode === 2) input = Buffer.concat([input.subarray(0, at), Buffer.of(b), input.subarray(at)])
          else input = Buffer.concat([input.subarray(0, at), input.subarray(at + 1)])
        }
      }
      try {
        const drv = parseDerivation(input)
        expect(Buffer.from(printDerivation(drv)).equals(input)).toBe(true)
        parsed++
      } catch (err) {
        if (!(err instanceof AtermError)) throw err
        expect(err.offset).toBeGreaterThanOrEqual(0)
        expect(err.offset).toBeLessThanOrEqual(input.length)
      }
    }
    expect(parsed).toBeGreaterThan(0)
    expect(Date.now() - started).toBeLessThan(10_000)
  })
})

describe('v4 JSON for fixed outputs and structured attrs', () => {
  const load = (n: string): { drvPath: string; drvs: Record<string, string>; show: Record<string, { outputs: Record<string, { path: string; hash: string }>; env: Record<string, string> }> } =>
    JSON.parse(readFileSync(fileURLToPath(new URL(`../../../../shared/golden/drv/${n}/expected.json`, import.meta.url)), 'utf8'))
  const v4 = (c: ReturnType<typeof load>): Record<string, unknown> => {
    const doc = JSON.parse(formatDerivationsJson([[c.drvPath, parseDerivation(c.drvs[c.drvPath] as string), c.drvPath.slice(44, -4)]], { format: 'v4' })) as Record<string, Record<string, unknown>>
    return doc[c.drvPath] as Record<string, unknown>
  }
  it('fixed output: {hash, hashAlgo, method, path}', () => {
    const c = load('fod-recursive-sha512-sri')
    const nix28 = c.show[c.drvPath]?.outputs['out']
    expect(v4(c)['outputs']).toEqual({ out: { hash: nix28?.hash, hashAlgo: 'sha512', method: 'nar', path: nix28?.path } })
    const flat = load('fod-flat-sha1-base32')
    expect((v4(flat)['outputs'] as Record<string, { method: string; hashAlgo: string }>)['out']).toMatchObject({ method: 'flat', hashAlgo: 'sha1' })
  })
  it('structured attrs: __json moves out of env into structuredAttrs', () => {
    const c = load('structured-attrs')
    const d = v4(c)
    const env28 = c.show[c.drvPath]?.env as Record<string, string>
    expect(d['structuredAttrs']).toEqual(JSON.parse(env28['__json'] as string))
    expect(Object.keys(d['env'] as object)).toEqual(Object.keys(env28).filter((k) => k !== '__json').sort())
  })
})
