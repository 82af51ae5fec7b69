import { main as runCommand } from '@tsnix/cli-kit'
import { StoreDbError } from '@tsnix/store-db'
import { StoreError } from './errors.js'
import { VERSION } from './commands/shared.js'
import add from './commands/add.js'

/** Run `store-add` on `argv` (the arguments after the program name). */
export function main(argv: string[]): Promise<void> {
  return runCommand('store-add', add, { version: VERSION, argv, expected: [StoreError, StoreDbError] })
}
