// Test support (not part of the package's build): NAR builders, temp dirs, chunking.
import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { afterAll } from 'vitest'
import { onPath, tempDir as kitTempDir } from '@tsnix/test-kit'

export { goldenDir, onPath } from '@tsnix/test-kit'

export const hasNix: boolean = onPath('nix-store') && onPath('nix-hash')

/** A fresh temporary directory, removed after the test file. */
export function tempDir(): string {
  return kitTempDir('nar', afterAll)
}

/** A NAR string: u64 LE length, bytes, zero padding. */
export function str(s: string | Uint8Array): Buffer {
  const bytes = typeof s === 'string' ? Buffer.from(s, 'utf8') : Buffer.from(s)
  const len = Buffer.alloc(8)
  len.writeBigUInt64LE(BigInt(bytes.length))
  return Buffer.concat([len, bytes, Buffer.alloc((8 - (bytes.length % 8)) % 8)])
}

/** Concatenate NAR strings (strings/bytes are encoded as NAR strings; Buffers passed raw via raw()). */
export function nar(...parts: (string | Uint8Array | Raw)[]): Buffer {
  return Buffer.concat(parts.map((p) => (p instanceof Raw ? p.bytes : str(p))))
}

export class Raw {
  readonly bytes: Buffer
  constructor(bytes: Buffer) {
    this.bytes = bytes
  }
}
export const raw = (b: Buffer | number[]): Raw => new Raw(Buffer.from(b))
export const u64 = (n: number | bigint): Raw => {
  const b = Buffer.alloc(8)
  b.writeBigUInt64LE(BigInt(n))
  return new Raw(b)
}

/** Tokens of common nodes. */
export const file = (contents: string | Uint8Array, executable = false): (string | Uint8Array)[] =>
  ['(', 'type', 'regular', ...(executable ? ['executable', ''] : []), 'contents', contents, ')']
export const link = (target: string | Uint8Array): (string | Uint8Array)[] => ['(', 'type', 'symlink', 'target', target, ')']
export const dir = (...entries: [string | Uint8Array, (string | Uint8Array)[]][]): (string | Uint8Array)[] =>
  ['(', 'type', 'directory', ...entries.flatMap(([name, node]) => ['entry', '(', 'name', name, 'node', ...node, ')']), ')']

/** An async iterable over `data` in chunks of `size` bytes (or of sizes cycling through an array). */
export async function* chunks(data: Uint8Array, size: number | number[] = 1 << 16): AsyncGenerator<Uint8Array> {
  const sizes = Array.isArray(size) ? size : [size]
  let i = 0
  for (let at = 0; at < data.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length] as number)
    yield data.subarray(at, at + n)
    at += n
  }
}

export async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const c of source) parts.push(Buffer.from(c))
  return Buffer.concat(parts)
}

/** Run a golden make.sh to create `dest`. */
export function make(script: string, dest: string): void {
  const r = spawnSync('sh', [script, dest], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`${script} failed: ${r.stderr}`)
}

/** The implementations to test: TS always, native when the addon loads. */
export async function implementations(): Promise<{ name: string; env: string | undefined }[]> {
  const { nativeAvailable } = await import('../index.js')
  const saved = process.env['TSNIX_NATIVE']
  delete process.env['TSNIX_NATIVE']
  const native = nativeAvailable()
  if (saved !== undefined) process.env['TSNIX_NATIVE'] = saved
  return [{ name: 'ts', env: '0' }, ...(native ? [{ name: 'native', env: undefined }] : [])]
}

export function withImpl(env: string | undefined): void {
  if (env === undefined) delete process.env['TSNIX_NATIVE']
  else process.env['TSNIX_NATIVE'] = env
}

export { rmSync }
