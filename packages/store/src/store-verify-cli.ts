import { main } from '@tsnix/cli-kit'
import { StoreDbError } from '@tsnix/store-db'
import { StoreError } from './errors.js'
import { VERSION } from './commands/shared.js'
import verify from './commands/verify.js'

await main('store-verify', verify, { version: VERSION, expected: [StoreError, StoreDbError] })
