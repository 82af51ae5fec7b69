/** Version strings as Nix 2.8's names.cc: splitVersion, compareVersions, parseDrvName. */

const DOT = 46
const DASH = 45

function isDigitAt(s: string, p: number): boolean {
  const c = s.charCodeAt(p)
  return c >= 48 && c <= 57
}

/** Where the next component of `s` starts, from `p`: past the separators `.` and `-`. */
function componentStart(s: string, p: number): number {
  while (p < s.length) {
    const c = s.charCodeAt(p)
    if (c !== DOT && c !== DASH) break
    p++
  }
  return p
}

/** Where the component starting at `p` ends: a run of digits, or of other characters but separators. */
function componentEnd(s: string, p: number): number {
  if (p >= s.length) return p
  if (isDigitAt(s, p)) {
    while (p < s.length && isDigitAt(s, p)) p++
  } else {
    while (p < s.length && !isDigitAt(s, p)) {
      const c = s.charCodeAt(p)
      if (c === DOT || c === DASH) break
      p++
    }
  }
  return p
}

/** A numeric component, as Nix reads it: into a C `int`, so beyond 2^31 - 1 it is not a number. */
function toInt(c: string): number | undefined {
  if (c.length === 0) return undefined
  for (let i = 0; i < c.length; i++) if (!isDigitAt(c, i)) return undefined
  const n = Number(c)
  return n <= 2147483647 ? n : undefined
}

/** Nix's order of components (`n1`, `n2`: their values when numbers). */
function componentsLT(c1: string, n1: number | undefined, c2: string, n2: number | undefined): boolean {
  if (n1 !== undefined && n2 !== undefined) return n1 < n2
  if (c1 === '' && n2 !== undefined) return true
  if (c1 === 'pre' && c2 !== 'pre') return true
  if (c2 === 'pre') return false
  if (n2 !== undefined) return true
  if (n1 !== undefined) return false
  return c1 < c2
}

/** `builtins.compareVersions`: -1, 0 or 1. */
export function compareVersions(v1: string, v2: string): number {
  let p1 = 0
  let p2 = 0
  while (p1 < v1.length || p2 < v2.length) {
    const s1 = componentStart(v1, p1)
    const s2 = componentStart(v2, p2)
    p1 = componentEnd(v1, s1)
    p2 = componentEnd(v2, s2)
    const c1 = v1.slice(s1, p1)
    const c2 = v2.slice(s2, p2)
    const n1 = toInt(c1)
    const n2 = toInt(c2)
    if (componentsLT(c1, n1, c2, n2)) return -1
    if (componentsLT(c2, n2, c1, n1)) return 1
  }
  return 0
}

/** `builtins.splitVersion`. */
export function splitVersion(v: string): string[] {
  const out: string[] = []
  let p = 0
  while (p < v.length) {
    const start = componentStart(v, p)
    p = componentEnd(v, start)
    if (p === start) break
    out.push(v.slice(start, p))
  }
  return out
}

/** `builtins.parseDrvName`: split at the first '-' not followed by a letter. */
export function parseDrvName(s: string): [string, string] {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '-' && i + 1 < s.length && !/[a-zA-Z]/.test(s[i + 1]!)) return [s.slice(0, i), s.slice(i + 1)]
  }
  return [s, '']
}
