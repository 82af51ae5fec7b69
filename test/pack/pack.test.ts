import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repoRoot } from '../helpers/run.js'

// Each library is usable on its own: pack it as npm would publish it, install the tarballs
// into a project outside the workspace, and import them from plain Node ESM and from TypeScript.
// cli-kit comes along: it is aterm's tool entry point.
const packages = ['hash', 'aterm', 'cli-kit']
let project = ''

function sh(cmd: string, args: string[], cwd: string): string {
  // corepack may have to fetch the pinned pnpm for this user; the registry's metadata is unsigned here.
  const env = { ...process.env, COREPACK_INTEGRITY_KEYS: '0' }
  return execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'tsnix-pack-'))
  const tarballs: Record<string, string> = {}
  for (const name of packages) {
    sh('pnpm', ['pack', '--pack-destination', project], join(repoRoot, 'packages', name))
    const file = readdirSync(project).find((f) => f.startsWith(`tsnix-${name}-`) && f.endsWith('.tgz'))
    if (file === undefined) throw new Error(`pnpm pack produced no tarball for ${name}`)
    tarballs[`@tsnix/${name}`] = `file:./${file}`
  }
  // The tarballs' dependencies on each other resolve to the tarballs, not the registry.
  writeFileSync(join(project, 'package.json'), JSON.stringify({
    name: 'consumer', private: true, type: 'module', dependencies: tarballs, overrides: tarballs,
  }))
  sh('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts'], project)
}, 120_000)

afterAll(() => { if (project !== '') rmSync(project, { recursive: true, force: true }) })

describe('packed packages', () => {
  it('ship only their manifest, README, dist and bin', () => {
    for (const name of packages) {
      const dir = join(project, 'node_modules', '@tsnix', name)
      for (const entry of readdirSync(dir)) expect(['package.json', 'README.md', 'dist', 'bin']).toContain(entry)
    }
  })

  it('import from plain Node ESM', () => {
    writeFileSync(join(project, 'use.mjs'), `
      import { Hash, parseStorePath } from '@tsnix/hash'
      import { parseDerivation, printDerivation } from '@tsnix/aterm'
      const h = Hash.parse('sha256:1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s')
      const text = 'Derive([("out","/nix/store/40s0qmrfb45vlh6610rk29ym318dswdr-myname","","")],[],[],"mysystem","mybuilder",[],[("builder","mybuilder"),("name","myname"),("out","/nix/store/40s0qmrfb45vlh6610rk29ym318dswdr-myname"),("system","mysystem")])'
      const drv = parseDerivation(new TextEncoder().encode(text))
      const roundTrips = new TextDecoder().decode(printDerivation(drv)) === text
      console.log(h.toBase16().length, parseStorePath('/nix/store/40s0qmrfb45vlh6610rk29ym318dswdr-myname').name, drv.env.name, roundTrips)
    `)
    expect(sh(process.execPath, ['use.mjs'], project)).toBe('64 myname myname true\n')
  })

  // npm links node_modules/.bin/drv-show to the package's launcher (a shell script run as a program)
  it('run their tools from the links npm makes', () => {
    const drv = join(repoRoot, 'examples/myname/store/nix/store/z3hhlxbckx4g3n9sw91nnvlkjvyw754p-myname.drv')
    const json = JSON.parse(sh(join(project, 'node_modules/.bin/drv-show'), [drv], project))
    expect(json[drv.slice(drv.indexOf('/nix/store/'))].outputs.out.path).toBe('/nix/store/40s0qmrfb45vlh6610rk29ym318dswdr-myname')
  })

  it('type-check from TypeScript with NodeNext resolution', () => {
    writeFileSync(join(project, 'use.ts'), `
      import { Hash, type HashAlgorithm } from '@tsnix/hash'
      import { parseDerivation, type Derivation } from '@tsnix/aterm'
      const algo: HashAlgorithm = 'sha256'
      const h: Hash = Hash.parse('sha256:1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s', algo)
      const d: Derivation = parseDerivation(new Uint8Array())
      // @ts-expect-error: the types are real, not any
      const wrong: number = h.toBase16()
      export { d, wrong }
    `)
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true,
        typeRoots: [join(repoRoot, 'node_modules/@types')], types: ['node'],
      },
      files: ['use.ts'],
    }))
    const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc')
    expect(() => sh(process.execPath, [tsc, '-p', 'tsconfig.json'], project)).not.toThrow()
  })
})
