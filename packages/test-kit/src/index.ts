/**
 * Test scaffolding shared by every tsnix package's tests (a dev dependency only, never
 * imported by library code): seeded randomness so failures reproduce, detection of real Nix
 * for differential tests, the golden vectors captured from Nix 2.8, temporary directories.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { goldenDir } from './paths.js'

export { goldenDir }
export {
  loadGoldenStore, type GoldenStore, type GoldenStoreRows, type GoldenStoreExpected, type GoldenPathRow,
} from './golden-store.js'

/** A path inside the golden vectors, e.g. `golden('drv', 'minimal', 'expected.json')`. */
export function golden(...parts: string[]): string {
  return join(goldenDir, ...parts)
}

/** True when `program` is an executable on PATH (real Nix is the differential oracle). */
export function onPath(program: string): boolean {
  return (process.env['PATH'] ?? '').split(':').some((dir) => dir !== '' && existsSync(join(dir, program)))
}

/**
 * A seeded pseudo-random generator in [0, 1) (mulberry32): random tests print their seed
 * and replay exactly.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A fresh temporary directory; pass vitest's `afterAll` to remove it after the test file. */
export function tempDir(prefix: string, afterAll?: (fn: () => void) => void): string {
  const dir = mkdtempSync(join(tmpdir(), `tsnix-${prefix}-`))
  afterAll?.(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}
