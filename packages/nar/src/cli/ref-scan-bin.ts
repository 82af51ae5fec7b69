/** Entry of the `ref-scan` tool: its bundle (see @tsnix/cli-kit/bundle), else its modules. */
import { runTool } from '@tsnix/cli-kit/bundle'

runTool(new URL('ref-scan.bundle.cjs', import.meta.url), () => import('./ref-scan.js'))
