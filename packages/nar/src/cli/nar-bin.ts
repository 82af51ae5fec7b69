/** Entry of the `nar` tool: its bundle (see @tsnix/cli-kit/bundle), else its modules. */
import { runTool } from '@tsnix/cli-kit/bundle'

runTool(new URL('nar.bundle.cjs', import.meta.url), () => import('./nar.js'))
