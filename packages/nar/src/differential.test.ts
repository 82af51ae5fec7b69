// Differential tests against real Nix on seeded random trees (run when Nix is on PATH).
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { seededRandom } from '@tsnix/test-kit'
import { dumpPath, listNar, narHashAndScan, narHashPath, restoreNar, scanReferences } from './index.js'
import { chunks, collect, hasNix, implementations, tempDir, withImpl } from './testing/support.js'

const B32 = '0123456789abcdfghijklmnpqrsvwxyz'
const impls = await implementations()
const work = tempDir()


/** A random tree: names with odd bytes, sizes around the 8-byte padding, executables, symlinks, embedded hashes. */
function randomTree(seed: number, dest: string): { hashes: string[]; utf8: boolean } {
  const next = seededRandom(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T
  let utf8 = true
  const hashes = Array.from({ length: 6 }, () => Array.from({ length: 32 }, () => pick([...B32])).join(''))
  const nameBytes = (): Buffer => {
    const kind = next()
    if (kind < 0.5) return Buffer.from(`f${Math.floor(next() * 1000)}${pick(['', '.txt', '-x', '~', '.so.1', '.hidden'])}`)
    if (kind < 0.6) return Buffer.from(pick(['é', 'Ω', '日本', '🎉', 'A', 'Z', '_', '0', '9', '-']))
    if (kind < 0.62 && seed % 2 === 1) {
      utf8 = false
      return Buffer.from([0x61, 0x80 + Math.floor(next() * 0x7f)]) // not UTF-8
    }
    if (kind < 0.8) return Buffer.from(`${pick(hashes)}-dep`)
    return Buffer.from(Array.from({ length: 1 + Math.floor(next() * 12) }, () => 0x21 + Math.floor(next() * 94)).filter((b) => b !== 0x2f))
  }
  const contents = (): Buffer => {
    const size = pick([0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4096, 70_000, 300_000])
    const b = Buffer.alloc(size)
    for (let i = 0; i < size; i++) b[i] = next() < 0.7 ? B32.charCodeAt(Math.floor(next() * 32)) : Math.floor(next() * 256)
    if (size > 40 && next() < 0.6) b.write(pick(hashes), Math.floor(next() * (size - 32)), 'latin1')
    return b
  }
  const build = (dir: Buffer, depth: number): void => {
    mkdirSync(dir)
    const count = depth === 0 ? 4 + Math.floor(next() * 8) : Math.floor(next() * 5)
    const used = new Set<string>()
    for (let i = 0; i < count; i++) {
      const name = nameBytes()
      if (name.length === 0 || name.equals(Buffer.from('.')) || name.equals(Buffer.from('..')) || used.has(name.toString('hex'))) continue
      used.add(name.toString('hex'))
      const path = Buffer.concat([dir, Buffer.from('/'), name])
      const kind = next()
      if (kind < 0.55) {
        writeFileSync(path, contents())
        if (next() < 0.3) chmodSync(path, 0o755)
        else if (next() < 0.1) chmodSync(path, 0o640)
      } else if (kind < 0.7) {
        symlinkSync(pick([`/nix/store/${pick(hashes)}-lib/lib`, '../up', 'same-dir', 'x'.repeat(200), 'é/ü']), path)
      } else if (depth < 3) {
        build(path, depth + 1)
      }
    }
  }
  build(Buffer.from(dest), 0)
  return { hashes, utf8 }
}

function nix(args: string[]): Buffer {
  const r = spawnSync(args[0] as string, args.slice(1), { maxBuffer: 1 << 28 })
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr.toString()}`)
  return r.stdout
}

const seeds = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]

describe.skipIf(!hasNix)('against nix-store --dump and nix-hash', () => {
  it.each(seeds)('random tree %i: same NAR bytes, hashes, listing and restore', async (seed) => {
    const tree = join(work, `tree-${seed}`)
    const { hashes, utf8 } = randomTree(seed, tree)
    const theirs = nix(['nix-store', '--dump', tree])
    const ours = await collect(dumpPath(tree))
    expect(theirs.length).toBeGreaterThan(400)
    expect(ours.length).toBe(theirs.length)
    expect(ours.equals(theirs)).toBe(true)

    for (const { env } of impls) {
      withImpl(env)
      for (const algo of ['md5', 'sha1', 'sha256', 'sha512'] as const) {
        const want = nix(['nix-hash', '--type', algo, tree]).toString().trim()
        const { hash, size } = await narHashPath(tree, algo)
        expect({ env, algo, hash: hash.toBase16(), size }).toEqual({ env, algo, hash: want, size: theirs.length })
      }
      const text = theirs.toString('latin1')
      const expected = [...new Set(hashes)].filter((h) => text.includes(h)).sort()
      expect(await scanReferences(tree, hashes)).toEqual(expected)
      expect((await narHashAndScan(tree, 'sha256', hashes)).references).toEqual(expected)
    }

    // Nix's archive restored by us dumps back to the same bytes; Nix restores ours identically.
    const restored = join(work, `restored-${seed}`)
    await restoreNar(chunks(theirs, [7, 4096, 65536]), restored)
    expect((await collect(dumpPath(restored))).equals(theirs)).toBe(true)
    const byNix = join(work, `nix-restored-${seed}`)
    const r = spawnSync('nix-store', ['--restore', byNix], { input: ours })
    expect(r.status).toBe(0)
    expect(nix(['nix-store', '--dump', byNix]).equals(theirs)).toBe(true)

    // Listing agrees with nix nar ls.
    {
      const narFile = join(work, `tree-${seed}.nar`)
      writeFileSync(narFile, theirs)
      const ls = JSON.parse(nix(['nix', '--extra-experimental-features', 'nix-command', 'nar', 'ls', '--json', '-R', narFile, '/']).toString('utf8')) as unknown
      // Nix prints names as raw bytes; compare the listing only when all names are UTF-8.
      if (utf8) expect(await listNar(chunks(theirs))).toEqual(ls)
      else expect(seed % 2).toBe(1)
    }
  })
})
