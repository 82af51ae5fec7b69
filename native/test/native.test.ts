// Black-box tests of @tsnix/native. Skipped when the addon is not built
// (`pnpm run build:native`).
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { golden, onPath, seededRandom } from '@tsnix/test-kit'
import { native, type Native } from './addon.js'

const n = (): Native => {
  if (!native) throw new Error('addon not built')
  return native
}

const goldenDir = golden('nar')
const hasGolden = existsSync(goldenDir)
const hasNix = onPath('nix-hash')
const isRoot = process.getuid?.() === 0

const work = mkdtempSync(join(tmpdir(), 'tsnix-native-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))
let counter = 0
const fresh = (): string => join(work, `t${counter++}`)

const BASE32 = '0123456789abcdfghijklmnpqrsvwxyz'
/** A deterministic pseudo-random hash part. */
function hashPart(seed: number): string {
  let x = (seed * 2654435761 + 12345) >>> 0
  let s = ''
  for (let i = 0; i < 32; i++) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    s += BASE32[x % 32]
  }
  return s
}

/** The specification of Nix's scanner, written out naively: every 32-byte window of the stream. */
function naiveScan(stream: Buffer, candidates: string[]): string[] {
  const set = new Set(candidates.filter((c) => c.length === 32 && [...c].every((ch) => BASE32.includes(ch))))
  const found = new Set<string>()
  for (let i = 0; i + 32 <= stream.length; i++) {
    const w = stream.toString('latin1', i, i + 32)
    if (set.has(w)) found.add(w)
  }
  return [...found].sort()
}

const goldenCases = hasGolden
  ? readdirSync(goldenDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(goldenDir, d.name, 'make.sh')))
      .map((d) => d.name)
  : []

describe.skipIf(!native || !hasGolden)('golden NAR hashes (Nix 2.8)', () => {
  it('has cases', () => {
    expect(goldenCases.length).toBeGreaterThan(10)
  })
  describe.each(goldenCases)('%s', (name) => {
    const dir = join(goldenDir, name)
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as {
      narHashSha256Base16: string
      narSize: number
    }
    const root = fresh()
    const made = spawnSync('sh', [join(dir, 'make.sh'), root])
    const dumpPath = join(dir, 'dump.nar')
    const dump = existsSync(dumpPath) ? readFileSync(dumpPath) : null

    it('sha256 and size', async () => {
      expect(made.status, made.stderr?.toString()).toBe(0)
      const r = await n().narHashPath(root, 'sha256')
      expect(r.digest.toString('hex')).toBe(expected.narHashSha256Base16)
      expect(r.size).toBe(expected.narSize)
    })
    it.skipIf(!dump)('md5, sha1, sha512 equal the hash of dump.nar', async () => {
      for (const algo of ['md5', 'sha1', 'sha512'] as const) {
        const r = await n().narHashPath(root, algo)
        expect(r.digest.toString('hex'), algo).toBe(createHash(algo).update(dump!).digest('hex'))
      }
    })
    it.skipIf(!dump)('scanning agrees with the naive scan of dump.nar', async () => {
      // Candidates: every base-32 window actually in the NAR (up to 50), plus absent ones.
      const present = naiveScan(dump!, windowsOf(dump!)).slice(0, 50)
      const candidates = [...present, hashPart(1), hashPart(2)]
      const refs = await n().scanReferences(root, candidates)
      expect(refs).toEqual(naiveScan(dump!, candidates))
      const both = await n().narHashAndScan(root, 'sha256', candidates)
      expect(both.references).toEqual(refs)
      expect(both.digest.toString('hex')).toBe(expected.narHashSha256Base16)
      expect(both.size).toBe(expected.narSize)
    })
  })
})

function windowsOf(buf: Buffer): string[] {
  const out: string[] = []
  for (let i = 0; i + 32 <= buf.length; i++) {
    const w = buf.toString('latin1', i, i + 32)
    if ([...w].every((ch) => BASE32.includes(ch))) out.push(w)
  }
  return out
}

describe.skipIf(!native || !hasNix)('differential against nix-hash', () => {
  const nixHash = (type: string, p: string): string =>
    spawnSync('nix-hash', ['--type', type, p], { encoding: 'utf8' }).stdout.trim()
  const nixSize = (p: string): number => spawnSync('nix-store', ['--dump', p], { maxBuffer: 1 << 30 }).stdout.length

  it('execute bits: only the owner bit counts', async () => {
    const root = fresh()
    mkdirSync(root)
    for (const [name, mode] of [['u', 0o700], ['g', 0o670], ['o', 0o607], ['none', 0o644], ['all', 0o755]] as const) {
      writeFileSync(join(root, name), name)
      chmodSync(join(root, name), mode)
    }
    const r = await n().narHashPath(root, 'sha256')
    expect(r.digest.toString('hex')).toBe(nixHash('sha256', root))
    expect(r.size).toBe(nixSize(root))
  })

  it('byte-order of names, empty dirs, symlinks, chunk-sized files', async () => {
    const root = fresh()
    mkdirSync(join(root, 'Z/empty'), { recursive: true })
    for (const name of ['a', 'B', '_', 'a.b', 'a-b', 'ä', 'aa', '\u00ff', 'Z0']) writeFileSync(join(root, name), name.repeat(3))
    symlinkSync('../nowhere', join(root, 'Z/dangling'))
    symlinkSync('Z', join(root, 'link-to-dir'))
    for (const size of [262143, 262144, 262145, 1048576 + 13]) {
      writeFileSync(join(root, `f${size}`), Buffer.alloc(size, size % 251))
    }
    for (const algo of ['md5', 'sha1', 'sha256', 'sha512']) {
      const r = await n().narHashPath(root, algo as 'sha256')
      expect(r.digest.toString('hex'), algo).toBe(nixHash(algo, root))
    }
    expect((await n().narHashPath(root, 'sha256')).size).toBe(nixSize(root))
  })

  it('a tree deeper than the walker keeps directories open for', async () => {
    const root = fresh()
    let p = root
    for (let i = 0; i < 150; i++) {
      p = join(p, i % 2 ? 'd' : 'dir')
      mkdirSync(p, { recursive: true })
      writeFileSync(join(p, 'f'), String(i))
      if (i % 10 === 0) symlinkSync('f', join(p, 'l'))
    }
    const r = await n().narHashPath(root, 'sha256')
    expect(r.digest.toString('hex')).toBe(nixHash('sha256', root))
    expect(r.size).toBe(nixSize(root))
  })

  it('wide directories mixing small, large, executable files and symlinks', async () => {
    const root = fresh()
    mkdirSync(join(root, 'sub'), { recursive: true })
    for (let i = 0; i < 300; i++) {
      const f = join(root, i % 7 === 0 ? `sub/x${i}` : `f${i}`)
      if (i % 11 === 0) symlinkSync(`target-${i}`, f)
      else writeFileSync(f, Buffer.alloc(i % 50 === 0 ? 200_000 + i : i * 3, i), { mode: i % 5 === 0 ? 0o755 : 0o644 })
    }
    const r = await n().narHashAndScan(root, 'sha256', [hashPart(9)])
    expect(r.digest.toString('hex')).toBe(nixHash('sha256', root))
    expect(r.size).toBe(nixSize(root))
  })

  it('a symlink given as the root is not followed', async () => {
    const root = fresh()
    mkdirSync(root)
    symlinkSync('/etc', join(root, 'l'))
    const r = await n().narHashPath(join(root, 'l'), 'sha256')
    expect(r.digest.toString('hex')).toBe(nixHash('sha256', join(root, 'l')))
  })
})

describe.skipIf(!native)('reference scanning semantics', () => {
  const h = Array.from({ length: 12 }, (_, i) => hashPart(i + 100))

  const table: Array<[string, string, string[], string[]]> = [
    ['exact buffer', h[0]!, [h[0]!], [h[0]!]],
    ['inside a longer base-32 run', `${h[1]!.slice(5)}${h[0]}${h[1]}`, [h[0]!, h[1]!], [h[0]!, h[1]!].sort()],
    ['self-overlapping occurrences', '01'.repeat(20), ['01'.repeat(16), '10'.repeat(16), '0'.repeat(32)], ['01'.repeat(16), '10'.repeat(16)]],
    ['two candidates overlapping each other', '0123456789abcdfghijklmnpqrsvwxyz0123456789', ['0123456789abcdfghijklmnpqrsvwxy', '0123456789abcdfghijklmnpqrsvwxyz', '456789abcdfghijklmnpqrsvwxyz0123', 'abcdfghijklmnpqrsvwxyz0123456789'], ['0123456789abcdfghijklmnpqrsvwxyz', '456789abcdfghijklmnpqrsvwxyz0123', 'abcdfghijklmnpqrsvwxyz0123456789']],
    ['one character short', h[0]!.slice(0, 31), [h[0]!], []],
    ['one character changed', `${h[0]!.slice(0, 31)}${h[0]!.endsWith('0') ? '1' : '0'}`, [h[0]!], []],
    ['candidates that are not base-32 are never found', 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee' + 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', ['eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'], []],
    ['candidates of other lengths are never found', 'x'.repeat(40), ['x'.repeat(31), 'x'.repeat(33), 'x'.repeat(32)], ['x'.repeat(32)]],
    ['sorted and de-duplicated', `${h[2]}/${h[1]}/${h[2]}`, [h[2]!, h[1]!, h[2]!, h[3]!], [h[1]!, h[2]!].sort()],
    ['store paths in text', `/nix/store/${h[4]}-foo/bin:/nix/store/${h[5]}-bar\n`, [h[4]!, h[5]!, h[6]!], [h[4]!, h[5]!].sort()],
  ]
  it.each(table)('scanBytes: %s', (_name, text, candidates, expected) => {
    const got = n().scanBytes(Buffer.from(text, 'latin1'), candidates)
    expect(got).toEqual(expected)
    expect(got).toEqual(naiveScan(Buffer.from(text, 'latin1'), candidates))
  })

  it('scanBytes accepts a plain Uint8Array and an empty candidate list', () => {
    expect(n().scanBytes(new TextEncoder().encode(`x${h[0]}x`), [h[0]!])).toEqual([h[0]])
    expect(n().scanBytes(new Uint8Array(0), [h[0]!])).toEqual([])
    expect(n().scanBytes(new TextEncoder().encode(h[0]!), [])).toEqual([])
  })

  it('finds hashes straddling every read-buffer boundary', async () => {
    // A single file's contents start at NAR offset 96. Put a distinct candidate
    // across each power-of-two boundary from 4 KiB to 2 MiB, at several shifts.
    const size = (2 << 20) + 4096
    const data = Buffer.alloc(size, '-')
    const expected: string[] = []
    let seed = 1000
    for (let boundary = 4096; boundary <= 2 << 20; boundary *= 2) {
      for (const shift of [1, 8, 16, 31]) {
        const at = boundary - 96 - shift
        const c = hashPart(seed++)
        if (data.subarray(at - 1, at + 33).toString('latin1') !== '-'.repeat(34)) continue
        data.write(c, at, 'latin1')
        expected.push(c)
      }
    }
    const file = fresh()
    writeFileSync(file, data)
    const absent = [hashPart(1), hashPart(2)]
    const refs = await n().scanReferences(file, [...expected, ...absent])
    expect(refs).toEqual([...expected].sort())
    expect(refs).toEqual(naiveScan(readNar(file, data), [...expected, ...absent]))
    const both = await n().narHashAndScan(file, 'sha256', [...expected, ...absent])
    expect(both.references).toEqual(refs)
    expect(both.digest).toEqual((await n().narHashPath(file, 'sha256')).digest)
  })

  it('file names, directory names and symlink targets count; contents split across files do not', async () => {
    const root = fresh()
    mkdirSync(join(root, `dir-${h[0]}`), { recursive: true })
    writeFileSync(join(root, `${h[1]}.txt`), 'x')
    symlinkSync(`/nix/store/${h[2]}-target`, join(root, 'link'))
    // h[3] split over two files: the NAR framing separates the halves.
    writeFileSync(join(root, 'p1'), h[3]!.slice(0, 16))
    writeFileSync(join(root, 'p2'), h[3]!.slice(16))
    writeFileSync(join(root, 'body'), `prefix${h[4]}${h[5]}suffix`)
    const candidates = [h[0]!, h[1]!, h[2]!, h[3]!, h[4]!, h[5]!, h[6]!]
    expect(await n().scanReferences(root, candidates)).toEqual([h[0]!, h[1]!, h[2]!, h[4]!, h[5]!].sort())
    if (hasNix) {
      const nar = spawnSync('nix-store', ['--dump', root]).stdout
      expect(await n().scanReferences(root, candidates)).toEqual(naiveScan(nar, candidates))
    }
  })

  it('a file whose length field is base-32 next to base-32 contents', async () => {
    // The NAR length of 0x61 bytes is "a\0\0..."; contents follow the zero
    // bytes, so no window crosses from the length into the contents.
    const file = fresh()
    const body = h[7]!.slice(1).padEnd(0x61, 'z')
    writeFileSync(file, body)
    expect(await n().scanReferences(file, [`a${h[7]!.slice(1)}`, h[7]!])).toEqual([])
  })
})

/** The NAR of a single non-executable regular file, built by hand. */
function readNar(_file: string, contents: Buffer): Buffer {
  const str = (s: Buffer): Buffer => {
    const len = Buffer.alloc(8)
    len.writeBigUInt64LE(BigInt(s.length))
    return Buffer.concat([len, s, Buffer.alloc((8 - (s.length % 8)) % 8)])
  }
  const t = (s: string): Buffer => str(Buffer.from(s))
  return Buffer.concat([t('nix-archive-1'), t('('), t('type'), t('regular'), t('contents'), str(contents), t(')')])
}

describe.skipIf(!native)('errors', () => {
  it('missing path', async () => {
    const p = join(work, 'does-not-exist')
    await expect(n().narHashPath(p, 'sha256')).rejects.toMatchObject({
      message: `nar: cannot read '${p}': no such file or directory (ENOENT)`,
      code: 'cannot-read',
    })
    await expect(n().scanReferences(p, [])).rejects.toThrow(`nar: cannot read '${p}': no such file or directory (ENOENT)`)
    await expect(n().narHashAndScan(p, 'sha256', [])).rejects.toThrow(`nar: cannot read '${p}'`)
  })

  it('a path through a regular file', async () => {
    const f = fresh()
    writeFileSync(f, 'x')
    await expect(n().narHashPath(join(f, 'child'), 'sha256')).rejects.toThrow(
      `nar: cannot read '${f}/child': not a directory (ENOTDIR)`,
    )
  })

  it('a fifo inside a directory names the full path', async () => {
    const root = fresh()
    mkdirSync(join(root, 'sub'), { recursive: true })
    const made = spawnSync('mkfifo', [join(root, 'sub', 'pipe')])
    expect(made.status).toBe(0)
    await expect(n().narHashPath(root, 'sha256')).rejects.toMatchObject({
      message: `nar: unsupported file type at '${root}/sub/pipe'`,
      code: 'unsupported-type',
    })
  })

  it('the first failing entry in NAR order is reported, however wide the directory', async () => {
    const root = fresh()
    mkdirSync(root)
    for (let i = 0; i < 500; i++) writeFileSync(join(root, `f${String(i).padStart(3, '0')}`), 'x')
    expect(spawnSync('mkfifo', [join(root, 'f250-pipe'), join(root, 'f400-pipe')]).status).toBe(0)
    for (let round = 0; round < 5; round++) {
      await expect(n().narHashPath(root, 'sha256')).rejects.toThrow(`nar: unsupported file type at '${root}/f250-pipe'`)
      await expect(n().scanReferences(root, [])).rejects.toThrow(`nar: unsupported file type at '${root}/f250-pipe'`)
    }
  })

  it('a socket and a device', async () => {
    const sock = join(fresh() + '.sock')
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(sock, resolve))
    try {
      await expect(n().narHashPath(sock, 'sha256')).rejects.toThrow(`nar: unsupported file type at '${sock}'`)
    } finally {
      server.close()
    }
    await expect(n().scanReferences('/dev/null', [])).rejects.toThrow(`nar: unsupported file type at '/dev/null'`)
  })

  it.skipIf(isRoot)('an unreadable file', async () => {
    const root = fresh()
    mkdirSync(root)
    writeFileSync(join(root, 'secret'), 'x')
    chmodSync(join(root, 'secret'), 0)
    await expect(n().narHashPath(root, 'sha256')).rejects.toThrow(
      `nar: cannot read '${root}/secret': permission denied (EACCES)`,
    )
  })

  it('an unknown algorithm', async () => {
    await expect(n().narHashPath(work, 'sha3' as 'sha256')).rejects.toMatchObject({
      message: `nar: unsupported hash algorithm 'sha3'`,
      code: 'unsupported-algorithm',
    })
    await expect(n().narHashAndScan(work, 'SHA256', [])).rejects.toThrow(`nar: unsupported hash algorithm 'SHA256'`)
  })
})

describe.skipIf(!native)('error wording shared with the TS twin', () => {
  it('a symlink loop on the way is ELOOP with the C library text', async () => {
    const root = fresh()
    mkdirSync(root)
    symlinkSync('loop', join(root, 'loop'))
    await expect(n().narHashPath(join(root, 'loop', 'x'), 'sha256')).rejects.toThrow(
      `nar: cannot read '${root}/loop/x': too many levels of symbolic links (ELOOP)`,
    )
  })
})

describe.skipIf(!native)('paths in messages', () => {
  it('trailing slashes of the root are not doubled', async () => {
    const root = fresh()
    mkdirSync(root)
    expect(spawnSync('mkfifo', [join(root, 'p')]).status).toBe(0)
    await expect(n().narHashPath(`${root}//`, 'sha256')).rejects.toThrow(`nar: unsupported file type at '${root}/p'`)
  })
})

describe.skipIf(!native)('hashLatin1 (builtins.hashString)', () => {
  // the TS twin is node:crypto over the same bytes
  it('equals node:crypto over the Latin-1 bytes of the string, for every algorithm', () => {
    const rand = seededRandom(0x9e3779b9)
    const byte = (): number => Math.floor(rand() * 256)
    for (let i = 0; i < 300; i++) {
      // lengths across the block sizes (64 and 128 bytes), NUL and high bytes included
      const len = i < 260 ? i : 1000 + i * 37
      const text = String.fromCharCode(...Array.from({ length: len }, byte))
      for (const algo of ['md5', 'sha1', 'sha256', 'sha512'] as const) {
        expect(n().hashLatin1(algo, text)).toBe(createHash(algo).update(Buffer.from(text, 'latin1')).digest('hex'))
      }
    }
  })

  it('an unknown algorithm', () => {
    expect(() => n().hashLatin1('sha3' as 'sha256', 'x')).toThrow(expect.objectContaining({ code: 'unsupported-algorithm' }))
  })
})
