/**
 * Entry of the `instantiate` tool: the bundle with its code cache (see @tsnix/cli-kit/bundle),
 * or, when the bundle was not built, the modules. The build makes it CommonJS too
 * (`dist/instantiate-bin.cjs`), which `bin/instantiate.cjs` runs: Node starts an ES module entry
 * through its ES module loader, ≈ 10 ms of a small evaluation's ≈ 90.
 */
import { runTool } from '@tsnix/cli-kit/bundle'

runTool(new URL('instantiate.bundle.cjs', import.meta.url), () => import('./instantiate-cli.js'))
