/** Entry of the `store-verify` tool: its bundle (see @tsnix/cli-kit/bundle), else its modules. */
import { runTool } from '@tsnix/cli-kit/bundle'

runTool(new URL('store-verify.bundle.cjs', import.meta.url), () => import('./store-verify-cli.js'))
