// Builds a tool's start-up bundle, run by a package's `scripts/bundle.mjs` after `tsc`: the
// tool's modules as one CommonJS file (dist/<tool>.bundle.cjs), its entry as CommonJS
// (dist/<tool>-bin.cjs, which the `.cjs` bin shim requires: an ES module entry costs ≈ 10 ms),
// and V8's code cache for the bundle (….cjs.cache), made after a warm-up run of the tool so
// that the functions a typical run needs are compiled already. The loader is
// @tsnix/cli-kit/bundle; the library entry points (dist/index.js …) stay unbundled.
import { randomUUID } from 'node:crypto'
import { appendFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { rolldown } from 'rolldown'

// (dist of a dependency of every bundled package, so turbo's `^build` has built it)
const { loadBundle } = await import(new URL('../packages/cli-kit/dist/bundle.js', import.meta.url).href)

/**
 * Node's built-in modules are loaded when the module importing them first runs, as without the
 * bundle: rolldown would `require` them all at the top of the bundle, and node:crypto alone
 * costs ≈ 4 ms, which most runs of the tools never need.
 * @type {import('rolldown').Plugin}
 */
const lazyBuiltins = {
  name: 'lazy-builtins',
  resolveId: (id) => (id.startsWith('node:') ? `\0builtin:${id}` : undefined),
  async load(id) {
    if (!id.startsWith('\0builtin:')) return undefined
    const name = id.slice('\0builtin:'.length)
    const names = Object.keys(await import(name)).filter((n) => n !== 'default' && /^[A-Za-z_$][\w$]*$/.test(n))
    // (a pure call per name: rolldown keeps only the names the bundle uses)
    return [
      `const m = process.getBuiltinModule(${JSON.stringify(name)})`,
      'export default m',
      ...names.map((n) => `export const ${n} = /* @__PURE__ */ (() => m.${n})()`),
    ].join('\n')
  },
}

/**
 * @typedef {(argv: string[], options?: { ownsProcess?: boolean }) => Promise<void>} ToolMain
 * @typedef {object} Tool
 * @property {string} dist  the package's dist directory
 * @property {string} name  the tool
 * @property {string} cli  its module in dist, exporting `main: ToolMain` (e.g. `drv-show-cli.js`);
 *   its entry `<name>-bin.js` is beside it, and so are the files made here
 * @property {(string | RegExp)[]} [external]  modules `require`d at run time besides `node:*`
 *   (native addons, or modules the tool rarely needs)
 * @property {(run: (argv: string[], options?: { ownsProcess?: boolean }) => Promise<string>) => Promise<void>} warmUp
 *   runs the tool's typical work through `run`, which answers what the tool wrote to standard
 *   output instead of writing it, and fails with what it wrote to standard error when the tool
 *   fails (the warm-up must not read standard input)
 */

/**
 * Keep what is written to `stream` instead of writing it (calling back as a write would: tools
 * may wait for that).
 * @param {NodeJS.WriteStream} stream
 */
function capture(stream) {
  const { write } = stream
  let chunks = []
  stream.write = (chunk, encodingOrDone, done) => {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, typeof encodingOrDone === 'string' ? encodingOrDone : 'utf8') : Buffer.from(chunk))
    const callback = typeof encodingOrDone === 'function' ? encodingOrDone : done
    if (callback !== undefined) queueMicrotask(() => callback())
    return true
  }
  return {
    /** What was written since the last call, as UTF-8. */
    take() {
      const text = Buffer.concat(chunks).toString('utf8')
      chunks = []
      return text
    },
    restore() {
      stream.write = write
    },
  }
}

/** @param {Tool} tool */
export async function bundleTool({ dist, name, cli, external = [], warmUp }) {
  const out = join(dist, dirname(cli))
  const file = join(out, `${name}.bundle.cjs`)
  const bundle = await rolldown({ input: join(dist, cli), platform: 'node', external, plugins: [lazyBuiltins], logLevel: 'warn' })
  // `import()` cannot be used from a script with a code cache: external modules are `require`d
  await bundle.write({ file, format: 'cjs', codeSplitting: false, dynamicImportInCjs: false })
  await bundle.close()
  // the entry runs the bundle, or, when it was not built, imports the tool's modules
  const cliSpecifier = `./${basename(cli)}`
  const entry = await rolldown({
    input: join(out, `${name}-bin.js`), platform: 'node', external: (id) => id.startsWith('node:') || id === cliSpecifier, logLevel: 'warn',
  })
  await entry.write({ file: join(out, `${name}-bin.cjs`), format: 'cjs', codeSplitting: false })
  await entry.close()
  // the build's mark, repeated at the start of the cache (see cacheFor in @tsnix/cli-kit/bundle)
  const id = randomUUID()
  appendFileSync(file, `// build ${id}\n`)
  rmSync(`${file}.cache`, { force: true })

  // without a cache: the warm-up must compile this bundle's code
  const loaded = loadBundle(file, false)
  const stdout = capture(process.stdout)
  const stderr = capture(process.stderr)
  const listeners = process.stdout.listeners('error')
  const run = async (argv, options) => {
    stdout.take()
    stderr.take()
    await loaded.main(argv, options)
    if (process.exitCode !== undefined && process.exitCode !== 0) {
      throw new Error(`bundle: the warm-up run '${name} ${argv.join(' ')}' failed:\n${stderr.take()}`)
    }
    return stdout.take()
  }
  try {
    // (with V8's flags as a plain `node` has them: V8 rejects a cache made under others)
    await warmUp(run)
  } finally {
    stdout.restore()
    stderr.restore()
    // (each run of a tool's `main` listens for EPIPE on stdout)
    for (const l of process.stdout.listeners('error')) if (!listeners.includes(l)) process.stdout.off('error', l)
  }
  writeFileSync(`${file}.cache`, Buffer.concat([Buffer.from(`${id}\n`, 'latin1'), loaded.script.createCachedData()]))
}
