/** The first string of every NAR (format version 1). */
export const NAR_MAGIC = 'nix-archive-1'

/** Longest entry name accepted when reading (Linux NAME_MAX). */
export const MAX_NAME_LENGTH = 255

/** Longest symlink target accepted when reading (Linux PATH_MAX − 1). */
export const MAX_TARGET_LENGTH = 4095

/** Longest structural token (`directory`, `executable`, …) read before deciding it is unknown. */
export const MAX_TOKEN_LENGTH = 64

/** Length in characters of the hash part of a store path, what the reference scanner looks for. */
export const REF_LENGTH = 32

/** Nix's base-32 alphabet (no e, o, u, t), the characters a hash part is made of. */
export const NIX32_CHARS = '0123456789abcdfghijklmnpqrsvwxyz'
