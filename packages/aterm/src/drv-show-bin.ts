/** Entry of the `drv-show` tool: its bundle (see @tsnix/cli-kit/bundle), else its modules. */
import { runTool } from '@tsnix/cli-kit/bundle'

runTool(new URL('drv-show.bundle.cjs', import.meta.url), () => import('./drv-show-cli.js'))
