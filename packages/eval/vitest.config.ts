import { defineProject } from 'vitest/config'

export default defineProject({
  resolve: { conditions: ['@tsnix/source'] },
  ssr: { resolve: { conditions: ['@tsnix/source'] } },
  test: {
    name: 'eval',
    exclude: ['**/node_modules/**', 'src/fixtures/**'],
    // the tests check the TS evaluator; those of the native one ask for it (`native: true`),
    // and the differential ones run both
    env: { TSNIX_NATIVE_EVAL: '0' },
  },
})
