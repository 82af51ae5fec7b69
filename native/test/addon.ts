// The addon for the black-box tests, or null when it is not built (`pnpm run build:native`).
export type Native = typeof import('../index.js')

export let native: Native | null = null
try {
  native = await import('../index.js')
} catch {
  native = null
}
