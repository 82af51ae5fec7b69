import { readlink } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { toStorePath } from '@tsnix/hash'
import type { StoreConfig } from './config.js'
import { StoreError } from './errors.js'

/**
 * Nix's `followLinksToStorePath`: make `path` absolute, follow symlinks while it lies outside
 * the store (e.g. `./result`), and cut it to the store path it lies in.
 * @throws {StoreError} `not-in-store`.
 */
export async function followLinksToStorePath(config: StoreConfig, path: string): Promise<string> {
  const storeDir = config.storeDir
  let p = resolve(path)
  for (let hops = 0; !p.startsWith(`${storeDir}/`) && hops < 64; hops++) {
    let target: string
    try {
      target = await readlink(p)
    } catch {
      break
    }
    p = resolve(dirname(p), target)
  }
  return storePathOf(config, p)
}

/**
 * The store path that `path` (a store path or a path inside one) lies in.
 * @throws {StoreError} `not-in-store`.
 */
export function storePathOf(config: StoreConfig, path: string): string {
  try {
    return toStorePath(path, config.storeDir).path
  } catch (err) {
    throw new StoreError('not-in-store', `path '${path}' is not in the Nix store`, { cause: err })
  }
}
