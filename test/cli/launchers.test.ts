import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// Every tool's bin file is a shell script when run as a program (it starts Node on itself
// without NODE_EXTRA_CA_CERTS, which Node loads before any code runs) and JavaScript when
// run by `node`. A certificate file that cannot be read makes Node warn, so the warning shows
// whether Node was asked to load it.
const packages = fileURLToPath(new URL('../../packages/', import.meta.url))
const bins = readdirSync(packages).flatMap((pkg) => {
  try {
    return readdirSync(join(packages, pkg, 'bin')).map((name) => join(packages, pkg, 'bin', name))
  } catch {
    return []
  }
})
const env = { ...process.env, NODE_EXTRA_CA_CERTS: '/nonexistent/tsnix-extra-certs.pem' }
const certWarning = /extra certs/i

describe('tool launchers', () => {
  it('finds the tools', () => {
    expect(bins.map((b) => b.split('/').pop()).sort()).toEqual(
      expect.arrayContaining(['drv-show.cjs', 'hash.cjs', 'instantiate.cjs', 'nar.cjs', 'ref-scan.cjs', 'store-add.cjs', 'store-query.cjs', 'store-verify.cjs']),
    )
  })

  it.each(bins)('%s runs as a program without loading extra certificates, and as JavaScript under node', (bin) => {
    const direct = spawnSync(bin, ['--help'], { encoding: 'utf8', env })
    expect(direct.stderr).not.toMatch(certWarning)
    expect(direct.status).toBe(0)
    const byNode = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8', env })
    expect(byNode.stderr).toMatch(certWarning)
    expect(byNode.status).toBe(0)
    expect(direct.stdout).toBe(byNode.stdout)
    expect(direct.stdout).not.toBe('')
  })

  it('passes arguments through unchanged, spaces and all', () => {
    const instantiate = bins.find((b) => b.endsWith('instantiate.cjs'))!
    const r = spawnSync(instantiate, ['--eval', '--argstr', 'x', 'a b  "c"', '-E', '{ x }: x + "!"'], { encoding: 'utf8', env })
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe('"a b  \\"c\\"!"\n')
  })
})
