// Hand-written typed entry of @tsnix/native over the napi-rs generated loader
// (bindings.js). Importing this module throws when the addon is not built;
// consumers load it inside try/catch and fall back to the pure-TS twin.
import * as bindings from './bindings.js'

const CODES = [
  ['nar: cannot read ', 'cannot-read'],
  ['nar: unsupported file type ', 'unsupported-type'],
  ['nar: unsupported hash algorithm ', 'unsupported-algorithm'],
]

function withCode(err) {
  if (err instanceof Error) {
    for (const [prefix, code] of CODES) {
      if (err.message.startsWith(prefix)) {
        Object.defineProperty(err, 'code', { value: code, enumerable: true, configurable: true, writable: true })
        break
      }
    }
  }
  return err
}

export async function narHashPath(path, algorithm) {
  try {
    return await bindings.narHashPath(path, algorithm)
  } catch (err) {
    throw withCode(err)
  }
}

export async function scanReferences(path, hashParts) {
  try {
    return await bindings.scanReferences(path, hashParts)
  } catch (err) {
    throw withCode(err)
  }
}

export async function narHashAndScan(path, algorithm, hashParts) {
  try {
    return await bindings.narHashAndScan(path, algorithm, hashParts)
  } catch (err) {
    throw withCode(err)
  }
}

export function scanBytes(data, hashParts) {
  return bindings.scanBytes(data, hashParts)
}

export function parseNix(src) {
  return bindings.parseNix(src)
}

export function hashLatin1(algorithm, text) {
  try {
    return bindings.hashLatin1(algorithm, text)
  } catch (err) {
    throw withCode(err)
  }
}

export function evalNix(src, baseDir, json, storeDir, envAccess, attrPaths) {
  return bindings.evalNix(src, baseDir, json, storeDir, envAccess, attrPaths)
}
