import { main } from '@tsnix/cli-kit'
import { StoreDbError } from '@tsnix/store-db'
import { StoreError } from './errors.js'
import { VERSION } from './commands/shared.js'
import add from './commands/add.js'

await main('store-add', add, { version: VERSION, expected: [StoreError, StoreDbError] })
