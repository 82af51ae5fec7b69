/** Entry of the `store-add` tool: its bundle (see @tsnix/cli-kit/bundle), else its modules. */
import { runTool } from '@tsnix/cli-kit/bundle'

runTool(new URL('store-add.bundle.cjs', import.meta.url), () => import('./store-add-cli.js'))
