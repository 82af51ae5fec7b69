import { existsSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { golden, onPath, seededRandom, tempDir } from './index.js'

describe('test-kit', () => {
  it('replays the same sequence for the same seed, in [0, 1)', () => {
    const a = seededRandom(42)
    const b = seededRandom(42)
    const xs = Array.from({ length: 1000 }, () => a())
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()))
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true)
    expect(new Set(xs).size).toBe(1000)
    expect(seededRandom(43)()).not.toBe(xs[0])
  })

  it('finds the golden vectors and programs on PATH', () => {
    expect(existsSync(golden('README.md'))).toBe(true)
    expect(onPath('sh')).toBe(true)
    expect(onPath('no-such-program-tsnix')).toBe(false)
  })

  it('makes temporary directories', () => {
    const dir = tempDir('kit', afterAll)
    expect(existsSync(dir)).toBe(true)
  })
})
