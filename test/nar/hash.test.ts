// CLI e2e: the `hash` tool of @tsnix/nar against Nix's recorded outputs (and live Nix when installed).
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { goldenDir, onPath, runTool } from '../helpers/run.js'

const hash = (args: string[], input?: string) => runTool('nar', 'hash', args, input === undefined ? {} : { input })
const ALGOS = ['md5', 'sha1', 'sha256', 'sha512'] as const

interface FlatHashes { base16: string; base32: string; truncatedBase16: string; truncatedBase32: string; sri: string; base64: string; nixHashFileBase32: string; nixHashFileBase16: string }
const flat = JSON.parse(readFileSync(join(goldenDir, 'nar', 'flat.json'), 'utf8')) as { files: { file: string; hashes: Record<string, FlatHashes> }[] }
const conversions = JSON.parse(readFileSync(join(goldenDir, 'hash', 'conversions.json'), 'utf8')) as {
  hashes: { label: string; algo: string; base16: string; base32: string; base64: string; sri: string; prefixedBase32: string }[]
}

describe.each(ALGOS)('hash file --type %s', (algo) => {
  // One run per format over all the flat inputs (spawning is the slow part).
  const paths = flat.files.map((f) => join(goldenDir, 'nar', f.file))
  const want = (k: keyof FlatHashes) => flat.files.map((f) => `${(f.hashes[algo] as FlatHashes)[k]}\n`).join('')
  it.each([
    [[], 'sri'], [['--sri'], 'sri'], [['--base16'], 'base16'], [['--base32'], 'base32'], [['--base64'], 'base64'],
    [['--truncate'], 'truncatedBase16'], [['--truncate', '--base32'], 'truncatedBase32'],
  ] as const)('%j as nix (%s)', (flags, key) => {
    const r = hash(['file', '--type', algo, ...flags, ...paths])
    expect({ status: r.status, stdout: r.stdout.toString(), stderr: r.stderr }).toEqual({ status: 0, stdout: want(key), stderr: '' })
  })
})

describe('hash file', () => {
  it('defaults to sha256 in SRI form, one line per file, - for stdin', () => {
    const files = flat.files.map((f) => join(goldenDir, 'nar', f.file))
    const r = hash(['file', ...files])
    expect(r.status).toBe(0)
    expect(r.stdout.toString()).toBe(flat.files.map((f) => `${f.hashes['sha256']?.sri}\n`).join(''))
    const hello = flat.files.find((f) => f.file.endsWith('hello.txt'))!
    const s = hash(['file', '--base32', '-'], readFileSync(join(goldenDir, 'nar', hello.file), 'latin1'))
    expect(s.stdout.toString()).toBe(`${hello.hashes['sha256']?.base32}\n`)
  })

  it('usage errors exit 2, missing files exit 1, each on one line', () => {
    for (const args of [['file', '--type', 'sha3', 'x'], ['file', '--base16', '--base32', 'x'], ['file', '--truncate', '--sri', 'x'], ['file'], ['nope']]) {
      const r = hash(args)
      expect({ args, status: r.status }).toEqual({ args, status: 2 })
      expect(r.stderr).toMatch(/^hash: [^\n]+\n$/)
      expect(r.stdout.length).toBe(0)
    }
    const r = hash(['file', '/nonexistent/x'])
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/^hash: [^\n]*nonexistent[^\n]*\n$/)
  })
})

describe('hash to-*', () => {
  it.each(['base16', 'base32', 'base64', 'sri'] as const)('to-%s converts every recorded hash from every form, as nix hash to-* prints it', (to) => {
    const inputs = conversions.hashes.flatMap((h) => [h.prefixedBase32, h.sri, `${h.algo}:${h.base16}`, `${h.algo}:${h.base64}`])
    const expected = conversions.hashes.flatMap((h) => Array(4).fill(`${h[to]}\n`) as string[]).join('')
    const r = hash([`to-${to}`], inputs.join('\n'))
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' })
    expect(r.stdout.toString()).toBe(expected)
    expect(conversions.hashes.length).toBeGreaterThan(10)
  })

  it('takes bare hashes with --type, many operands, or stdin one per line', () => {
    const sha = conversions.hashes.filter((h) => h.algo === 'sha256')
    const r = hash(['to-sri', '--type', 'sha256', ...sha.map((h) => h.base16)])
    expect(r.stdout.toString()).toBe(sha.map((h) => `${h.sri}\n`).join(''))
    const s = hash(['to-base32', '--type', 'sha256'], sha.map((h) => `${h.base64}\n`).join(''))
    expect(s.stdout.toString()).toBe(sha.map((h) => `${h.base32}\n`).join(''))
    const t = hash(['to-base16', '-'], sha.map((h) => `${h.sri}\n`).join(''))
    expect(t.stdout.toString()).toBe(sha.map((h) => `${h.base16}\n`).join(''))
  })

  it('fails with exit 1 on a bad hash, after printing the good ones before it', () => {
    const good = conversions.hashes[0]!
    const r = hash(['to-base16', good.sri, 'sha256:zzzz'])
    expect(r.status).toBe(1)
    expect(r.stdout.toString()).toBe(`${good.base16}\n`)
    expect(r.stderr).toMatch(/^hash: [^\n]*zzzz[^\n]*\n$/)
    const bare = hash(['to-sri', good.base16])
    expect(bare.status).toBe(1)
    expect(bare.stderr).toMatch(/algorithm/)
    const mismatch = hash(['to-sri', '--type', 'sha1', good.sri])
    expect(mismatch.status).toBe(1)
  })
})

interface NarExpected { narHashSha256Base32: string; narHashSha256Base16: string; narHashSri: string }
describe('hash path', () => {
  const cases = ['dir-mixed', 'file-executable', 'symlink-relative', 'dir-unicode-names']
  it.each(cases)('%s as nix-hash / nix hash path', (name) => {
    const tmp = spawnSync('mktemp', ['-d'], { encoding: 'utf8' }).stdout.trim()
    try {
      const tree = join(tmp, 't')
      expect(spawnSync('sh', [join(goldenDir, 'nar', name, 'make.sh'), tree]).status).toBe(0)
      const want = JSON.parse(readFileSync(join(goldenDir, 'nar', name, 'expected.json'), 'utf8')) as NarExpected
      expect(hash(['path', tree]).stdout.toString()).toBe(`${want.narHashSri}\n`)
      // The pure-TS twin gives the same answer as the addon (when that is built).
      expect(runTool('nar', 'hash', ['path', tree], { env: { TSNIX_NATIVE: '0' } }).stdout.toString()).toBe(`${want.narHashSri}\n`)
      expect(hash(['path', '--base16', tree]).stdout.toString()).toBe(`${want.narHashSha256Base16}\n`)
      expect(hash(['path', '--type', 'sha256', '--base32', tree]).stdout.toString()).toBe(`${want.narHashSha256Base32}\n`)
      if (onPath('nix-hash')) {
        for (const algo of ALGOS) {
          const nix = spawnSync('nix-hash', ['--type', algo, '--base32', tree], { encoding: 'utf8' }).stdout
          expect(hash(['path', '--type', algo, '--base32', tree]).stdout.toString()).toBe(nix)
        }
      }
    } finally {
      spawnSync('rm', ['-rf', tmp])
    }
  })

  it('a missing path is a user error', () => {
    const r = hash(['path', '/nonexistent/tsnix'])
    expect(r.status).toBe(1)
    expect(r.stderr).toBe("hash: nar: cannot read '/nonexistent/tsnix': no such file or directory (ENOENT)\n")
  })
})
