/**
 * Entry of the `instantiate` tool: the native evaluator's fast path (instantiate-fast.ts), then
 * the bundle with its code cache (see @tsnix/cli-kit/bundle), or, when the bundle was not built,
 * the modules. The build makes it CommonJS too
 * (`dist/instantiate-bin.cjs`), which `bin/instantiate.cjs` runs: Node starts an ES module entry
 * through its ES module loader, ≈ 10 ms of a small evaluation's ≈ 90.
 */
import { runTool } from '@tsnix/cli-kit/bundle'
import { instantiateNatively } from './instantiate-fast.js'

if (!instantiateNatively(process.argv.slice(2))) {
  runTool(new URL('instantiate.bundle.cjs', import.meta.url), () => import('./instantiate-cli.js'))
}
