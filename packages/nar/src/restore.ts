import { constants } from 'node:fs'
import { lstat, mkdir, open, rm, symlink } from 'node:fs/promises'
import { NarError } from './errors.js'
import { narEntries } from './read.js'

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants

/**
 * Restore a NAR to `dest`, which must not exist (its parent must). Reading is strict (see
 * {@link narEntries}); every object is created exclusively (`O_EXCL`/`mkdir`/`symlink` never
 * replace or follow anything), so nothing is written outside `dest`. Regular files get mode
 * 0666 less the umask, executables that plus 0111 (as Nix). On any failure, whatever was created is removed.
 * @throws {NarError} `destination-exists`, or any reading error (path inside the archive and
 * byte offset). File system errors are passed through.
 */
export async function restoreNar(source: AsyncIterable<Uint8Array>, dest: string): Promise<void> {
  const exists = await lstat(dest).then(() => true, (err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return false
    throw err
  })
  if (exists) throw new NarError('destination-exists', `cannot restore to '${dest}': destination exists`)
  const base = Buffer.from(dest)
  let created = false
  try {
    for await (const entry of narEntries(source)) {
      // pathBytes is '/' or '/a/b' with validated names: it never climbs out of dest.
      const target = entry.pathBytes.length === 1 ? base : Buffer.concat([base, entry.pathBytes])
      if (entry.type === 'directory') {
        await mkdir(target, 0o777)
      } else if (entry.type === 'symlink') {
        await symlink(Buffer.from(entry.targetBytes), target)
      } else {
        const fh = await open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o666)
        created = true
        try {
          // As Nix: the umask applies to 0666, then the executable bits are added for everyone.
          if (entry.executable) await fh.chmod(((await fh.stat()).mode | 0o111) & 0o7777)
          for await (const chunk of entry.body) {
            let done = 0
            while (done < chunk.length) done += (await fh.write(chunk, done, chunk.length - done)).bytesWritten
          }
        } finally {
          await fh.close()
        }
      }
      created = true
    }
  } catch (err) {
    if (created) await rm(dest, { recursive: true, force: true })
    if (err instanceof NarError) throw err
    const e = err as NodeJS.ErrnoException
    if (e.code === 'EEXIST') throw new NarError('destination-exists', `cannot restore to '${dest}': destination exists`, { cause: err })
    throw err
  }
}
