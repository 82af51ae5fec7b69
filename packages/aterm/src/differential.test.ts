/**
 * Differential test against real Nix 2.8 (runs when nix-instantiate is on PATH): random small
 * derivation expressions are instantiated into a temporary chroot store (`--store DIR`, works
 * unprivileged; /nix/store is never written), then every .drv is re-read and our printer,
 * drv path, output paths and JSON are compared with what Nix wrote and prints.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { onPath, seededRandom } from '@tsnix/test-kit'
import { DerivationHasher, derivationNameFromPath, derivationPath, formatDerivationsJson, parseDerivation, printDerivation } from './index.js'

const hasNix = onPath('nix-instantiate')


/** A Nix string literal holding random bytes: escapes for `"`, `\`, `${`, LF, CR, TAB; others raw. */
function nixString(rand: () => number, max: number): Buffer {
  const pool = [0x22, 0x5c, 0x0a, 0x0d, 0x09, 0x01, 0x1b, 0x7f, 0x24, 0x7b, 0x80, 0xff, 0xc3, 0xa9, 0x20, 0x61, 0x62, 0x27, 0x28, 0x2c]
  const bytes: number[] = []
  for (let i = Math.floor(rand() * max); i > 0; i--) {
    const b = rand() < 0.5 ? (pool[Math.floor(rand() * pool.length)] as number) : 1 + Math.floor(rand() * 255)
    if (b === 0x22) bytes.push(0x5c, 0x22)
    else if (b === 0x5c) bytes.push(0x5c, 0x5c)
    else if (b === 0x0a) bytes.push(0x5c, 0x6e)
    else if (b === 0x0d) bytes.push(0x5c, 0x72)
    else if (b === 0x09) bytes.push(0x5c, 0x74)
    else if (b === 0x24) bytes.push(0x5c, 0x24)
    else bytes.push(b)
  }
  return Buffer.concat([Buffer.from('"'), Buffer.from(bytes), Buffer.from('"')])
}

const ALGOS: [string, number][] = [['md5', 32], ['sha1', 40], ['sha256', 64], ['sha512', 128]]

function expression(rand: () => number, count: number): Buffer {
  const parts: Buffer[] = [Buffer.from('let\n')]
  const hex = (n: number): string => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rand() * 16)]).join('')
  for (let i = 0; i < count; i++) {
    const name = `d${i}-${['x', 'a.b', 'c_d+e', '-f', 'g?h=i'][Math.floor(rand() * 5)]}`
    const attrs: Buffer[] = [Buffer.from(`name = "${name}"; system = "${rand() < 0.8 ? 'x86_64-linux' : 'aarch64-linux'}"; builder = "/bin/`), nixString(rand, 10).subarray(1), Buffer.from('; ')]
    attrs.push(Buffer.from('args = [ '))
    for (let k = Math.floor(rand() * 3); k > 0; k--) attrs.push(nixString(rand, 20), Buffer.from(' '))
    // Depend on earlier derivations (some fixed-output), by output or by .drvPath.
    if (i > 0 && rand() < 0.6) {
      const j = Math.floor(rand() * i)
      attrs.push(Buffer.from(rand() < 0.8 ? `"\${d${j}}" ` : `(builtins.unsafeDiscardOutputDependency d${j}.drvPath) `))
    }
    attrs.push(Buffer.from(']; '))
    const fixed = rand() < 0.3
    if (fixed) {
      const [algo, len] = ALGOS[Math.floor(rand() * ALGOS.length)] as [string, number]
      attrs.push(Buffer.from(`outputHashAlgo = "${algo}"; outputHash = "${hex(len)}"; outputHashMode = "${rand() < 0.5 ? 'flat' : 'recursive'}"; `))
    } else if (rand() < 0.4) {
      attrs.push(Buffer.from(`outputs = [ ${['"out"', '"dev"', '"lib"', '"bin"'].filter(() => rand() < 0.6).join(' ') || '"out"'} ]; `))
    }
    if (rand() < 0.15) attrs.push(Buffer.from('__structuredAttrs = true; n = 42; f = 1.5; l = [ 1 "two" ]; '))
    for (let k = Math.floor(rand() * 4); k > 0; k--) {
      attrs.push(Buffer.from(`"v${k}"`), Buffer.from(' = '), nixString(rand, 30), Buffer.from('; '))
    }
    parts.push(Buffer.from(`  d${i} = derivation { `), ...attrs, Buffer.from('};\n'))
  }
  parts.push(Buffer.from(`in [ ${Array.from({ length: count }, (_, i) => `d${i}`).join(' ')} ]\n`))
  return Buffer.concat(parts)
}

describe.skipIf(!hasNix)('differential: real nix-instantiate in a temporary chroot store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsnix-aterm-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const root = join(dir, 'root')
  const env = { ...process.env, NIX_CONFIG: 'substituters =\nexperimental-features = nix-command', HOME: dir, NIX_REMOTE: '' }

  it.each([1, 2, 3])('seed %i: drv paths, output paths, printing and JSON agree with Nix', (seed) => {
    const file = join(dir, `e${seed}.nix`)
    writeFileSync(file, expression(seededRandom(seed * 7919), 16))
    const r = spawnSync('nix-instantiate', ['--store', root, file], { env })
    expect(r.stderr.toString().replace(/warning: you did not specify '--add-root'.*\n/g, '')).toBe('')
    expect(r.status).toBe(0)
    const drvPaths = r.stdout.toString().trim().split('\n').map((l) => l.replace(/!.*$/, ''))
    expect(drvPaths.length).toBe(16)
    const read = (p: string): Buffer => readFileSync(join(root, p))
    const hasher = new DerivationHasher(read)
    for (const p of new Set(drvPaths)) {
      const bytes = read(p)
      const drv = parseDerivation(bytes)
      expect(Buffer.from(printDerivation(drv)).equals(bytes)).toBe(true)
      const name = derivationNameFromPath(p)
      expect(derivationPath(drv, { name })).toBe(p)
      const stored = Object.fromEntries(Object.entries(drv.outputs).map(([o, v]) => [o, v.path]))
      expect({ ...hasher.outputPaths(drv, { name }) }).toEqual(stored)
    }
    if (onPath('jq')) {
      const show = spawnSync('nix', ['show-derivation', '--store', root, ...drvPaths], { env })
      expect(show.status).toBe(0)
      const sorted = spawnSync('jq', ['-S', '.'], { input: show.stdout })
      const entries = [...new Set(drvPaths)].map((p) => [p, parseDerivation(read(p)), derivationNameFromPath(p)] as const)
      expect(formatDerivationsJson(entries)).toBe(sorted.stdout.toString('utf8'))
    }
  })
})
