import { lstat, readdir, chmod, lutimes, open } from 'node:fs/promises'
import { join } from 'node:path'
import { StoreError } from './errors.js'

/** Nix's `mtimeStore`: every store file's modification time, one second into the epoch. */
export const STORE_MTIME = 1

/**
 * Nix's `canonicalisePathMetaData` for a tree we just created: regular files and directories
 * get mode 0444, or 0555 when the owner could execute them (which also clears setuid,
 * setgid, sticky and write bits); everything's mtime becomes 1 (symlinks included). Only
 * regular files, directories and symlinks are allowed. Directories are fixed after their
 * contents. Extended attributes are not stripped (Node has no xattr API).
 * @throws {StoreError} `unsupported-file` for a device, socket or FIFO.
 */
export async function canonicalisePath(path: string): Promise<void> {
  const st = await lstat(path)
  if (st.isDirectory()) {
    for (const name of await readdir(path)) await canonicalisePath(join(path, name))
  } else if (!st.isFile() && !st.isSymbolicLink()) {
    throw new StoreError('unsupported-file', `file '${path}' has an unsupported type`)
  }
  if (!st.isSymbolicLink()) {
    const mode = st.mode & 0o7777
    if (mode !== 0o444 && mode !== 0o555) await chmod(path, 0o444 | (st.mode & 0o100 ? 0o111 : 0))
  }
  if (Math.floor(st.mtimeMs / 1000) !== STORE_MTIME || st.mtimeMs % 1000 !== 0) await lutimes(path, st.atime, STORE_MTIME)
}

/**
 * Flush a tree to disk: every regular file and directory is fsync'ed, contents before their
 * directory, so that after a crash a renamed store path is complete.
 */
export async function syncTree(path: string): Promise<void> {
  const st = await lstat(path)
  if (st.isSymbolicLink()) return
  if (st.isDirectory()) for (const name of await readdir(path)) await syncTree(join(path, name))
  const fh = await open(path, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/** Make a tree writable again so it can be deleted (store paths are read-only). */
export async function makeWritable(path: string): Promise<void> {
  let st
  try {
    st = await lstat(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw err
  }
  if (st.isSymbolicLink()) return
  await chmod(path, (st.mode & 0o777) | 0o200 | (st.isDirectory() ? 0o700 : 0))
  if (st.isDirectory()) for (const name of await readdir(path)) await makeWritable(join(path, name))
}
