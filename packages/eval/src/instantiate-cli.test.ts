import { describe, expect, it } from 'vitest'
import { watchForLargeSources } from './instantiate-cli.js'
import { nodeIO } from './index.js'

describe('instantiate tool', () => {
  it('notices the first large source it reads, once', () => {
    const sizes: Record<string, number> = { '/small.nix': 1000, '/big.nix': 300 * 1024, '/big2.nix': 400 * 1024 }
    const base = { ...nodeIO(), readFileBytes: (path: string) => Buffer.alloc(sizes[path]!) }
    let calls = 0
    const io = watchForLargeSources(base, () => { calls++ })
    expect(io.readFileBytes('/small.nix').length).toBe(1000)
    expect(calls).toBe(0)
    expect(io.readFileBytes('/big.nix').length).toBe(300 * 1024)
    io.readFileBytes('/big2.nix')
    expect(calls).toBe(1)
  })
})
