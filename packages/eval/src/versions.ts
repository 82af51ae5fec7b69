/** Version strings as Nix 2.8's names.cc: splitVersion, compareVersions, parseDrvName. */

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9'

/** The next component of a version from position `p`: returns [component, new position]. */
function nextComponent(s: string, p: number): [string, number] {
  while (p < s.length && (s[p] === '.' || s[p] === '-')) p++
  if (p >= s.length) return ['', p]
  let c = ''
  if (isDigit(s[p])) while (p < s.length && isDigit(s[p])) c += s[p++]
  else while (p < s.length && !isDigit(s[p]) && s[p] !== '.' && s[p] !== '-') c += s[p++]
  return [c, p]
}

/** A numeric component, as Nix reads it: into a C `int`, so beyond 2^31 - 1 it is not a number. */
function toInt(c: string): number | undefined {
  if (!/^[0-9]+$/.test(c)) return undefined
  const n = Number(c)
  return n <= 2147483647 ? n : undefined
}

function componentsLT(c1: string, c2: string): boolean {
  const n1 = toInt(c1)
  const n2 = toInt(c2)
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
    let c1: string
    let c2: string
    ;[c1, p1] = nextComponent(v1, p1)
    ;[c2, p2] = nextComponent(v2, p2)
    if (componentsLT(c1, c2)) return -1
    if (componentsLT(c2, c1)) return 1
  }
  return 0
}

/** `builtins.splitVersion`. */
export function splitVersion(v: string): string[] {
  const out: string[] = []
  let p = 0
  while (p < v.length) {
    let c: string
    ;[c, p] = nextComponent(v, p)
    if (c === '') break
    out.push(c)
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
