import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { seededRandom } from '@tsnix/test-kit'
import {
  RefScanner, StorePathScanner, dumpPath, isHashPart, locateReferences, locateStorePaths,
  narHashAndScan, narHashPath, scanBytes, scanReferences,
} from './index.js'
import { collect, goldenDir, implementations, tempDir, withImpl } from './testing/support.js'

const B32 = '0123456789abcdfghijklmnpqrsvwxyz'
const impls = await implementations()
const work = tempDir()


function randomHash(next: () => number): string {
  let s = ''
  for (let i = 0; i < 32; i++) s += B32[Math.floor(next() * 32)]
  return s
}

/** What Nix finds: every candidate that occurs as a substring (it is all base-32). */
function naive(data: Buffer, candidates: string[]): string[] {
  const text = data.toString('latin1')
  return [...new Set(candidates.filter((c) => isHashPart(c) && text.includes(c)))].sort()
}

function scanChunked(data: Uint8Array, candidates: string[], sizes: number[]): string[] {
  const s = new RefScanner(candidates)
  let at = 0
  for (let i = 0; at < data.length; i++) {
    const n = sizes[i % sizes.length] as number
    s.update(data.subarray(at, at + n))
    at += n
  }
  return s.found()
}

const h1 = 'x5qbk3rdymh6vmm8gfx4kpmkcyzfsi7b'
const h2 = 'svdpmjd9rz9fzdb9772gjap0xnwlf4vz'

describe('hash parts', () => {
  it('are 32 Nix base-32 characters', () => {
    expect(isHashPart(h1)).toBe(true)
    expect(isHashPart(h1.slice(1))).toBe(false)
    expect(isHashPart(`e${h1.slice(1)}`)).toBe(false) // e, o, u, t are not base-32
    expect(isHashPart(h1.toUpperCase())).toBe(false)
  })
})

describe.each(impls)('scanBytes ($name)', ({ env }) => {
  const scan = (data: string | Buffer, c: string[]): string[] => {
    withImpl(env)
    return scanBytes(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, c)
  }

  it('finds a hash anywhere, sorted and deduplicated', () => {
    expect(scan(`/nix/store/${h2}-a and /nix/store/${h1}-b ${h2}`, [h1, h2, h1])).toEqual([h1, h2].sort())
    expect(scan('nothing here', [h1])).toEqual([])
    expect(scan('', [h1])).toEqual([])
    expect(scan(h1, [])).toEqual([])
  })

  it('finds hashes glued to other base-32 text and overlapping each other', () => {
    const run = `${h1}${h2}`
    // Every 32-window of a 64-char base-32 run is a candidate Nix would find.
    const windows = Array.from({ length: 33 }, (_, i) => run.slice(i, i + 32))
    expect(scan(`abc${run}xyz`, windows)).toEqual([...new Set(windows)].sort())
    expect(scan(`0000${h1}0000`, [h1])).toEqual([h1])
    const a = h1
    const b = `${h1.slice(5)}${'zzzzz'}`
    expect(scan(`${h1}zzzzz`, [a, b])).toEqual([a, b].sort())
  })

  it('needs all 32 characters: a broken or short hash is not found', () => {
    expect(scan(h1.slice(0, 31), [h1])).toEqual([])
    expect(scan(`${h1.slice(0, 16)}-${h1.slice(16)}`, [h1])).toEqual([])
    expect(scan(`${h1.slice(0, 16)}\0${h1.slice(16)}`, [h1])).toEqual([])
  })

  it('never finds a candidate that is not a hash part', () => {
    const bad = `e${h1.slice(1)}`
    expect(scan(`e${h1.slice(1)} ${h1.slice(0, 20)}`, [bad, h1.slice(0, 20)])).toEqual([])
  })

  it('agrees with a naive search with 10 000 candidates on dense text', () => {
    const next = seededRandom(1234)
    const len = 100_000
    const bytes = Buffer.alloc(len)
    for (let i = 0; i < len; i++) bytes[i] = (i + 1) % 101 === 0 ? 0x0a : B32.charCodeAt(Math.floor(next() * 32))
    const candidates = Array.from({ length: 10_000 }, (_, k) => {
      if (k % 3 === 0) {
        const at = Math.floor(next() * (len - 32))
        return bytes.toString('latin1', at, at + 32)
      }
      return randomHash(next)
    })
    const want = naive(bytes, candidates)
    expect(want.length).toBeGreaterThan(2000)
    expect(scan(bytes, candidates)).toEqual(want)
  })

  it('agrees with a naive substring search on random base-32-dense data', () => {
    const next = seededRandom(42)
    for (let round = 0; round < 20; round++) {
      const len = 2000 + Math.floor(next() * 3000)
      const bytes = Buffer.alloc(len)
      for (let i = 0; i < len; i++) bytes[i] = next() < 0.02 ? 0x2f : B32.charCodeAt(Math.floor(next() * 32))
      const candidates = Array.from({ length: 30 }, () => {
        if (next() < 0.5) {
          const at = Math.floor(next() * (len - 32))
          return bytes.toString('latin1', at, at + 32)
        }
        return randomHash(next)
      })
      expect(scan(bytes, candidates)).toEqual(naive(bytes, candidates))
    }
  })
})

describe('RefScanner across chunk boundaries', () => {
  const data = Buffer.from(`--${h1}${h2}..${h2.slice(0, 20)}${h1}--`, 'latin1')
  const candidates = [h1, h2, `${h1.slice(10)}${h2.slice(0, 10)}`, `${h2.slice(0, 20)}${h1.slice(0, 12)}`]
  const expected = naive(data, candidates)

  it('the fixture has four findable hashes', () => {
    expect(expected).toHaveLength(4)
  })

  it('finds the same at every split point', () => {
    for (let cut = 0; cut <= data.length; cut++) {
      const s = new RefScanner(candidates)
      s.update(data.subarray(0, cut))
      s.update(data.subarray(cut))
      expect(s.found(), `cut at ${cut}`).toEqual(expected)
    }
  })

  it('finds the same with every fixed chunk size 1..40, and mixed sizes', () => {
    for (let size = 1; size <= 40; size++) expect(scanChunked(data, candidates, [size]), `size ${size}`).toEqual(expected)
    expect(scanChunked(data, candidates, [1, 31, 2, 30, 0, 33])).toEqual(expected)
  })

  it('reports every occurrence with its stream offset when asked', () => {
    const hits: [string, number][] = []
    const s = new RefScanner([h1], (p, at) => hits.push([p, at]))
    const text = Buffer.from(`${h1}.${h1}`, 'latin1')
    for (const b of text) s.update(Uint8Array.of(b))
    expect(hits).toEqual([[h1, 0], [h1, 33]])
  })
})

describe('RefScanner on large chunks (sampled probing and seams)', () => {
  // Base-32-dense data with hashes planted at every alignment relative to the probe step and
  // to chunk boundaries; the naive substring search is the reference.
  const next = seededRandom(7)
  const size = 40_000
  const data = Buffer.alloc(size)
  for (let i = 0; i < size; i++) data[i] = next() < 0.003 ? 0x0a : B32.charCodeAt(Math.floor(next() * 32))
  const planted: string[] = []
  for (let k = 0; k < 70; k++) {
    const h = randomHash(next)
    planted.push(h)
    data.write(h, k < 35 ? 1000 + k * 301 + k : size - 32 - (k - 35) * 41, 'latin1')
  }
  // Hashes across the boundaries of 4096- and 5000-byte chunks, and at the very start.
  for (const at of [0, 4096 - 16, 8192 - 31, 8192 - 1, 5000 - 20, 10_000 - 5, 15_000 - 30]) {
    const h = randomHash(next)
    planted.push(h)
    data.write(h, at, 'latin1')
  }
  const decoys = Array.from({ length: 50 }, () => randomHash(next))
  const candidates = [...planted, ...decoys]
  const expected = naive(data, candidates)

  it('the fixture has many findable hashes', () => {
    expect(expected.length).toBeGreaterThan(60)
  })

  it.each([[[size]], [[4096]], [[5000]], [[4096, 1, 4100, 31, 8000]], [[1 << 16]], [[4095, 4097]], [[4096, 17]]])('chunk sizes %j', (sizes) => {
    expect(scanChunked(data, candidates, sizes)).toEqual(expected)
  })

  it('with 10 000 candidates (crowded buckets)', () => {
    const many = [...candidates, ...Array.from({ length: 10_000 }, () => randomHash(next))]
    expect(scanChunked(data, many, [8192])).toEqual(naive(data, many))
  })

  it('with 10 000 candidates on dense text, half of them present (8-byte pieces)', () => {
    const r = seededRandom(99)
    const len = 150_000
    const dense = Buffer.alloc(len)
    for (let i = 0; i < len; i++) dense[i] = (i + 1) % 101 === 0 ? 0x0a : B32.charCodeAt(Math.floor(r() * 32))
    // Present ones at every offset modulo the probe step and across 4096/5000-byte chunk edges.
    const present = Array.from({ length: 5000 }, (_, k) => {
      const at = k < 100 ? 4096 * (1 + (k % 30)) - 1 - (k % 32) : Math.floor(r() * (len - 32))
      return dense.toString('latin1', at, at + 32)
    })
    const many = [...present, ...Array.from({ length: 5000 }, () => randomHash(r))]
    const want = naive(dense, many)
    expect(want.length).toBeGreaterThan(3000)
    for (const sizes of [[len], [4096], [5000, 4096, 1, 31]]) expect(scanChunked(dense, many, sizes), `sizes ${sizes}`).toEqual(want)
  })

  it.each([199, 200, 300, 700, 2000])('with %i candidates on dense text: 8-byte pieces at every offset, near misses', (count) => {
    const r = seededRandom(count)
    const len = 120_000
    const dense = Buffer.alloc(len)
    for (let i = 0; i < len; i++) dense[i] = (i + 1) % 97 === 0 ? 0x0a : B32.charCodeAt(Math.floor(r() * 32))
    const cands: string[] = []
    for (let k = 0; cands.length < count; k++) {
      const kind = k % 4
      if (kind === 0) {
        // Present, at every offset modulo the probe steps, some across 4096-byte chunk edges.
        const at = k < 160 ? 4096 * (1 + (k % 25)) - 1 - (k % 32) : Math.floor(r() * (len - 32))
        cands.push(dense.toString('latin1', at, at + 32))
      } else if (kind === 1) {
        // Near miss: a text window with one character changed (shares most 8-byte pieces).
        const at = Math.floor(r() * (len - 32))
        const w = dense.toString('latin1', at, at + 32)
        const j = Math.floor(r() * 32)
        cands.push(w.slice(0, j) + B32[(B32.indexOf(w[j] as string) + 1) % 32] + w.slice(j + 1))
      } else if (kind === 2) {
        // Shares an 8-byte piece with the previous candidate, at another offset.
        const prev = cands[cands.length - 1] as string
        const h = randomHash(r)
        cands.push(h.slice(0, 5) + prev.slice(3, 11) + h.slice(13))
      } else {
        cands.push(randomHash(r))
      }
    }
    const want = naive(dense, cands)
    expect(want.length).toBeGreaterThan(count / 8) // windows across a newline are not hash parts
    for (const sizes of [[len], [4096], [5000, 4096, 1, 31]]) expect(scanChunked(dense, cands, sizes), `sizes ${sizes}`).toEqual(want)
  })

  it('stops early once everything is found, as Nix does', () => {
    const s = new RefScanner([planted[0] as string])
    s.update(data)
    expect(s.done).toBe(true)
    expect(s.found()).toEqual([planted[0]])
  })
})

describe('StorePathScanner (every well-formed store path)', () => {
  const all = (text: string | Buffer, storeDir = '/nix/store', sizes: number[] = [1 << 16]): [string, number][] => {
    const out: [string, number][] = []
    const s = new StorePathScanner(storeDir, (p, at) => out.push([p, at]))
    const data = typeof text === 'string' ? Buffer.from(text) : text
    let at = 0
    for (let i = 0; at < data.length; i++) {
      const n = sizes[i % sizes.length] as number
      s.update(data.subarray(at, at + n))
      at += n
    }
    s.finish()
    return out
  }

  it('finds store paths, names ending at the first non-name character', () => {
    const text = `PATH=/nix/store/${h1}-bash-5.1/bin:/nix/store/${h2}-coreutils\n`
    expect(all(text)).toEqual([[`/nix/store/${h1}-bash-5.1`, 5], [`/nix/store/${h2}-coreutils`, 5 + 11 + 32 + 1 + 8 + 4 + 1]])
  })

  it('finds the same with any chunking', () => {
    const text = `x/nix/store/${h1}-a/nix/store/${h2}-b.c?d=e+f_g`
    const expected = all(text)
    expect(expected).toHaveLength(2)
    for (let size = 1; size < 20; size++) expect(all(text, '/nix/store', [size])).toEqual(expected)
  })

  it('skips what is not well-formed', () => {
    expect(all(`/nix/store/${h1}`)).toEqual([]) // no name
    expect(all(`/nix/store/${h1}-`)).toEqual([]) // empty name
    expect(all(`/nix/store/${h1}-.hidden`)).toEqual([]) // leading dot
    expect(all(`/nix/store/${h1.slice(1)}-a`)).toEqual([]) // short hash
    expect(all(`/nix/store/e${h1.slice(1)}-a`)).toEqual([]) // not base-32
    expect(all(`/nix/store/${h1}-${'n'.repeat(212)}`)).toEqual([]) // name too long
    expect(all(`/nix/store/${h1}-${'n'.repeat(211)}`)).toHaveLength(1)
    expect(all(`/gnu/store/${h1}-a`)).toEqual([])
    expect(all(`/gnu/store/${h1}-a`, '/gnu/store')).toEqual([[`/gnu/store/${h1}-a`, 0]])
  })
})

describe.each(impls)('scanning paths ($name)', ({ env }) => {
  it('scans the NAR: contents, file names and symlink targets', async () => {
    withImpl(env)
    const [a, b, c, d] = [h1, h2, randomHash(seededRandom(1)), randomHash(seededRandom(2))]
    const root = join(work, `tree-${env ?? 'native'}`)
    mkdirSync(join(root, 'sub'), { recursive: true })
    writeFileSync(join(root, 'sub', 'file'), `prefix ${a} suffix`)
    writeFileSync(join(root, `${b}-named`), 'plain')
    symlinkSync(`/nix/store/${c}-target`, join(root, 'link'))
    const found = await scanReferences(root, [a, b, c, d])
    expect(found).toEqual([a, b, c].sort())
    const nar = await collect(dumpPath(root))
    expect(found).toEqual(naive(nar, [a, b, c, d]))
    const both = await narHashAndScan(root, 'sha256', [a, b, c, d])
    expect(both.references).toEqual(found)
    expect(both.size).toBe(nar.length)
    expect(both.hash.equals((await narHashPath(root)).hash)).toBe(true)
  })

  it('finds hashes spanning the dumper\'s read chunks in a big file', async () => {
    withImpl(env)
    const root = join(work, `big-${env ?? 'native'}.txt`)
    const size = 3 * 1024 * 1024 + 17
    const data = Buffer.alloc(size, 'a')
    const parts: string[] = []
    // Across the 1 MiB read boundaries and the 256 KiB batch size, at every alignment.
    for (const [i, boundary] of [256 * 1024, 1024 * 1024, 2 * 1024 * 1024, 3 * 1024 * 1024].entries()) {
      const part = randomHash(seededRandom(100 + i))
      parts.push(part)
      const at = boundary - 100 - 16 * i
      data.write(part, at, 'latin1')
    }
    writeFileSync(root, data)
    const absent = randomHash(seededRandom(999))
    expect(await scanReferences(root, [...parts, absent])).toEqual([...parts].sort())
  })
})

describe('locating references', () => {
  it('names the file, field and offset of the first occurrence per file', async () => {
    const root = join(work, 'locate')
    mkdirSync(join(root, 'bin'), { recursive: true })
    writeFileSync(join(root, 'bin', 'x'), `0123456789${h1} and again ${h1}`)
    writeFileSync(join(root, `${h2}.conf`), `see /nix/store/${h1}-leaf`)
    symlinkSync(`/nix/store/${h2}-dep/lib`, join(root, 'lib'))
    const locs = await locateReferences(root, [h1, h2])
    const nar = await collect(dumpPath(root))
    // Archive order: bin < lib < svdp….conf (bytes).
    expect(locs.map(({ narOffset, ...l }) => l)).toEqual([
      { reference: h1, file: '/bin/x', field: 'contents', offset: 10 },
      { reference: h2, file: '/lib', field: 'target', offset: 11 },
      { reference: h2, file: `/${h2}.conf`, field: 'name', offset: 0 },
      { reference: h1, file: `/${h2}.conf`, field: 'contents', offset: 15 },
    ])
    for (const l of locs) expect(nar.toString('latin1', l.narOffset, l.narOffset + 32)).toBe(l.reference)
    const paths = await locateStorePaths(root, '/nix/store')
    expect(paths.map((l) => [l.reference, l.file, l.field, l.offset])).toEqual([
      [`/nix/store/${h2}-dep`, '/lib', 'target', 0],
      [`/nix/store/${h1}-leaf`, `/${h2}.conf`, 'contents', 4],
    ])
  })
})

// The outputs of the store scenario, rebuilt from their recorded listing and contents: the NAR
// hash and size must equal what Nix registered, and the scan must find exactly Nix's references.
interface Listing { type: string; entries?: Record<string, Listing>; target?: string; executable?: boolean }
const store = JSON.parse(readFileSync(join(goldenDir, 'store', 'expected.json'), 'utf8')) as {
  outputContents: Record<string, { ls: Listing; contents?: string; files?: Record<string, string> }>
  queries: Record<string, Record<string, string>>
  scenarioPaths: string[]
}
const outputs = Object.keys(store.outputContents).sort()
const candidates = store.scenarioPaths.filter((p) => !p.endsWith('.drv')).map((p) => p.slice('/nix/store/'.length, '/nix/store/'.length + 32))

function rebuild(dest: string, ls: Listing, rel: string, out: { contents?: string; files?: Record<string, string> }): void {
  if (ls.type === 'directory') {
    mkdirSync(dest)
    for (const [name, child] of Object.entries(ls.entries ?? {})) rebuild(join(dest, name), child, rel === '' ? name : `${rel}/${name}`, out)
  } else if (ls.type === 'symlink') {
    symlinkSync(ls.target as string, dest)
  } else {
    const text = rel === '' ? out.contents : out.files?.[rel]
    if (text === undefined) throw new Error(`no contents recorded for ${rel}`)
    writeFileSync(dest, text, { mode: ls.executable === true ? 0o755 : 0o644 })
  }
}

describe.each(impls)('store scenario outputs ($name)', ({ env }) => {
  it.each(outputs)('%s', async (storePath) => {
    withImpl(env)
    const out = store.outputContents[storePath]!
    const dest = join(work, `${env ?? 'native'}-${storePath.slice(11)}`)
    rebuild(dest, out.ls, '', out)
    const q = store.queries[storePath]!
    const { hash, size, references } = await narHashAndScan(dest, 'sha256', candidates)
    expect(`${hash.toString()}\n`).toBe(q['--hash'])
    expect(`${size}\n`).toBe(q['--size'])
    const expectedRefs = (q['--references'] as string).split('\n').filter((l) => l !== '').map((p) => p.slice(11, 43)).sort()
    expect(references).toEqual(expectedRefs)
    expect(await scanReferences(dest, candidates)).toEqual(expectedRefs)
  })
})
