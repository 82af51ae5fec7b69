import { mkdirSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { NarError, catNar, formatListing, listNar, listingToJson, narHashPath, scanReferences } from './index.js'
import { chunks, collect, dir, file, implementations, link, nar, tempDir, withImpl } from './testing/support.js'

const MAGIC = 'nix-archive-1'
// Names chosen so JS property order ("9" before "10") differs from archive order.
const archive = nar(MAGIC, ...dir(
  ['10', file('ten')],
  ['9', file('nine', true)],
  ['__proto__', file('proto')],
  ['d', dir(['e', link('../10')], ['f\nnl', file('')])],
))

describe('listNar', () => {
  it('lists recursively with narOffset, in archive order', async () => {
    // The empty file ends the archive: its contents sit before five 16-byte ")" tokens.
    const l = await listNar(chunks(archive, 5))
    expect(listingToJson(l)).toBe('{"type":"directory","entries":{'
      + `"10":{"type":"regular","size":3,"narOffset":${archive.indexOf('ten\0')}},`
      + `"9":{"type":"regular","size":4,"executable":true,"narOffset":${archive.indexOf('nine')}},`
      + `"__proto__":{"type":"regular","size":5,"narOffset":${archive.indexOf('proto\0')}},`
      + `"d":{"type":"directory","entries":{"e":{"type":"symlink","target":"../10"},"f\\nnl":{"type":"regular","size":0,"narOffset":${archive.length - 5 * 16}}}}}}`)
  })

  it('lists one level without recursion, and a sub-path', async () => {
    expect(listingToJson(await listNar(chunks(archive), '/', { recursive: false })))
      .toBe('{"type":"directory","entries":{"10":{},"9":{},"__proto__":{},"d":{}}}')
    expect(await listNar(chunks(archive), '/d/e')).toEqual({ type: 'symlink', target: '../10' })
    expect(await listNar(chunks(archive), 'd/')).toMatchObject({ type: 'directory' })
  })

  it('reports missing paths and never normalises ..', async () => {
    await expect(listNar(chunks(archive), '/nope')).rejects.toMatchObject({ code: 'not-found' })
    await expect(listNar(chunks(archive), '/d/../10')).rejects.toMatchObject({ code: 'not-found' })
  })

  it('formats as nix nar ls -l -R', async () => {
    const l = await listNar(chunks(archive))
    expect(formatListing(l, '/', { long: true, recursive: true })).toBe([
      `-r--r--r--${' '.repeat(20)}3 ./10`,
      `-r-xr-xr-x${' '.repeat(20)}4 ./9`,
      `-r--r--r--${' '.repeat(20)}5 ./__proto__`,
      `dr-xr-xr-x${' '.repeat(20)}0 ./d`,
      `lrwxrwxrwx${' '.repeat(20)}0 ./d/e -> ../10`,
      `-r--r--r--${' '.repeat(20)}0 ./d/f\nnl`,
      '',
    ].join('\n'))
    expect(formatListing(l, '/', {})).toBe('./10\n./9\n./__proto__\n./d\n')
    expect(formatListing(await listNar(chunks(archive), '/9'), '/9', { long: true })).toBe(`-r-xr-xr-x${' '.repeat(20)}4 9\n`)
  })
})

describe('catNar', () => {
  it('streams one file', async () => {
    expect((await collect(catNar(chunks(archive, 3), '/9'))).toString()).toBe('nine')
    expect((await collect(catNar(chunks(archive), '/d/f\nnl'))).length).toBe(0)
  })

  it('rejects directories, symlinks, missing paths and a broken rest of the archive', async () => {
    await expect(collect(catNar(chunks(archive), '/d'))).rejects.toMatchObject({ code: 'not-regular' })
    await expect(collect(catNar(chunks(archive), '/d/e'))).rejects.toMatchObject({ code: 'not-regular' })
    await expect(collect(catNar(chunks(archive), '/x'))).rejects.toMatchObject({ code: 'not-found' })
    await expect(collect(catNar(chunks(archive.subarray(0, archive.length - 8)), '/10'))).rejects.toBeInstanceOf(NarError)
  })
})

const impls = await implementations()
const work = tempDir()

describe.each(impls)('errors are the same in every implementation ($name)', ({ env }) => {
  it('missing path', async () => {
    withImpl(env)
    const missing = join(work, 'missing')
    await expect(narHashPath(missing)).rejects.toMatchObject({
      name: 'NarError', code: 'io', message: `nar: cannot read '${missing}': no such file or directory (ENOENT)`,
    })
    await expect(scanReferences(missing, [])).rejects.toMatchObject({ code: 'io' })
  })

  it('a missing file below a directory (through a dangling path)', async () => {
    withImpl(env)
    const d = join(work, `notdir-${env ?? 'native'}`)
    mkdirSync(d)
    symlinkSync('/nonexistent', join(d, 'dangling')) // a dangling symlink is fine: not followed
    expect((await narHashPath(d)).size).toBeGreaterThan(0)
  })
})
