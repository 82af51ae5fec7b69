import type { ArgsDef, CommandDef } from 'citty'
import { CliError, UsageError, describeSystemError, isUserSystemError } from './errors.js'

type ErrorClass = abstract new (...args: never[]) => Error

export interface MainOptions {
  /** Printed by `--version`. */
  version?: string
  /** Arguments after the program name; default `process.argv.slice(2)`. */
  argv?: string[]
  /** Library error classes that are expected failures (one line, exit 1 or their `exitCode`). */
  expected?: readonly ErrorClass[]
}

/**
 * Identity helper that types a command without loading citty, so a tool's
 * start-up pays for the argument parser only when `main` runs.
 */
export function defineCommand<const T extends ArgsDef = ArgsDef>(def: CommandDef<T>): CommandDef<T> {
  return def
}

async function resolve<T>(value: T | Promise<T> | (() => T) | (() => Promise<T>)): Promise<T> {
  return typeof value === 'function' ? (value as () => T | Promise<T>)() : value
}

const camel = (s: string): string => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())
const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)

/** The flags a command accepts, by every spelling citty accepts, with whether they take a value. */
function flagTable(args: ArgsDef): Map<string, { takesValue: boolean; boolean: boolean }> {
  const table = new Map<string, { takesValue: boolean; boolean: boolean }>()
  for (const [name, def] of Object.entries(args)) {
    if (def.type === 'positional') continue
    const entry = { takesValue: def.type === 'string' || def.type === 'enum', boolean: def.type === 'boolean' }
    const aliases = 'alias' in def && def.alias !== undefined ? (Array.isArray(def.alias) ? def.alias : [def.alias]) : []
    for (const spelling of [name, camel(name), kebab(name), ...aliases]) table.set(spelling, entry)
  }
  return table
}

/**
 * Walk the argument vector down the sub-command chain, rejecting unknown flags
 * and sub-commands (citty accepts both silently). Returns the leaf command.
 */
async function resolveChain(
  cmd: CommandDef<ArgsDef>, argv: string[], path: string[],
): Promise<{ leaf: CommandDef<ArgsDef>; parent: CommandDef<ArgsDef> | undefined; path: string[] }> {
  const args = await resolve(cmd.args ?? {})
  const flags = flagTable(args)
  const subCommands = cmd.subCommands === undefined ? undefined : await resolve(cmd.subCommands)
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string
    if (token === '--') break
    if (token.startsWith('-') && token !== '-' && !/^-\d/.test(token)) {
      const long = token.startsWith('--')
      const body = long ? token.slice(2) : token.slice(1)
      const name = body.split('=')[0] as string
      let entry = flags.get(name)
      if (entry === undefined && long && name.startsWith('no-')) {
        const positive = flags.get(name.slice(3))
        if (positive?.boolean) entry = positive
      }
      if (entry === undefined && !long && name.length > 1) {
        // bundled short booleans: -Rx
        if ([...name].every((c) => flags.get(c)?.boolean)) continue
      }
      if (entry === undefined) throw new UsageError(`unknown option '${long ? '--' : '-'}${name}'`)
      if (entry.takesValue && !body.includes('=')) {
        if (i + 1 >= argv.length) throw new UsageError(`option '${token}' needs a value`)
        i++
      }
      continue
    }
    if (subCommands !== undefined && Object.keys(subCommands).length > 0) {
      const sub = subCommands[token]
      if (sub === undefined) throw new UsageError(`unknown command '${token}' (one of: ${Object.keys(subCommands).join(', ')})`)
      return resolveChain(await resolve(sub), argv.slice(i + 1), [...path, token]).then((r) =>
        r.parent === undefined ? { ...r, parent: cmd } : r)
    }
  }
  if (subCommands !== undefined && Object.keys(subCommands).length > 0 && cmd.run === undefined) {
    throw new UsageError(`missing command (one of: ${Object.keys(subCommands).join(', ')})`)
  }
  return { leaf: cmd, parent: undefined, path }
}

async function loadCitty(): Promise<typeof import('citty')> {
  // citty decides on colour when first loaded and colours pipes; allow it only on a TTY.
  const saved = process.env['NO_COLOR']
  const { colorEnabled } = await import('./io.js')
  if (!colorEnabled(process.stdout)) process.env['NO_COLOR'] = '1'
  try {
    return await import('citty')
  } finally {
    if (saved === undefined) delete process.env['NO_COLOR']
    else process.env['NO_COLOR'] = saved
  }
}

/**
 * Run a citty command as a Unix tool: usage errors exit 2, expected failures print
 * `prog: message` on stderr and exit 1 (or their own code), `--help` goes to stdout.
 * Unexpected errors keep their stack: they are bugs. Never calls `process.exit`.
 */
export async function main(prog: string, cmd: CommandDef<any>, options: MainOptions = {}): Promise<void> {
  const argv = options.argv ?? process.argv.slice(2)
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    // The reader went away (`| head`): stop quietly, as a Unix tool does.
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    throw err
  })
  const dashDash = argv.indexOf('--')
  const flagsPart = dashDash === -1 ? argv : argv.slice(0, dashDash)
  try {
    if (flagsPart.includes('--version') && options.version !== undefined) {
      process.stdout.write(`${prog} ${options.version}\n`)
      return
    }
    const wantsHelp = flagsPart.includes('--help') || flagsPart.includes('-h')
    const chainArgv = wantsHelp ? argv.filter((a) => a !== '--help' && a !== '-h') : argv
    let chain
    try {
      chain = await resolveChain(cmd, chainArgv, [])
    } catch (err) {
      if (!(wantsHelp && err instanceof UsageError)) throw err
      chain = { leaf: cmd, parent: undefined, path: [] }
    }
    const citty = await loadCitty()
    if (wantsHelp) {
      process.stdout.write(`${await citty.renderUsage(chain.leaf, chain.parent)}\n`)
      return
    }
    await citty.runCommand(cmd, { rawArgs: argv })
  } catch (err) {
    if (err instanceof Error && err.name === 'CLIError') {
      const plain = err.message.replace(/\x1b\[[0-9;]*m/g, '')
      fail(prog, plain.charAt(0).toLowerCase() + plain.slice(1), 2)
    } else if (err instanceof CliError) {
      fail(prog, err.message, err.exitCode)
    } else if (isUserSystemError(err)) {
      fail(prog, describeSystemError(err), 1)
    } else if (err instanceof Error && options.expected?.some((cls) => err instanceof cls)) {
      const code = (err as { exitCode?: unknown }).exitCode
      fail(prog, err.message, typeof code === 'number' ? code : 1)
    } else {
      throw err
    }
  }
}

function fail(prog: string, message: string, exitCode: number): void {
  const hint = exitCode === 2 ? ` (see '${prog} --help')` : ''
  process.stderr.write(`${prog}: ${message}${hint}\n`)
  process.exitCode = exitCode
}
