import { main } from '@tsnix/cli-kit'
import { StoreDbError } from '@tsnix/store-db'
import { StoreError } from './errors.js'
import { VERSION } from './commands/shared.js'
import query from './commands/query.js'

await main('store-query', query, { version: VERSION, expected: [StoreError, StoreDbError] })
