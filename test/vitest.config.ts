import { defineProject } from 'vitest/config'

export default defineProject({
  resolve: { conditions: ['@tsnix/source'] },
  ssr: { resolve: { conditions: ['@tsnix/source'] } },
  test: { name: 'e2e', testTimeout: 60_000, hookTimeout: 120_000 },
})
