/** Nix's default store directory (part of every store path's hash). Pass the configured one explicitly below the config layer. */
export const DEFAULT_STORE_DIR = '/nix/store'
