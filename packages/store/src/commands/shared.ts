import type { ArgsDef } from '@tsnix/cli-kit'

/** `--store`, shared by every store tool. */
export const storeArgs = {
  store: {
    type: 'string',
    description: "store to use: 'local' (the system store), a root directory (chroot store: ROOT/nix/store), or 'auto'",
    valueHint: 'STORE',
  },
} as const satisfies ArgsDef

/** The package version printed by `--version`. */
export const VERSION = '0.1.0'
