// Bundles the `instantiate` tool into one ES module (dist/instantiate.bundle.js). Node's ES
// module loader reads, resolves and links every file asynchronously: for the ~20 files of the
// evaluator that is ~20 ms, more than a small evaluation takes. The library entry points
// (dist/index.js …) stay unbundled.
import { rolldown } from 'rolldown'

const bundle = await rolldown({
  input: new URL('../dist/instantiate-cli.js', import.meta.url).pathname,
  platform: 'node',
  // cli-kit is loaded only for --help/--version and stdin
  external: [/^node:/, '@tsnix/cli-kit'],
  logLevel: 'warn',
})
await bundle.write({ file: new URL('../dist/instantiate.bundle.js', import.meta.url).pathname, format: 'esm', codeSplitting: false })
await bundle.close()
