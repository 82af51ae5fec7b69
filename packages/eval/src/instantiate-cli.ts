/**
 * `instantiate`: nix-instantiate compatible evaluation (`--eval`, `--parse`, `--strict`,
 * `--json`, `--xml`, `-E`, `-A`, `--arg`, `--argstr`, `-I`, `--show-trace`). A program that
 * overflows the main thread's stack is evaluated again on a worker thread with a large one, so
 * deep recursion in Nix code does not crash.
 *
 * Start-up matters (a small evaluation takes less time than loading a CLI framework): the
 * arguments are parsed by hand (`parseInstantiateArgs`, Nix's flags repeat and take two
 * values), and `@tsnix/cli-kit`'s `main` (with citty) is loaded only for `--help` and `--version`.
 */
import { InstantiateUsageError, parseInstantiateArgs } from './instantiate-args.js'
import type { InstantiateOptions, InstantiateResult } from './instantiate.js'

/** Stack of the evaluation thread. Deep non-tail recursion in Nix needs deep JS stacks. */
const STACK_MB = 256

/**
 * TurboFan inlines at most 100 bytes of bytecode per function instead of 920. An evaluation is
 * over in well under a second, and its program is many distinct syntax nodes compiled to
 * closures: how soon the evaluator runs optimized decides the time, not how good the optimized
 * code is, and inlining less makes TurboFan's work (on a background thread that shares the
 * machine's cores) several times smaller. Against V8's default, in 21 interleaved runs: the
 * small package set −10 % time and −19 % CPU; naive fib, `foldl'`, `toJSON` and `listToAttrs`
 * within noise. Inlining nothing is ≈ 10 % slower on `foldl'` and on 10 000 packages. (The
 * young generation keeps V8's default growth: a 1 MiB one saved memory while a whole syntax
 * tree survived every scavenge; with bodies decoded as they are compiled, the default is
 * 5–11 % faster on the package sets, for 30 MB more peak RSS.)
 */
const TURBOFAN_INLINING = '--max-inlined-bytecode-size-cumulative=100'

const PROG = 'instantiate'
const VERSION = '0.1.0'

/** The command as `--help` shows it (only loaded through cli-kit for --help / --version). */
async function helpOrVersion(argv: string[]): Promise<void> {
  const { defineCommand, main } = await import('@tsnix/cli-kit')
  const command = defineCommand({
    meta: { name: PROG, description: 'Evaluate Nix expressions, as nix-instantiate does' },
    args: {
      eval: { type: 'boolean', description: 'evaluate and print the resulting value' },
      parse: { type: 'boolean', description: 'parse and print the abstract syntax tree' },
      strict: { type: 'boolean', description: 'evaluate nested values completely' },
      json: { type: 'boolean', description: 'print the value as JSON' },
      xml: { type: 'boolean', description: 'print the value as XML' },
      location: { type: 'boolean', description: 'with --xml: show positions (--no-location hides them)' },
      expr: { type: 'boolean', alias: 'E', description: 'the arguments are expressions, not files' },
      attr: { type: 'string', alias: 'A', description: 'select an attribute path (repeatable)' },
      arg: { type: 'string', description: '--arg NAME EXPR: pass an argument to the top-level function' },
      argstr: { type: 'string', description: '--argstr NAME STRING: pass a string argument' },
      include: { type: 'string', alias: 'I', description: 'add a search path entry (repeatable)' },
      'show-trace': { type: 'boolean', description: 'show the evaluation trace of errors' },
      'read-write-mode': { type: 'boolean', description: 'accepted for compatibility' },
      'readonly-mode': { type: 'boolean', description: 'accepted for compatibility' },
      files: { type: 'positional', required: false, description: 'files (- for stdin) or, with -E, expressions' },
    },
  })
  await main(PROG, command, { version: VERSION, argv, expected: [InstantiateUsageError] })
}

async function run(opts: InstantiateOptions, ownsProcess: boolean): Promise<void> {
  if (opts.items?.includes('-') === true) {
    const { readStdin } = await import('@tsnix/cli-kit')
    opts.stdin = await readStdin()
  }
  opts.cwd = process.cwd()
  opts.colour = process.stderr.isTTY === true
  // traces are shown as they happen, as Nix shows them
  let tracesShown = 0
  opts.onTrace = (text) => {
    tracesShown++
    process.stderr.write(Buffer.from(text, 'latin1'))
  }
  // (V8 reads the flag whenever it starts an optimizing compile)
  if (ownsProcess) process.getBuiltinModule('node:v8').setFlagsFromString(TURBOFAN_INLINING)
  // Evaluate on this thread first; only a program that overflows the default stack pays
  // for a worker thread with a large one (evaluation is deterministic: the worker leaves out
  // the traces shown already, and its output is buffered).
  const { runInstantiate } = await import('./instantiate.js')
  let res = runInstantiate(opts)
  if (res.stackOverflow) {
    const { Worker } = await import('node:worker_threads')
    const { onTrace: _shownHere, io: _functions, ...workerOpts } = opts
    res = await new Promise<InstantiateResult>((resolve, reject) => {
      const w = new Worker(new URL('./instantiate-worker.js', import.meta.url), {
        workerData: { ...workerOpts, skipTraces: tracesShown } satisfies InstantiateOptions,
        resourceLimits: { stackSizeMb: STACK_MB },
        stdout: false,
        stderr: false,
      })
      w.once('message', resolve)
      w.once('error', reject)
      w.once('exit', (code) => { if (code !== 0) reject(new Error(`evaluation thread exited with code ${code}`)) })
    })
  }
  // (the callback of a write comes once it and the writes before it are done)
  const write = (stream: NodeJS.WriteStream, text: string): Promise<void> =>
    new Promise<void>((resolve, reject) => stream.write(Buffer.from(text, 'latin1'), (e) => (e ? reject(e) : resolve())))
  await write(process.stderr, res.stderr)
  await write(process.stdout, res.stdout)
  // all is written: ending now skips Node's tear-down of the heap (10 ms after a small
  // evaluation; the kernel still frees the memory)
  if (ownsProcess) process.exit(res.exitCode)
  process.exitCode = res.exitCode
}

/**
 * Run the tool on its arguments (without the node and script paths). `ownsProcess: false` (the
 * build's warm-up) leaves V8's flags alone, as V8 rejects a code cache made under other flags,
 * and returns instead of ending the process.
 */
export async function main(argv: string[], { ownsProcess = true }: { ownsProcess?: boolean } = {}): Promise<void> {
  const dashDash = argv.indexOf('--')
  const flags = dashDash < 0 ? argv : argv.slice(0, dashDash)
  if (flags.includes('--help') || flags.includes('-h') || flags.includes('--version')) {
    await helpOrVersion(argv)
    return
  }
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    // the reader went away (`| head`): stop quietly, as a Unix tool does
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    throw err
  })
  let opts: InstantiateOptions
  try {
    opts = parseInstantiateArgs(argv)
  } catch (err) {
    if (!(err instanceof InstantiateUsageError)) throw err
    process.stderr.write(`${PROG}: ${err.message} (see '${PROG} --help')\n`)
    process.exitCode = 2
    return
  }
  await run(opts, ownsProcess)
}
