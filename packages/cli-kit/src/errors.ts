/**
 * An expected failure a user can act on: the CLI wrapper prints its message on one line
 * (`tool: message`) and exits with `exitCode`, without a stack.
 */
export class CliError extends Error {
  readonly exitCode: number
  constructor(message: string, exitCode = 1, options?: ErrorOptions) {
    super(message, options)
    this.name = 'CliError'
    this.exitCode = exitCode
  }
}

/** Wrong arguments: exit code 2 and a hint to `--help`. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2)
    this.name = 'UsageError'
  }
}

/** Errno codes of file-system failures that are the user's to fix, not bugs. */
const USER_ERRNO = new Set([
  'ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG', 'EROFS',
  'ENOSPC', 'EEXIST', 'ENOTEMPTY', 'EDQUOT', 'EMFILE', 'EXDEV', 'EBUSY',
])

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EEXIST: 'file exists',
  ENOTEMPTY: 'directory not empty',
}

/** A Node system error (`fs`, `child_process`) that stems from user input. */
export function isUserSystemError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string'
    && USER_ERRNO.has((err as NodeJS.ErrnoException).code as string)
}

/** `cannot open '/x': no such file or directory` from a Node system error. */
export function describeSystemError(err: NodeJS.ErrnoException): string {
  const why = ERRNO_TEXT[err.code ?? ''] ?? err.code ?? 'failed'
  const verb = err.syscall === 'open' || err.syscall === 'read' ? 'cannot read'
    : err.syscall === 'scandir' ? 'cannot list'
    : err.syscall ? `cannot ${err.syscall}` : 'failed'
  return err.path ? `${verb} '${err.path}': ${why}` : `${verb}: ${why}`
}
