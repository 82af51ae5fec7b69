import { main as runCommand } from '@tsnix/cli-kit'
import { StoreDbError } from '@tsnix/store-db'
import { StoreError } from './errors.js'
import { VERSION } from './commands/shared.js'
import query from './commands/query.js'

/** Run `store-query` on `argv` (the arguments after the program name). */
export function main(argv: string[]): Promise<void> {
  return runCommand('store-query', query, { version: VERSION, argv, expected: [StoreError, StoreDbError] })
}
