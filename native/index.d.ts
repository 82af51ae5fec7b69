/**
 * @tsnix/native: optional Rust addon with the hot paths of `@tsnix/nar`, and a Nix parser
 * for the large sources of `@tsnix/eval`.
 *
 * NAR serialisation as in Nix 2.8 (src/libutil/archive.cc) and reference
 * scanning as in src/libstore/references.cc. The async functions run off the
 * JS thread. Errors are `Error`s whose `code` is one of {@link NativeErrorCode}
 * and whose message is `nar: cannot read '<path>': <why>`,
 * `nar: unsupported file type at '<path>'` or
 * `nar: unsupported hash algorithm '<name>'`.
 */

/** Hash algorithms accepted for NAR hashes. */
export type NarHashAlgorithm = 'md5' | 'sha1' | 'sha256' | 'sha512'

/** `code` of the errors thrown by this module. */
export type NativeErrorCode = 'cannot-read' | 'unsupported-type' | 'unsupported-algorithm'

/** A NAR hash and the NAR's size in bytes. */
export interface NarHashResult {
  digest: Buffer
  size: number
}

/** A NAR hash, the NAR's size and the candidates found in it. */
export interface NarHashAndScanResult {
  digest: Buffer
  size: number
  references: string[]
}

/**
 * Hashes the NAR serialisation of `path` (not following a symlink at `path`).
 * @throws {Error} `cannot-read`, `unsupported-type` (socket, fifo, device) or `unsupported-algorithm`.
 */
export declare function narHashPath(path: string, algorithm: NarHashAlgorithm): Promise<NarHashResult>

/**
 * The `hashParts` occurring in the NAR serialisation of `path` (so file names
 * and symlink targets count), sorted and de-duplicated. A candidate that is not
 * 32 Nix base-32 characters is never found, as in Nix.
 * @throws {Error} `cannot-read` or `unsupported-type`.
 */
export declare function scanReferences(path: string, hashParts: string[]): Promise<string[]>

/**
 * {@link narHashPath} and {@link scanReferences} over a single read of the data.
 * @throws {Error} `cannot-read`, `unsupported-type` or `unsupported-algorithm`.
 */
export declare function narHashAndScan(path: string, algorithm: string, hashParts: string[]): Promise<NarHashAndScanResult>

/** The `hashParts` occurring anywhere in `data`, sorted and de-duplicated (synchronous). */
export declare function scanBytes(data: Uint8Array, hashParts: string[]): string[]

/**
 * Parses a Nix source (its bytes) with the grammar of Nix 2.8 into the flat encoding that
 * `@tsnix/eval` decodes into exactly the syntax tree of its TS parser (the layout is in
 * `src/nixparse/mod.rs`). Synchronous. Returns null when the source has a syntax error, a
 * duplicate attribute or formal, an invalid integer or a lexical error, or nests deeper than
 * the parser's limits: the TS parser then decides, with Nix's message.
 */
export declare function parseNix(src: Uint8Array): Int32Array | null

/**
 * The base-16 `algorithm` digest of the Latin-1 bytes of `text` (a byte string: code units
 * 0–255, as `@tsnix/eval` keeps Nix strings), synchronous; what `builtins.hashString` returns.
 * @throws {Error} `unsupported-algorithm`.
 */
export declare function hashLatin1(algorithm: NarHashAlgorithm, text: string): string

/**
 * Evaluates a Nix source (its bytes) as `nix-instantiate --eval --strict` does and returns what
 * that prints on stdout (the `--json` form with `json`, without a newline, as Nix; with
 * `attrPaths`, each `-A` path's value in turn, functions with formals called on the way), or null
 * when it declines: on any evaluation error and on whatever it leaves to `@tsnix/eval`'s TS
 * evaluator (string context and the store, `trace`, `tryEval`, regular expressions,
 * `fromTOML`, unusual JSON texts, files in the store, `<…>` paths, a set or list printed twice, recursion deeper
 * than about 40 000 calls, …). `baseDir` is the directory relative paths in the source start
 * from, `storeDir` the value of `builtins.storeDir`; `getEnv` declines unless `envAccess`.
 * Synchronous; runs on a thread of its own with a 64 MiB stack.
 */
export declare function evalNix(src: Uint8Array, baseDir: Uint8Array, json: boolean, storeDir: Uint8Array, envAccess: boolean, attrPaths?: Buffer[]): Buffer | null
