import { defineProject } from 'vitest/config'

export default defineProject({
  resolve: { conditions: ['@tsnix/source'] },
  ssr: { resolve: { conditions: ['@tsnix/source'] } },
  test: { name: 'store', exclude: ['**/node_modules/**', 'src/fixtures/**'] },
})
