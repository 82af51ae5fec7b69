/** Read all of standard input as bytes. */
export async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** Read a file's bytes, or standard input when `path` is `-`. */
export async function readInput(path: string): Promise<Buffer> {
  if (path === '-') return readStdin()
  // (loaded when needed: node:fs/promises costs ≈ 2 ms of a tool's start-up)
  const { readFile } = await import('node:fs/promises')
  return readFile(path)
}

/**
 * Split input into items: one per line (blank lines and surrounding spaces dropped),
 * or NUL-separated when `nul` is set (as `xargs -0` and `find -print0` produce).
 */
export function splitItems(data: Buffer | string, nul = false): string[] {
  const text = typeof data === 'string' ? data : data.toString('utf8')
  const parts = nul ? text.split('\0') : text.split('\n')
  return parts.map((p) => (nul ? p : p.trim())).filter((p) => p.length > 0)
}

/**
 * Write to stdout and wait until the data is handed to the OS, so large outputs
 * respect back-pressure and the process never exits with output still queued.
 */
export function writeStdout(data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(data, (err) => (err ? reject(err) : resolve()))
  })
}

/** True when colour may be used on `stream`: a TTY, and NO_COLOR unset (https://no-color.org). */
export function colorEnabled(stream: NodeJS.WriteStream = process.stderr): boolean {
  const noColor = process.env['NO_COLOR']
  return stream.isTTY === true && (noColor === undefined || noColor === '') && process.env['TERM'] !== 'dumb'
}
