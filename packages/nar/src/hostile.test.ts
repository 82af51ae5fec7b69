import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { NarError, narEntries, restoreNar, type NarErrorCode } from './index.js'
import { chunks, dir, file, link, nar, raw, str, tempDir, u64 } from './testing/support.js'

const root = tempDir()
let n = 0

/** A sandbox: `outside/` holds a canary, `dest` is where the NAR goes. */
function sandbox(): { base: string; outside: string; dest: string } {
  const base = join(root, `case-${n++}`)
  const outside = join(base, 'outside')
  mkdirSync(outside, { recursive: true })
  writeFileSync(join(outside, 'canary'), 'untouched')
  return { base, outside, dest: join(base, 'dest') }
}

/** Nothing but `outside/canary` and (when `restored`) `dest` exist under base. */
function assertContained(base: string, restored: boolean): void {
  expect(readdirSync(join(base, 'outside'))).toEqual(['canary'])
  expect(readFileSync(join(base, 'outside', 'canary'), 'utf8')).toBe('untouched')
  expect(readdirSync(base).sort()).toEqual(restored ? ['dest', 'outside'] : ['outside'])
}

async function rejects(data: Buffer, code: NarErrorCode, chunkSize = 1 << 16): Promise<NarError> {
  const { base, dest } = sandbox()
  let error: unknown
  try {
    await restoreNar(chunks(data, chunkSize), dest)
  } catch (err) {
    error = err
  }
  expect(error).toBeInstanceOf(NarError)
  const e = error as NarError
  expect({ code: e.code, message: e.message }).toMatchObject({ code })
  expect(e.message).toMatch(/^nar: /)
  expect(e.message).not.toContain('\n')
  assertContained(base, false)
  return e
}

const MAGIC = 'nix-archive-1'
const valid = nar(MAGIC, ...dir(['a', file('hello')], ['b', dir(['c', link('../a')])], ['x', file('#!', true)]))

describe('restore accepts', () => {
  it('a valid archive, byte chunks of any size', async () => {
    for (const size of [1, 3, 8, 13, 1 << 16]) {
      const { base, dest } = sandbox()
      await restoreNar(chunks(valid, size), dest)
      expect(readFileSync(join(dest, 'a'), 'utf8')).toBe('hello')
      expect(lstatSync(join(dest, 'b', 'c')).isSymbolicLink()).toBe(true)
      expect(lstatSync(join(dest, 'x')).mode & 0o111).toBe(0o111)
      expect(lstatSync(join(dest, 'a')).mode & 0o111).toBe(0)
      assertContained(base, true)
    }
  })

  it('a single file, symlink and empty directory as root', async () => {
    for (const [data, check] of [
      [nar(MAGIC, ...file('')), (d: string) => expect(readFileSync(d).length).toBe(0)],
      [nar(MAGIC, ...link('anything')), (d: string) => expect(lstatSync(d).isSymbolicLink()).toBe(true)],
      [nar(MAGIC, ...dir()), (d: string) => expect(readdirSync(d)).toEqual([])],
    ] as const) {
      const { dest } = sandbox()
      await restoreNar(chunks(data), dest)
      check(dest)
    }
  })

  it('names with bytes that are not UTF-8, restored exactly', async () => {
    const { dest } = sandbox()
    const name = Buffer.from([0x66, 0xff, 0xfe])
    await restoreNar(chunks(nar(MAGIC, ...dir([name, file('z')]))), dest)
    const names = readdirSync(dest, { encoding: 'buffer' })
    expect(names).toHaveLength(1)
    expect((names[0] as Buffer).equals(name)).toBe(true)
  })
})

describe('restore rejects', () => {
  it('bad magic', async () => {
    await rejects(nar('nix-archive-2', ...file('x')), 'bad-magic')
    await rejects(nar('nix-archive', ...file('x')), 'bad-magic')
    await rejects(Buffer.from('hello world, not a nar at all'), 'bad-magic')
  })

  it('empty input', async () => {
    await rejects(Buffer.alloc(0), 'truncated')
  })

  it('unknown tokens', async () => {
    await rejects(nar(MAGIC, '(', 'type', 'fifo', ')'), 'unknown-token')
    await rejects(nar(MAGIC, '(', 'kind', 'regular', 'contents', 'x', ')'), 'unknown-token')
    await rejects(nar(MAGIC, '(', 'type', 'directory', 'entrée', ')'), 'unknown-token')
    // A token whose length is beyond any known token.
    await rejects(nar(MAGIC, '(', 'type', 'x'.repeat(1000)), 'unknown-token')
  })

  it('misplaced tokens', async () => {
    await rejects(nar(MAGIC, 'type', 'regular', 'contents', 'x', ')'), 'unexpected-token')
    await rejects(nar(MAGIC, '(', 'type', 'regular', 'executable', 'yes', 'contents', 'x', ')'), 'unknown-token')
    await rejects(nar(MAGIC, '(', 'type', 'regular', 'executable', '(', 'contents', 'x', ')'), 'unexpected-token')
    await rejects(nar(MAGIC, '(', 'type', 'regular', 'contents', 'x', 'executable', '', ')'), 'unexpected-token')
    await rejects(nar(MAGIC, '(', 'type', 'regular', 'executable', '', 'executable', '', 'contents', 'x', ')'), 'unexpected-token')
    await rejects(nar(MAGIC, '(', 'type', 'symlink', 'target', 'a', 'target', 'b', ')'), 'unexpected-token')
  })

  it('missing fields', async () => {
    await rejects(nar(MAGIC, '(', 'type', 'regular', ')'), 'missing-field')
    await rejects(nar(MAGIC, '(', 'type', 'symlink', ')'), 'missing-field')
    await rejects(nar(MAGIC, '(', 'type', 'directory', 'entry', '(', 'node', ...file('x'), ')', ')'), 'missing-field')
    await rejects(nar(MAGIC, '(', 'type', 'directory', 'entry', '(', 'name', 'a', ...file('x'), ')', ')'), 'unexpected-token')
    await rejects(nar(MAGIC, '(', 'type', 'directory', 'entry', '(', 'name', 'a', 'node', ')', ')'), 'missing-field')
    await rejects(nar(MAGIC, '(', 'type', 'regular', 'contents', 'x'), 'truncated')
  })

  it('unsorted and duplicate entries', async () => {
    const e1 = await rejects(nar(MAGIC, ...dir(['b', file('1')], ['a', file('2')])), 'unsorted-entries')
    expect(e1.message).toContain('"a" after "b"')
    await rejects(nar(MAGIC, ...dir(['a', file('1')], ['a', file('2')])), 'duplicate-entry')
    // A directory and a file of the same name: the second would go inside or over the first.
    await rejects(nar(MAGIC, ...dir(['a', dir(['x', file('1')])], ['a', file('2')])), 'duplicate-entry')
    // Byte order, not locale order: 'B' (0x42) sorts before 'a' (0x61).
    await rejects(nar(MAGIC, ...dir(['a', file('1')], ['B', file('2')])), 'unsorted-entries')
  })

  it.each([
    ['empty', ''],
    ['.', '.'],
    ['..', '..'],
    ['with a slash', 'a/b'],
    ['a traversal', '../outside/canary'],
    ['an absolute path', '/etc/passwd'],
    ['with NUL', 'a\0b'],
  ])('an entry name %s', async (_, name) => {
    const e = await rejects(nar(MAGIC, ...dir([name, file('pwned')])), 'bad-name')
    expect(e.path).toBe('/')
  })

  it('bad names deep in the tree name their parent', async () => {
    const e = await rejects(nar(MAGIC, ...dir(['d', dir(['e', dir(['..', file('x')])])])), 'bad-name')
    expect(e.path).toBe('/d/e')
    expect(e.message).toContain("at '/d/e'")
  })

  it('symlink escapes: a symlink then an entry through it', async () => {
    // `a -> ../outside`, then a second `a` directory holding `canary`: the second `a` must be
    // refused (duplicate), never followed.
    const data = nar(MAGIC, ...dir(['a', link('../outside')], ['a', dir(['canary', file('pwned')])]))
    await rejects(data, 'duplicate-entry')
    // The only way to reach below a symlink would be a name with '/'.
    await rejects(nar(MAGIC, ...dir(['a', link('../outside')], ['a/canary', file('pwned')])), 'bad-name')
  })

  it('bad symlink targets', async () => {
    await rejects(nar(MAGIC, ...link('')), 'bad-target')
    await rejects(nar(MAGIC, ...link('a\0b')), 'bad-target')
    await rejects(nar(MAGIC, ...link('x'.repeat(5000))), 'too-long')
  })

  it('over-long names and impossible lengths', async () => {
    await rejects(nar(MAGIC, ...dir(['n'.repeat(256), file('x')])), 'too-long')
    await rejects(nar(MAGIC, '(', 'type', 'regular', 'contents', u64(2n ** 60n)), 'too-long')
    await rejects(nar(MAGIC, '(', 'type', 'regular', 'contents', u64(1000), raw(Buffer.from('short'))), 'truncated')
  })

  it('non-zero padding', async () => {
    const good = nar(MAGIC, ...file('abc'))
    const bad = Buffer.from(good)
    // contents 'abc' is followed by 5 padding bytes before ')'
    const at = good.indexOf(Buffer.from('abc')) + 3
    bad[at + 2] = 1
    const e = await rejects(bad, 'bad-padding')
    expect(e.offset).toBe(at + 2)
    const badMagic = Buffer.from(nar(MAGIC, ...file('abc')))
    badMagic[8 + 13] = 0x20
    await rejects(badMagic, 'bad-padding')
  })

  it('trailing data', async () => {
    const e = await rejects(Buffer.concat([valid, Buffer.from([0])]), 'trailing-data')
    expect(e.offset).toBe(valid.length)
    await rejects(Buffer.concat([valid, str('(')]), 'trailing-data')
  })

  it('truncation at every byte, with every chunking', async () => {
    for (let cut = 0; cut < valid.length; cut++) {
      let error: unknown
      try {
        for await (const e of narEntries(chunks(valid.subarray(0, cut), cut % 2 === 0 ? 7 : 64))) {
          if (e.type === 'regular') for await (const _ of e.body) { /* drain */ }
        }
      } catch (err) {
        error = err
      }
      expect(error, `cut at ${cut}`).toMatchObject({ code: 'truncated', offset: cut })
      // Restoring (slower: it touches the disk) at a sample of cuts.
      if (cut % 16 === 5) await rejects(valid.subarray(0, cut), 'truncated', 3)
    }
  })

  it('every error names the byte offset', async () => {
    const data = nar(MAGIC, ...dir(['a', file('1')], ['b', ['(', 'type', 'bogus', ')']]))
    const e = await rejects(data, 'unknown-token')
    const at = data.indexOf(Buffer.from('bogus')) - 8
    expect(e.offset).toBe(at)
    expect(e.path).toBe('/b')
    expect(e.message).toBe(`nar: unknown token "bogus" in node type, expected 'regular', 'symlink' or 'directory' (at '/b', byte ${at})`)
  })
})

describe('restore destination', () => {
  it('refuses an existing destination and leaves it alone', async () => {
    const { base, dest } = sandbox()
    mkdirSync(dest)
    writeFileSync(join(dest, 'keep'), 'mine')
    await expect(restoreNar(chunks(valid), dest)).rejects.toMatchObject({ code: 'destination-exists' })
    expect(readdirSync(dest)).toEqual(['keep'])
    expect(readdirSync(base).sort()).toEqual(['dest', 'outside'])
  })

  it('refuses a destination that is a symlink (even dangling), never following it', async () => {
    const { base, outside, dest } = sandbox()
    symlinkSync(outside, dest)
    await expect(restoreNar(chunks(valid), dest)).rejects.toMatchObject({ code: 'destination-exists' })
    symlinkSync(join(outside, 'new'), join(base, 'dangling'))
    await expect(restoreNar(chunks(nar(MAGIC, ...file('x'))), join(base, 'dangling'))).rejects.toMatchObject({ code: 'destination-exists' })
    expect(existsSync(join(outside, 'new'))).toBe(false)
    expect(readdirSync(outside)).toEqual(['canary'])
  })

  it('removes what it created when the archive fails late', async () => {
    const { base, dest } = sandbox()
    const data = nar(MAGIC, ...dir(['a', file('1')], ['b', dir(['c', file('2')])], ['a', file('dup')]))
    await expect(restoreNar(chunks(data, 5), dest)).rejects.toMatchObject({ code: 'unsorted-entries' })
    expect(existsSync(dest)).toBe(false)
    expect(readdirSync(base)).toEqual(['outside'])
  })

  it('a missing parent is a file system error', async () => {
    const { base } = sandbox()
    await expect(restoreNar(chunks(valid), join(base, 'no', 'dest'))).rejects.toMatchObject({ code: 'ENOENT' })
  })
})

describe('narEntries', () => {
  it('yields entries in archive order with paths, offsets and skips unread bodies', async () => {
    const out: string[] = []
    for await (const e of narEntries(chunks(valid, 3))) {
      out.push(`${e.type} ${e.path}${e.type === 'symlink' ? ` -> ${e.target}` : ''}${e.type === 'regular' ? ` ${e.size}${e.executable ? ' x' : ''}` : ''}`)
    }
    expect(out).toEqual(['directory /', 'regular /a 5', 'directory /b', 'symlink /b/c -> ../a', 'regular /x 2 x'])
  })

  it('refuses reading a body after moving on', async () => {
    const it = narEntries(chunks(valid))
    await it.next()
    const a = (await it.next()).value
    await it.next()
    if (a?.type !== 'regular') throw new Error('expected a file')
    await expect(async () => {
      for await (const _ of a.body) { /* nothing */ }
    }).rejects.toBeInstanceOf(NarError)
  })
})
