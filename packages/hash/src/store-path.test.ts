import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { goldenDir, onPath } from '@tsnix/test-kit'
import {
  DEFAULT_STORE_DIR,
  Hash,
  HASH_PART_LENGTH,
  hashBytes,
  hashFile,
  HashError,
  compressHash,
  nix32Encode,
  isStorePath,
  makeFixedOutputPath,
  makeOutputPath,
  makeStorePath,
  makeTextPath,
  makeType,
  MAX_STORE_PATH_NAME_LENGTH,
  outputPathName,
  parseContentAddress,
  parseStorePath,
  renderContentAddress,
  StorePathError,
  toStorePath,
  validateStorePathName,
  type ContentAddressMethod,
  type HashAlgorithm,
} from './index.js'

const golden = pathToFileURL(goldenDir + 'hash/')
const hasNix = onPath('nix-instantiate') && onPath('nix-hash')

interface Item {
  label: string
  command?: string
  expr?: string
  input: string | null
  storePath: string
  narHash: string
  references: string[]
  ca: string
  contents?: string
}
const items = (JSON.parse(readFileSync(new URL('store-paths.json', golden), 'utf8')) as { items: Item[] }).items

/** Work out name, method and hash from the way the golden item was made. */
async function inputsOf(item: Item): Promise<{ name: string; method: ContentAddressMethod | 'text'; hash: Hash; fromCa?: boolean }> {
  const inputPath = item.input === null ? '' : fileURLToPath(new URL(item.input, golden))
  const narHash = Hash.parse(item.narHash)
  let m: RegExpMatchArray | null
  if (item.command !== undefined && (m = /^nix-store --add (\S+)$/.exec(item.command))) {
    return { name: m[1]!, method: 'recursive', hash: narHash }
  }
  if (item.command !== undefined && (m = /^nix-store --add-fixed (--recursive )?(\w+) (\S+)$/.exec(item.command))) {
    const algo = m[2] as HashAlgorithm
    if (!m[1]) return { name: m[3]!, method: 'flat', hash: await hashFile(algo, inputPath) }
    if (algo === 'sha256') return { name: m[3]!, method: 'recursive', hash: narHash }
    // A NAR hash other than sha256 needs a NAR: take it from the recorded content address.
    return { name: m[3]!, method: 'recursive', hash: parseContentAddress(item.ca).hash, fromCa: true }
  }
  if (item.expr !== undefined && (m = /^builtins\.toFile "([^"]+)"/.exec(item.expr))) {
    return { name: m[1]!, method: 'text', hash: hashBytes('sha256', item.contents!) }
  }
  if (item.expr !== undefined && (m = /^"\$\{\.\/([^}]+)\}"$/.exec(item.expr))) {
    return { name: m[1]!, method: 'recursive', hash: narHash }
  }
  if (item.expr !== undefined && (m = /^builtins\.path \{.*name = "([^"]+)";/.exec(item.expr))) {
    if (/recursive = false;/.test(item.expr)) return { name: m[1]!, method: 'flat', hash: await hashFile('sha256', inputPath) }
    return { name: m[1]!, method: 'recursive', hash: narHash }
  }
  throw new Error(`golden item ${item.label} not understood`)
}

describe('golden store paths (hash/store-paths.json)', () => {
  it('has items of every kind', () => {
    expect(items.length).toBeGreaterThanOrEqual(15)
  })

  it.each(items.map((i) => [i.label, i] as const))('%s', async (_, item) => {
    const { name, method, hash, fromCa } = await inputsOf(item)
    if (item.input !== null && item.command !== undefined) expect(name).toBe(basename(item.input))
    const path =
      method === 'text'
        ? makeTextPath(name, hash, item.references)
        : makeFixedOutputPath(name, { method, hash, references: item.references })
    expect(path).toBe(item.storePath)
    if (!fromCa) expect(renderContentAddress(method, hash)).toBe(item.ca)
    const ca = parseContentAddress(item.ca)
    expect(ca.method).toBe(method)
    expect(ca.hash.equals(hash)).toBe(true)
    const sp = parseStorePath(item.storePath)
    expect(sp).toEqual({ storeDir: DEFAULT_STORE_DIR, hashPart: item.storePath.slice(11, 43), name, path: item.storePath })
  })

  it('sorts and de-duplicates references as Nix does', () => {
    const item = items.find((i) => i.label === 'tofile-with-reference')!
    const refs = [...item.references].reverse()
    expect(refs[0]! > refs[1]!).toBe(true)
    const h = hashBytes('sha256', item.contents!)
    expect(makeTextPath('refs.txt', h, [...refs, refs[0]!])).toBe(item.storePath)
    expect(makeType('text', refs)).toBe(`text:${item.references[0]}:${item.references[1]}`)
  })
})

describe('makeStorePath family', () => {
  const h = Hash.parse('sha256:1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s')

  it('hashes "<type>:<algo>:<base16>:<storeDir>:<name>"', () => {
    for (const storeDir of ['/nix/store', '/other/store']) {
      const fingerprint = `source:${h.format('base16', true)}:${storeDir}:x`
      const hashPart = nix32Encode(compressHash(hashBytes('sha256', fingerprint).digest, 20))
      expect(makeStorePath('source', h, 'x', storeDir)).toBe(`${storeDir}/${hashPart}-x`)
    }
    expect(makeStorePath('source', h, 'x')).toBe(makeStorePath('source', h, 'x', DEFAULT_STORE_DIR))
  })

  it('makeType appends references and self', () => {
    expect(makeType('source', [])).toBe('source')
    expect(makeType('source', [], true)).toBe('source:self')
    expect(makeType('text', ['/s/b', '/s/a', '/s/b'], true)).toBe('text:/s/a:/s/b:self')
  })

  it('output paths: name and type', () => {
    expect(outputPathName('hello-2.10', 'out')).toBe('hello-2.10')
    expect(outputPathName('hello-2.10', 'dev')).toBe('hello-2.10-dev')
    expect(makeOutputPath('dev', h, 'foo')).toBe(makeStorePath('output:dev', h, 'foo-dev'))
    expect(makeOutputPath('out', h, 'foo')).toBe(makeStorePath('output:out', h, 'foo'))
  })

  it('fixed-output paths: recursive sha256 is a source path; others go through fixed:out', () => {
    expect(makeFixedOutputPath('x', { method: 'recursive', hash: h })).toBe(makeStorePath('source', h, 'x'))
    const inner = hashBytes('sha256', `fixed:out:r:sha1:${'00'.repeat(20)}:`)
    expect(makeFixedOutputPath('x', { method: 'recursive', hash: new Hash('sha1', new Uint8Array(20)) })).toBe(makeStorePath('output:out', inner, 'x'))
    const self = makeFixedOutputPath('x', { method: 'recursive', hash: h, selfReference: true })
    expect(self).toBe(makeStorePath('source:self', h, 'x'))
  })

  it('rejects references where Nix forbids them, and bad references', () => {
    const ref = '/nix/store/00000000000000000000000000000000-r'
    expect(() => makeFixedOutputPath('x', { method: 'flat', hash: h, references: [ref] })).toThrow(
      expect.objectContaining({ code: 'bad-reference' }) as unknown as Error,
    )
    expect(() => makeFixedOutputPath('x', { method: 'flat', hash: h, selfReference: true })).toThrow(StorePathError)
    expect(() => makeTextPath('x', h, ['/nix/store/short'])).toThrow(expect.objectContaining({ code: 'bad-reference' }) as unknown as Error)
    expect(() => makeTextPath('x', h, [ref], '/other')).toThrow(expect.objectContaining({ code: 'bad-reference' }) as unknown as Error)
    expect(() => makeTextPath('x', hashBytes('sha1', ''), [])).toThrow(expect.objectContaining({ code: 'bad-hash' }) as unknown as Error)
  })

  it('validates the name of the path it makes', () => {
    expect(() => makeStorePath('source', h, '')).toThrow(expect.objectContaining({ code: 'empty-name' }) as unknown as Error)
    expect(() => makeStorePath('source', h, 'x'.repeat(212))).toThrow(expect.objectContaining({ code: 'name-too-long' }) as unknown as Error)
    expect(() => makeTextPath('a b', h, [])).toThrow(expect.objectContaining({ code: 'bad-name-char' }) as unknown as Error)
    expect(() => makeStorePath('source', h, 'x', 'relative/store')).toThrow(expect.objectContaining({ code: 'bad-store-dir' }) as unknown as Error)
    expect(() => makeStorePath('source', h, 'x', '/nix/store/')).toThrow(expect.objectContaining({ code: 'bad-store-dir' }) as unknown as Error)
  })

  it('content addresses render and parse', () => {
    expect(renderContentAddress('text', h)).toBe(`text:sha256:${h.toNix32()}`)
    expect(renderContentAddress('flat', h)).toBe(`fixed:sha256:${h.toNix32()}`)
    expect(renderContentAddress('recursive', h)).toBe(`fixed:r:sha256:${h.toNix32()}`)
    expect(parseContentAddress(`fixed:r:${h.toSri().replace('-', ':')}`).hash.equals(h)).toBe(true)
    for (const bad of ['nope:sha256:x', `fixed:${h.toNix32()}`, `text:md5:${'0'.repeat(32)}`]) {
      expect(() => parseContentAddress(bad)).toThrow(HashError)
    }
  })
})

function storePathError(fn: () => unknown): StorePathError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(StorePathError)
    expect((err as StorePathError).message).toMatch(/^store path: /)
    return err as StorePathError
  }
  throw new Error('expected a StorePathError')
}

describe('store path parsing', () => {
  const hashPart = '0c6kzph7l0dcbfmjap64f0czdafn3b7x'
  const good = `/nix/store/${hashPart}-hello-2.10`

  it('parses a store path into its parts', () => {
    expect(parseStorePath(good)).toEqual({ storeDir: '/nix/store', hashPart, name: 'hello-2.10', path: good })
    expect(parseStorePath(`/a/b/${hashPart}-x`, '/a/b').name).toBe('x')
    expect(isStorePath(good)).toBe(true)
    expect(HASH_PART_LENGTH).toBe(32)
  })

  it('finds the store path of a path inside it', () => {
    expect(toStorePath(`${good}/bin/hello`).path).toBe(good)
    expect(toStorePath(good).path).toBe(good)
    expect(toStorePath(`${good}/`).path).toBe(good)
    expect(storePathError(() => toStorePath('/nix/store')).code).toBe('not-in-store')
    expect(storePathError(() => toStorePath('/nix/store/')).code).toBe('not-in-store')
    expect(storePathError(() => toStorePath('/nix/storex/a')).code).toBe('not-in-store')
  })

  it('accepts every allowed name character and the maximum length', () => {
    validateStorePathName('aZ09+-._?=')
    validateStorePathName('x'.repeat(MAX_STORE_PATH_NAME_LENGTH))
    validateStorePathName('a.')
    // Nix 2.8 allows a leading dot (checked against nix-instantiate below).
    for (const name of ['.x', '.', '..', '-x', '?']) validateStorePathName(name)
    expect(parseStorePath(`/nix/store/${hashPart}-.git`).name).toBe('.git')
    expect(MAX_STORE_PATH_NAME_LENGTH).toBe(211)
  })

  it('rejects bad names, naming the problem', () => {
    expect(storePathError(() => validateStorePathName('x'.repeat(212))).code).toBe('name-too-long')
    expect(storePathError(() => validateStorePathName('')).code).toBe('empty-name')
    const e = storePathError(() => validateStorePathName('foo bar'))
    expect(e.code).toBe('bad-name-char')
    expect(e.message).toBe('store path: invalid character " " at position 3 in name "foo bar"')
    for (const c of ['/', '~', '@', '\0', 'é', ':', '%']) {
      expect(storePathError(() => validateStorePathName(`a${c}`)).code).toBe('bad-name-char')
    }
    const p = storePathError(() => parseStorePath(`/nix/store/${hashPart}-a*b`))
    expect(p.code).toBe('bad-name-char')
    expect(p.message).toContain('position 1')
    expect(p.message).toContain(`"/nix/store/${hashPart}-a*b"`)
  })

  it('rejects bad store paths', () => {
    const cases: [string, string][] = [
      [`/nix/other/${hashPart}-x`, 'not-in-store'],
      [`nix/store/${hashPart}-x`, 'not-in-store'],
      [`${good}/bin`, 'not-in-store'],
      [`${good}/`, 'not-in-store'],
      ['/nix/store/0c6kzph7l0dcbfmjap64f0czdafn3b7-x', 'bad-hash-part'],
      ['/nix/store/0c6kzph7l0dcbf', 'too-short'],
      [`/nix/store/${hashPart}`, 'too-short'],
      [`/nix/store/${hashPart}-`, 'empty-name'],
      [`/nix/store/${hashPart}_x`, 'missing-dash'],
      [`/nix/store/${hashPart.replace('c', 'e')}-x`, 'bad-hash-part'],
      [`/nix/store/${hashPart.toUpperCase()}-x`, 'bad-hash-part'],
      [`/nix/store/${hashPart}-${'x'.repeat(212)}`, 'name-too-long'],
    ]
    for (const [path, code] of cases) {
      expect(storePathError(() => parseStorePath(path)).code, path).toBe(code)
      expect(isStorePath(path), path).toBe(false)
    }
    expect(storePathError(() => parseStorePath(good, '/nix/store/')).code).toBe('bad-store-dir')
    expect(storePathError(() => parseStorePath(good, '/nix/../store')).code).toBe('bad-store-dir')
    expect(storePathError(() => parseStorePath(good, '/gnu/store')).code).toBe('not-in-store')
  })
})

describe.skipIf(!hasNix)('differential against nix-instantiate (read-only evaluation, custom store dir)', () => {
  it('computes the same paths for builtins.toFile and builtins.path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsnix-hash-'))
    try {
      const storeDir = join(dir, 'store')
      const inputs = fileURLToPath(golden) + 'store-path-inputs'
      const expr = `let a = builtins.toFile "a.txt" "A\\n"; in [
        a
        (builtins.toFile "b" "\${a} and \${builtins.toFile "c" "C"}")
        (builtins.path { path = ${inputs}/data.bin; name = "flat"; recursive = false; })
        (builtins.path { path = ${inputs}/srcdir; name = "src"; })
        (builtins.toFile ".hidden" "")
        (builtins.toFile "${'x'.repeat(211)}" "")
      ]`
      const env = { ...process.env, NIX_STORE_DIR: storeDir, NIX_STATE_DIR: join(dir, 'state'), NIX_LOG_DIR: join(dir, 'log') }
      const out = JSON.parse(execFileSync('nix-instantiate', ['--eval', '--strict', '--json', '-E', expr], { env, encoding: 'utf8' })) as string[]
      const a = makeTextPath('a.txt', hashBytes('sha256', 'A\n'), [], storeDir)
      const c = makeTextPath('c', hashBytes('sha256', 'C'), [], storeDir)
      const b = makeTextPath('b', hashBytes('sha256', `${a} and ${c}`), [c, a], storeDir)
      const flat = makeFixedOutputPath('flat', { method: 'flat', hash: await hashFile('sha256', `${inputs}/data.bin`) }, storeDir)
      const narHash = Hash.parse(execFileSync('nix-hash', ['--type', 'sha256', `${inputs}/srcdir`], { encoding: 'utf8' }).trim(), 'sha256')
      const src = makeFixedOutputPath('src', { method: 'recursive', hash: narHash }, storeDir)
      const hidden = makeTextPath('.hidden', hashBytes('sha256', ''), [], storeDir)
      const long = makeTextPath('x'.repeat(211), hashBytes('sha256', ''), [], storeDir)
      expect(out).toEqual([a, b, flat, src, hidden, long])
      expect(out[0]!.startsWith(`${storeDir}/`)).toBe(true)
      // And rejects the names we reject.
      for (const name of ['a b', 'x'.repeat(212), 'a/b']) {
        expect(storePathError(() => validateStorePathName(name)).code).toMatch(/^(bad-name-char|name-too-long)$/)
        const r = spawnSync('nix-instantiate', ['--eval', '-E', `builtins.toFile "${name}" ""`], { env, encoding: 'utf8' })
        expect(r.status, name).not.toBe(0)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
