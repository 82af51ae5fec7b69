import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { createReadStream } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { dumpPath, listNar, listingToJson, narHashAndScan, narHashPath, restoreNar } from './index.js'
import { chunks, collect, goldenDir, implementations, make, tempDir, withImpl } from './testing/support.js'

const narDir = join(goldenDir, 'nar')
const cases = readdirSync(narDir).filter((n) => existsSync(join(narDir, n, 'make.sh'))).sort()
const impls = await implementations()

interface Expected {
  narHashSha256Base32: string
  narHashSha256Base16: string
  narHashSri: string
  narSize: number
  ls: unknown
}

const work = tempDir()
const trees = new Map<string, string>()
beforeAll(() => {
  for (const name of cases) {
    const dest = join(work, name)
    make(join(narDir, name, 'make.sh'), dest)
    trees.set(name, dest)
  }
})

it('has golden NAR cases', () => {
  expect(cases.length).toBeGreaterThanOrEqual(20)
})

describe.each(cases)('golden %s', (name) => {
  const expected = JSON.parse(readFileSync(join(narDir, name, 'expected.json'), 'utf8')) as Expected
  const narFile = join(narDir, name, 'dump.nar')
  const hasNar = existsSync(narFile)
  const tree = (): string => trees.get(name) as string

  it('dumps the bytes of nix-store --dump', async () => {
    const bytes = await collect(dumpPath(tree()))
    expect(bytes.length).toBe(expected.narSize)
    if (hasNar) expect(bytes.equals(readFileSync(narFile))).toBe(true)
  })

  it.each(impls)('hashes as nix-hash ($name)', async ({ env }) => {
    withImpl(env)
    const { hash, size } = await narHashPath(tree())
    expect(size).toBe(expected.narSize)
    expect(hash.toNix32()).toBe(expected.narHashSha256Base32)
    expect(hash.toBase16()).toBe(expected.narHashSha256Base16)
    expect(hash.toSri()).toBe(expected.narHashSri)
    const both = await narHashAndScan(tree(), 'sha256', [])
    expect(both.hash.toSri()).toBe(expected.narHashSri)
    expect(both.size).toBe(expected.narSize)
  })

  it('lists as nix nar ls --json -R', async () => {
    const listing = await listNar(dumpPath(tree()))
    expect(listing).toEqual(expected.ls)
    expect(JSON.parse(listingToJson(listing))).toEqual(expected.ls)
  })

  // Cases too big to keep a dump.nar restore what we dump; the hash check ties it to Nix.
  it('restores the archive to the same tree', async () => {
    const dest = join(work, `${name}.restored`)
    await restoreNar(hasNar ? createReadStream(narFile, { highWaterMark: 4096 }) : dumpPath(tree()), dest)
    const again = await collect(dumpPath(dest))
    if (hasNar) expect(again.equals(readFileSync(narFile))).toBe(true)
    expect((await narHashPath(dest)).hash.toSri()).toBe(expected.narHashSri)
  })

  it('restores from 1..9-byte chunks', async () => {
    const dest = join(work, `${name}.restored-small`)
    const data = hasNar ? readFileSync(narFile) : await collect(dumpPath(tree()))
    const small = data.length <= 200_000
    await restoreNar(chunks(data, small ? [1, 2, 3, 5, 7, 8, 9] : [4093, 65536, 1]), dest)
    expect((await collect(dumpPath(dest))).equals(data)).toBe(true)
  })
})
