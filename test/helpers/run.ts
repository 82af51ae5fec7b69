import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root (this file is test/helpers/run.ts). */
export const repoRoot: string = fileURLToPath(new URL('../../', import.meta.url))

export { goldenDir, onPath } from '@tsnix/test-kit'

export interface RunResult {
  status: number | null
  stdout: Buffer
  stderr: string
}

/** Run a built tool (as its package.json's `bin` names it) with node; never through a shell. */
export function runTool(
  pkg: string, tool: string, args: readonly string[],
  options: { input?: string | Uint8Array; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): RunResult {
  const dir = fileURLToPath(new URL(`../../packages/${pkg}/`, import.meta.url))
  const bins = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { bin?: Record<string, string> }).bin
  const file = bins?.[tool]
  if (file === undefined) throw new Error(`packages/${pkg}/package.json has no bin "${tool}"`)
  const bin = join(dir, file)
  const r = spawnSync(process.execPath, [bin, ...args], {
    input: options.input ?? '',
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    cwd: options.cwd,
    maxBuffer: 1 << 28,
  })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') }
}
