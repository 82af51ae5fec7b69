/**
 * The `instantiate` tool's first step, before its bundle loads: a run the native evaluator can
 * take (`--eval --strict` of one file or expression, see native-eval.ts) is parsed, evaluated
 * and written here, and the process ends, which saves loading the TS evaluator (≈ 15 ms).
 * Anything else — other flags, `--help`, a usage error, a decline — is left to the full tool,
 * which then does not ask the native evaluator again.
 */
import { parseInstantiateArgs } from './instantiate-args.js'
import { evalNatively, markNativeDeclined, nativeJob } from './native-eval.js'
import { byteString } from './source.js'

/** True when it wrote the output; the process then ends once it is written. */
export function instantiateNatively(argv: string[]): boolean {
  const dashDash = argv.indexOf('--')
  const flags = dashDash < 0 ? argv : argv.slice(0, dashDash)
  if (flags.includes('--help') || flags.includes('-h') || flags.includes('--version')) return false
  let job
  try {
    job = nativeJob(parseInstantiateArgs(argv), byteString(process.cwd()))
  } catch {
    return false
  }
  if (job === undefined) return false
  const out = evalNatively(job)
  if (out === undefined) {
    markNativeDeclined()
    return false
  }
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    // the reader went away (`| head`): stop quietly, as the full tool does
    if (err.code === 'EPIPE') process.exit(0)
    throw err
  })
  // (ending once it is written skips Node's tear-down of the heap, as the full tool does)
  process.stdout.write(Buffer.from(out, 'latin1'), () => process.exit(0))
  return true
}
