/** Copy chunks to stdout with back-pressure (NAR and file bytes stay bytes). */
export async function pipeToStdout(source: AsyncIterable<Uint8Array>): Promise<void> {
  const out = process.stdout
  for await (const chunk of source) {
    if (!out.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const done = (err?: Error): void => {
          out.off('drain', done)
          out.off('error', done)
          if (err) reject(err)
          else resolve()
        }
        out.on('drain', done)
        out.on('error', done)
      })
    }
  }
  await new Promise<void>((resolve, reject) => out.write('', (err) => (err ? reject(err) : resolve())))
}

/** A NAR source: a file, or stdin for `-`. */
export async function narSource(path: string): Promise<AsyncIterable<Uint8Array>> {
  if (path === '-') return process.stdin
  const { open } = await import('node:fs/promises')
  // Open first so a missing file is reported before anything is read.
  const fh = await open(path, 'r')
  return fh.createReadStream({ highWaterMark: 1 << 20 })
}

/**
 * A NAR to read (a file, or stdin for `-`), decompressed when it is zstd-compressed (detected by
 * its magic; zstd-napi is loaded only then). xz, bzip2 and gzip input fail with a clear error.
 */
export async function narInput(path: string): Promise<AsyncIterable<Uint8Array>> {
  return decodedInput(await narSource(path))
}

/** `source` decompressed when it is zstd-compressed (see {@link narInput}). */
export async function decodedInput(source: AsyncIterable<Uint8Array>): Promise<AsyncIterable<Uint8Array>> {
  const { decompressed } = await import('../_zstd.js')
  return decompressed(source)
}
