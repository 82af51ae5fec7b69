/**
 * Entry of the `instantiate` tool: the bundle with its code cache (see bundle-loader.ts), or,
 * when the bundle was not built, the modules.
 */
import { fileURLToPath } from 'node:url'
import { loadBundle } from './bundle-loader.js'

const bundle = loadBundle(fileURLToPath(new URL('./instantiate.bundle.cjs', import.meta.url)))
const main = bundle?.main ?? (await import('./instantiate-cli.js')).main
await main(process.argv.slice(2))
