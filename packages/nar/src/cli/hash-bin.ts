/** Entry of the `hash` tool: its bundle (see @tsnix/cli-kit/bundle), else its modules. */
import { runTool } from '@tsnix/cli-kit/bundle'

runTool(new URL('hash.bundle.cjs', import.meta.url), () => import('./hash.js'))
