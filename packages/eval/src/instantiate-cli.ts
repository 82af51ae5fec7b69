/**
 * `instantiate`: nix-instantiate compatible evaluation (`--eval`, `--parse`, `--strict`,
 * `--json`, `--xml`, `-E`, `-A`, `--arg`, `--argstr`, `-I`, `--show-trace`). The evaluation
 * runs on a worker thread with a large stack, so deep recursion in Nix code does not crash.
 */
import { defineCommand, main, readStdin } from '@tsnix/cli-kit'
import type { InstantiateResult } from './instantiate.js'

/** Stack of the evaluation thread. Deep non-tail recursion in Nix needs deep JS stacks. */
const STACK_MB = 256

const command = defineCommand({
  meta: { name: 'instantiate', description: 'Evaluate Nix expressions, as nix-instantiate does' },
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
  async run({ rawArgs }) {
    const { parseInstantiateArgs } = await import('./instantiate-args.js')
    const opts = parseInstantiateArgs(rawArgs)
    if (opts.items?.includes('-') === true && opts.fromArgs !== true) opts.stdin = await readStdin()
    opts.cwd = process.cwd()
    // Evaluate on this thread first; only a program that overflows the default stack pays
    // for a worker thread with a large one (evaluation is deterministic, output is buffered).
    const { runInstantiate } = await import('./instantiate.js')
    let res = runInstantiate(opts)
    if (res.stackOverflow) {
      const { Worker } = await import('node:worker_threads')
      res = await new Promise<InstantiateResult>((resolve, reject) => {
        const w = new Worker(new URL('./instantiate-worker.js', import.meta.url), {
          workerData: opts,
          resourceLimits: { stackSizeMb: STACK_MB },
          stdout: false,
          stderr: false,
        })
        w.once('message', resolve)
        w.once('error', reject)
        w.once('exit', (code) => { if (code !== 0) reject(new Error(`evaluation thread exited with code ${code}`)) })
      })
    }
    if (res.stderr !== '') process.stderr.write(Buffer.from(res.stderr, 'latin1'))
    if (res.stdout !== '') await new Promise<void>((resolve, reject) => process.stdout.write(Buffer.from(res.stdout, 'latin1'), (e) => (e ? reject(e) : resolve())))
    process.exitCode = res.exitCode
  },
})

const { InstantiateUsageError } = await import('./instantiate-args.js')
await main('instantiate', command, { version: '0.1.0', expected: [InstantiateUsageError] })
