/**
 * The one cross-cutting module of tsnix: what every tool's entry point shares.
 * A citty wrapper with Unix exit codes (0 ok, 1 user error, 2 usage error), one-line
 * `tool: message` errors on stderr, `-` for stdin, and colour only on a TTY (NO_COLOR respected).
 */
export { CliError, UsageError, isUserSystemError, describeSystemError } from './errors.js'
export { readStdin, readInput, splitItems, writeStdout, colorEnabled } from './io.js'
export { main, defineCommand } from './main.js'
export type { MainOptions } from './main.js'
export type { ArgsDef, CommandDef, CommandContext, ParsedArgs } from 'citty'
