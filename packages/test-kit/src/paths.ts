import { fileURLToPath } from 'node:url'

/** `../shared/golden/` beside the checkout (vectors captured from real Nix 2.8). */
export const goldenDir: string = fileURLToPath(new URL('../../../../shared/golden/', import.meta.url))
