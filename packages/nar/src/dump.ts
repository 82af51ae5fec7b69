import { eventLoopTurns, walkNar, type WalkOptions } from './_walk.js'

export { readError, unsupportedType, type NarField } from './_walk.js'

/**
 * Serialise a file system object to a NAR, as `nix-store --dump` does, yielding the archive in
 * chunks of at most 1 MiB, each a buffer of its own (memory stays bounded whatever the size).
 * Directory entries are sorted by their bytes; only the owner-executable bit of regular files
 * is recorded. The file system is read synchronously a chunk at a time, with a turn of the
 * event loop at least every 10 ms.
 * @throws {NarError} `unsupported-type` for sockets, FIFOs and devices; `file-changed` when a
 * file's size changes while it is read; `io` for file system errors.
 */
export function dumpPath(path: string): AsyncGenerator<Uint8Array> {
  return dumpPathWith(path, {})
}

/**
 * @internal {@link dumpPath} with options: field spans for locating references, or views of one
 * reused buffer (valid until the consumer asks for the next chunk).
 */
export async function* dumpPathWith(path: string, options: WalkOptions): AsyncGenerator<Uint8Array> {
  const turn = eventLoopTurns()
  for (const chunk of walkNar(path, options)) {
    yield chunk
    const wait = turn()
    if (wait !== null) await wait
  }
}
