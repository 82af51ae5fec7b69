/** Entry of the `store-query` tool: its bundle (see @tsnix/cli-kit/bundle), else its modules. */
import { runTool } from '@tsnix/cli-kit/bundle'

runTool(new URL('store-query.bundle.cjs', import.meta.url), () => import('./store-query-cli.js'))
