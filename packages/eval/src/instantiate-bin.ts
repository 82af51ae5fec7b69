/**
 * Entry of the `instantiate` tool: the bundle with its code cache (see bundle-loader.ts), or,
 * when the bundle was not built, the modules. `scripts/bundle.mjs` builds it as CommonJS too
 * (`dist/instantiate-bin.cjs`), which `bin/instantiate.cjs` runs: Node starts an ES module entry
 * through its ES module loader, ≈ 10 ms of a small evaluation's ≈ 90.
 */
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runFromBundle } from './bundle-loader.js'

if (!runFromBundle(dirname(fileURLToPath(import.meta.url)))) {
  void import('./instantiate-cli.js').then((cli) => cli.main(process.argv.slice(2)))
}
