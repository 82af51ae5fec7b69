// The walk over the file system shared by dumpPath, hashing and scanning: its buffer handling
// on trees of many small files mixed with big ones, its errors, and that it lets the event loop run.
import { createHash } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { chmodSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { seededRandom } from '@tsnix/test-kit'
import { dumpPath, narHashAndScan, narHashPath, scanReferences } from './index.js'
import { hasNix, implementations, str, tempDir, withImpl } from './testing/support.js'

const B32 = '0123456789abcdfghijklmnpqrsvwxyz'
const impls = await implementations()
const work = tempDir()

/** The NAR of `path`, built the simplest way (whole files in memory), to check the walk against. */
function simpleNar(path: Buffer): Buffer {
  const st = lstatSync(path)
  if (st.isSymbolicLink()) return Buffer.concat(['(', 'type', 'symlink', 'target'].map((t) => str(t)).concat(str(readlinkSync(path, { encoding: 'buffer' })), str(')')))
  if (st.isFile()) {
    const head = ['(', 'type', 'regular', ...((st.mode & 0o100) !== 0 ? ['executable', ''] : []), 'contents'].map((t) => str(t))
    return Buffer.concat([...head, str(readFileSync(path)), str(')')])
  }
  const names = readdirSync(path, { encoding: 'buffer' }).sort(Buffer.compare)
  const entries = names.map((n) => Buffer.concat([str('entry'), str('('), str('name'), str(n), str('node'), simpleNar(Buffer.concat([path, Buffer.from('/'), n])), str(')')]))
  return Buffer.concat([str('('), str('type'), str('directory'), ...entries, str(')')])
}

/** 3 000 small files (sizes around the 8-byte padding), big ones across the 1 MiB buffer, links, hashes. */
const hashes = Array.from({ length: 8 }, (_, i) => {
  const next = seededRandom(500 + i)
  return Array.from({ length: 32 }, () => B32[Math.floor(next() * 32)]).join('')
})
const tree = join(work, 'tree')
{
  const next = seededRandom(42)
  const sizes = [0, 1, 7, 8, 9, 63, 64, 65, 500, 4096, 40_000, 65_536, 65_537]
  for (let d = 0; d < 30; d++) {
    const dir = join(tree, `d${d % 3}`, `sub-${d}`)
    mkdirSync(dir, { recursive: true })
    for (let f = 0; f < 100; f++) {
      const size = sizes[Math.floor(next() * sizes.length)] as number
      const body = Buffer.alloc(size)
      for (let i = 0; i < size; i += 61) body[i] = Math.floor(next() * 256)
      if (size >= 32 && next() < 0.05) body.write(hashes[f % 4] as string, size - 32, 'latin1')
      writeFileSync(join(dir, `f${f}`), body)
      if (next() < 0.1) chmodSync(join(dir, `f${f}`), 0o755)
    }
    symlinkSync(`/nix/store/${hashes[4]}-x`, join(dir, 'link'))
  }
  const big = Buffer.alloc(2.5 * 1024 * 1024 + 5, 0x61)
  big.write(hashes[5] as string, 1024 * 1024 - 40, 'latin1') // across a buffer boundary somewhere
  writeFileSync(join(tree, 'd1', 'big'), big)
  writeFileSync(join(tree, 'd1', 'sub-1', 'medium'), Buffer.alloc(700_000, 0x62))
  mkdirSync(join(tree, 'empty'))
}
const expected = Buffer.concat([str('nix-archive-1'), simpleNar(Buffer.from(tree))])

describe('dumpPath on many small files mixed with big ones', () => {
  it('yields the archive in chunks of their own, none over 1 MiB', async () => {
    const kept: Uint8Array[] = []
    for await (const chunk of dumpPath(tree)) kept.push(chunk) // no copies: a reused buffer would show
    expect(Buffer.concat(kept).equals(expected)).toBe(true)
    expect(Math.max(...kept.map((c) => c.length))).toBeLessThanOrEqual(1024 * 1024)
    expect(kept.length).toBeGreaterThan(3)
  })

  it.skipIf(!hasNix)('is what nix-store --dump writes', () => {
    const r = spawnSync('nix-store', ['--dump', tree], { maxBuffer: 1 << 28 })
    expect(r.status).toBe(0)
    expect(r.stdout.equals(expected)).toBe(true)
  })

  it('closes the file it is reading when the consumer stops early', async () => {
    const open = (): number => readdirSync('/proc/self/fd').length
    const before = open()
    let n = 0
    for await (const chunk of dumpPath(join(tree, 'd1', 'big'))) {
      expect(chunk.length).toBeGreaterThan(0)
      if (++n === 2) break
    }
    expect(open()).toBe(before)
  })
})

describe.each(impls)('hashing and scanning the same tree ($name)', ({ env }) => {
  it('agree with the archive', async () => {
    withImpl(env)
    const sha = createHash('sha256').update(expected).digest()
    const h = await narHashPath(tree)
    expect(Buffer.from(h.hash.digest).equals(sha)).toBe(true)
    expect(h.size).toBe(expected.length)
    const text = expected.toString('latin1')
    const present = hashes.filter((x) => text.includes(x)).sort()
    expect(present.length).toBeGreaterThanOrEqual(5)
    const absent = 'z'.repeat(32)
    expect(await scanReferences(tree, [...hashes, absent])).toEqual(present)
    const both = await narHashAndScan(tree, 'sha512', [...hashes, absent])
    expect(Buffer.from(both.hash.digest).equals(createHash('sha512').update(expected).digest())).toBe(true)
    expect(both.references).toEqual(present)
  })

  it('name an unsupported file deep in the tree', async () => {
    withImpl(env)
    const root = join(work, `fifo-${env ?? 'native'}`)
    mkdirSync(join(root, 'a'), { recursive: true })
    writeFileSync(join(root, 'a', 'before'), 'x')
    const fifo = join(root, 'a', 'pipe')
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0)
    await expect(narHashPath(root)).rejects.toMatchObject({
      name: 'NarError', code: 'unsupported-type', message: `nar: cannot dump '${fifo}': unsupported file type (fifo)`,
    })
  })
})

describe('the TS walk', () => {
  it('lets the event loop run while it hashes', async () => {
    withImpl('0')
    let turns = 0
    let running = true
    const spin = (): void => {
      turns++
      if (running) setImmediate(spin)
    }
    setImmediate(spin)
    const t0 = performance.now()
    for (let i = 0; i < 3; i++) await narHashPath(tree)
    const elapsed = performance.now() - t0
    running = false
    // A turn at least every 10 ms of walking (checked loosely: the machine may be busy).
    expect(turns).toBeGreaterThanOrEqual(Math.floor(elapsed / 100))
  })

  it('reports a file system error as the addon does', async () => {
    withImpl('0')
    const missing = join(tree, 'd0', 'nope')
    await expect(dumpPath(missing).next()).rejects.toMatchObject({
      name: 'NarError', code: 'io', message: `nar: cannot read '${missing}': no such file or directory (ENOENT)`,
    })
  })
})
