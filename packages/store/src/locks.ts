import { open, readFile, stat, unlink } from 'node:fs/promises'
import { StoreError } from './errors.js'

/** How long to wait for another process's lock before giving up. */
export const LOCK_TIMEOUT_MS = 10 * 60 * 1000
/** An empty lock file (being written, or left by a Nix that died) counts as stale after this. */
const EMPTY_STALE_MS = 30 * 1000

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** A held lock on a store path; release it once the path is registered (or given up). */
export interface PathLock {
  readonly lockFile: string
  release(): Promise<void>
}

/**
 * Lock `<realPath>.lock`, as Nix names its path locks, so that two processes never build
 * or copy the same store path at once. Node has no fcntl locks, so the lock is the
 * exclusive creation of that file holding our pid; a lock whose owner has died (or an
 * empty one older than 30 s) is taken over. A Nix process holding its own lock on the same
 * file makes us wait until it deletes it.
 * @throws {StoreError} `lock-timeout` after {@link LOCK_TIMEOUT_MS}.
 */
export async function lockPath(realPath: string, timeoutMs = LOCK_TIMEOUT_MS): Promise<PathLock> {
  const lockFile = `${realPath}.lock`
  const deadline = Date.now() + timeoutMs
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(lockFile, 'wx', 0o600)
      try {
        await fh.writeFile(`${process.pid}\n`)
      } finally {
        await fh.close()
      }
      let released = false
      return {
        lockFile,
        async release() {
          if (released) return
          released = true
          // Only remove the file if it is still ours (a taker-over may have replaced it).
          const owner = await readFile(lockFile, 'utf8').catch(() => '')
          if (owner.trim() === String(process.pid)) await unlink(lockFile).catch(() => undefined)
        },
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const text = await readFile(lockFile, 'utf8').catch(() => undefined)
    if (text !== undefined) {
      const pid = Number.parseInt(text, 10)
      let stale = false
      if (Number.isInteger(pid) && pid > 0) stale = pid !== process.pid && !pidAlive(pid)
      else {
        const st = await stat(lockFile).catch(() => undefined)
        stale = st !== undefined && Date.now() - st.mtimeMs > EMPTY_STALE_MS
      }
      if (stale) {
        await unlink(lockFile).catch(() => undefined)
        continue
      }
    }
    if (Date.now() > deadline) {
      throw new StoreError('lock-timeout', `timed out waiting for the lock on '${realPath}' (held through '${lockFile}')`)
    }
    await delay(Math.min(200, 5 + attempt * 5 + Math.floor(Math.random() * 10)))
  }
}
