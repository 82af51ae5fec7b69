/**
 * Regular expressions for `builtins.match` and `builtins.split`, with the answers of Nix 2.8, which
 * uses `std::regex(re, std::regex::extended)` of libstdc++ (GCC 12) over byte strings.
 *
 * A pattern is compiled once (cached) to libstdc++'s NFA (regex-compile.ts) and run by a port of
 * its backtracking POSIX executor (regex-exec.ts). When the semantics provably coincide (no `|`,
 * quantifiers only on single-byte matchers, `^` only first: see `RegexProgram.fastSource`), a JS
 * RegExp built from the same parse runs instead, which is much faster.
 */
import { NixError } from './errors.js'
import type { PosIdx } from './source.js'
import { compileProgram, RegexCompileError, type RegexProgram } from './regex-compile.js'
import { nfaMatch, nfaSplit, type SplitPart } from './regex-exec.js'

export type { SplitPart } from './regex-exec.js'

/** A compiled Nix regex. */
export interface NixRegex {
  /** `builtins.match`: the captures (null for a group that did not take part), or null. */
  match(text: string): (string | null)[] | null
  /**
   * `builtins.split`: the text before each match, then that match's captures, …, then the rest;
   * null when there is no match at all (Nix then returns the subject itself, context included).
   */
  split(text: string): SplitPart[] | null
  /** Whether the JS RegExp fast path is used. */
  readonly fast: boolean
}

const groupsOf = (m: RegExpExecArray): (string | null)[] => {
  const out: (string | null)[] = []
  for (let i = 1; i < m.length; i++) out.push(m[i] ?? null)
  return out
}

class FastRegex implements NixRegex {
  readonly fast = true
  private readonly anchored: RegExp
  private readonly global: RegExp
  constructor(src: string) {
    this.anchored = new RegExp(`^(?:${src})$`)
    this.global = new RegExp(src, 'g')
  }

  match(text: string): (string | null)[] | null {
    const m = this.anchored.exec(text)
    return m === null ? null : groupsOf(m)
  }

  split(text: string): SplitPart[] | null {
    const g = this.global
    g.lastIndex = 0
    let m = g.exec(text)
    if (m === null) return null
    const out: SplitPart[] = []
    let prev = 0
    while (m !== null) {
      const end = m.index + m[0].length
      out.push(text.slice(prev, m.index), groupsOf(m))
      prev = end
      if (m[0].length === 0) {
        // no non-empty match can start here (see fastSource), so move on by one byte
        if (end >= text.length) break
        g.lastIndex = end + 1
      }
      m = g.exec(text)
    }
    out.push(text.slice(prev))
    return out
  }
}

class NfaRegex implements NixRegex {
  readonly fast = false
  private readonly p: RegexProgram
  constructor(p: RegexProgram) {
    this.p = p
  }

  match(text: string): (string | null)[] | null {
    return nfaMatch(this.p, text)
  }

  split(text: string): SplitPart[] | null {
    return nfaSplit(this.p, text)
  }
}

/**
 * Compile a pattern without the cache and without the fast path choice being fixed: `mode`
 * 'nfa' forces the libstdc++ executor (used by tests to compare both paths).
 * @throws RegexCompileError when Nix would reject the pattern.
 */
export function buildRegex(re: string, mode: 'auto' | 'nfa' = 'auto'): NixRegex {
  const p = compileProgram(re)
  return mode === 'auto' && p.fastSource !== null ? new FastRegex(p.fastSource) : new NfaRegex(p)
}

const cache = new Map<string, NixRegex | RegexCompileError>()
const CACHE_LIMIT = 4096

/**
 * Compile (and cache) a regex for `builtins.match` / `builtins.split`.
 * @throws NixError `invalid regular expression '…'`, or `memory limit exceeded by regular
 * expression '…'` when libstdc++ would run out of NFA states.
 */
export function compileRegex(re: string, pos: PosIdx | undefined): NixRegex {
  let hit = cache.get(re)
  if (hit === undefined) {
    try {
      hit = buildRegex(re)
    } catch (e) {
      if (!(e instanceof RegexCompileError)) throw e
      hit = e
    }
    if (cache.size >= CACHE_LIMIT) cache.clear()
    cache.set(re, hit)
  }
  if (hit instanceof RegexCompileError) {
    const msg = hit.code === 'space'
      ? `memory limit exceeded by regular expression '${re}'`
      : `invalid regular expression '${re}'`
    throw new NixError('eval', msg, pos)
  }
  return hit
}
