/**
 * POSIX extended regular expressions (what Nix 2.8's `match` and `split` use through
 * std::regex::extended), translated to JS regular expressions over byte strings.
 */
import { NixError } from './errors.js'
import type { Pos } from './source.js'

const CLASSES: Record<string, string> = {
  alpha: 'a-zA-Z', digit: '0-9', alnum: '0-9a-zA-Z', upper: 'A-Z', lower: 'a-z',
  space: ' \\t\\n\\r\\f\\v', blank: ' \\t', punct: '!-\\/:-@\\[-`{-~', xdigit: '0-9A-Fa-f',
  cntrl: '\\x00-\\x1f\\x7f', print: ' -~', graph: '!-~', word: '0-9a-zA-Z_',
}

/** Translate an ERE to a JS regex source; throws on a malformed expression. */
export function translateERE(re: string): string {
  let out = ''
  let i = 0
  let depth = 0
  const n = re.length
  while (i < n) {
    const c = re[i]!
    if (c === '\\') {
      const d = re[i + 1]
      if (d === undefined) throw new Error('trailing backslash')
      if (/[a-zA-Z0-9]/.test(d)) {
        // \w \s \d etc. are extensions libstdc++ accepts; back-references too
        out += `\\${d}`
      } else out += `\\${d}`
      i += 2
      continue
    }
    if (c === '[') {
      let j = i + 1
      let cls = '['
      if (re[j] === '^') { cls += '^'; j++ }
      if (re[j] === ']') { cls += '\\]'; j++ }
      let closed = false
      while (j < n) {
        const d = re[j]!
        if (d === ']') { closed = true; j++; break }
        if (d === '[' && re[j + 1] === ':') {
          const end = re.indexOf(':]', j + 2)
          if (end < 0) throw new Error('bad class')
          const name = re.slice(j + 2, end)
          const body = CLASSES[name]
          if (body === undefined) throw new Error(`unknown class ${name}`)
          cls += body
          j = end + 2
          continue
        }
        if (d === '[' && (re[j + 1] === '.' || re[j + 1] === '=')) {
          const close = `${re[j + 1]}]`
          const end = re.indexOf(close, j + 2)
          if (end < 0) throw new Error('bad collating element')
          cls += re.slice(j + 2, end).replace(/[\]\\^-]/g, '\\$&')
          j = end + 2
          continue
        }
        if (d === '\\') { cls += '\\\\'; j++; continue }
        cls += d
        j++
      }
      if (!closed) throw new Error('unterminated bracket')
      out += `${cls}]`
      i = j
      continue
    }
    if (c === '(') {
      depth++
      out += '('
      i++
      continue
    }
    if (c === ')') {
      if (depth === 0) throw new Error('unmatched )')
      depth--
      out += ')'
      i++
      continue
    }
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(re.slice(i))
      if (m === null) throw new Error('bad brace')
      out += m[0]
      i += m[0].length
      continue
    }
    if ((c === '*' || c === '+' || c === '?') && (i === 0 || re[i - 1] === '(' || re[i - 1] === '|')) {
      throw new Error('nothing to repeat')
    }
    if (c === '/') { out += '\\/'; i++; continue }
    out += c
    i++
  }
  if (depth !== 0) throw new Error('unmatched (')
  return out
}

interface Compiled {
  anchored: RegExp
  global: RegExp
}

const cache = new Map<string, Compiled>()

/** Compile (and cache) a regex for `match` (anchored) and `split` (global search). */
export function compileRegex(re: string, pos: Pos | undefined): Compiled {
  const hit = cache.get(re)
  if (hit !== undefined) return hit
  let c: Compiled
  try {
    const src = translateERE(re)
    c = { anchored: new RegExp(`^(?:${src})$`, 's'), global: new RegExp(src, 'gs') }
  } catch {
    throw new NixError('eval', `invalid regular expression '${re}'`, pos)
  }
  cache.set(re, c)
  return c
}
