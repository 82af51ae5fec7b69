/**
 * Value printers: the `nix-instantiate --eval` text form (Value::print in Nix 2.8),
 * JSON (value-to-json.cc, also `builtins.toJSON`) and XML (value-to-xml.cc). All output is
 * byte strings (one char per byte).
 */
import { formatG, showId } from './ast.js'

/** `«repeated»` as UTF-8 bytes in a byte string. */
const REPEATED = byteString('«repeated»')
import { NixError } from './errors.js'
import type { Evaluator } from './eval.js'
import { byteString, resolvePos, type PosIdx } from './source.js'
import {
  Lambda, NixAttrs, NixFloat, NixPath, NixString, PrimOp, PrimOpApp, StartupThunk, Thunk, byteCompare, forceThunk,
  sameList, showType, type JsonLayout, type Layout, type Lazy, type Value,
} from './values.js'

function quoteString(s: string): string {
  let out = '"'
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (c === '"' || c === '\\') out += `\\${c}`
    else if (c === '\n') out += '\\n'
    else if (c === '\r') out += '\\r'
    else if (c === '\t') out += '\\t'
    else if (c === '$' && s[i + 1] === '{') out += '\\$'
    else out += c
  }
  return `${out}"`
}

/**
 * Print a value as `nix-instantiate --eval` does. Unevaluated thunks print as `<CODE>`;
 * a non-empty set or list printed a second time prints as `«repeated»`.
 */
export function printValue(v: Lazy): string {
  const seen = new Set<object>()
  // a rope flattened into chunks every 16 KiB (see toJSON)
  let out = ''
  const chunks: string[] = []
  const parts = {
    push(...xs: string[]): void {
      for (const x of xs) out += x
      if (out.length > 16384) {
        out.charCodeAt(0)
        chunks.push(out)
        out = ''
      }
    },
  }
  const go = (x: Lazy): void => {
    if (x instanceof Thunk) {
      if (x.c === null) x = x.v
      else if (x instanceof StartupThunk) x = forceThunk(x, undefined)
      else { parts.push('<CODE>'); return }
    }
    if (x === null) { parts.push('null'); return }
    switch (typeof x) {
      case 'boolean': parts.push(x ? 'true' : 'false'); return
      case 'number': case 'bigint': parts.push(String(x)); return
      case 'string': parts.push(quoteString(x)); return
      default:
    }
    if (x instanceof NixString) { parts.push(quoteString(x.s)); return }
    if (x instanceof NixFloat) { parts.push(formatG(x.v)); return }
    if (x instanceof NixPath) { parts.push(x.p); return }
    if (Array.isArray(x)) {
      if (x.length > 0) {
        if (seen.has(x)) { parts.push(REPEATED); return }
        seen.add(x)
      }
      parts.push('[ ')
      for (const e of x) { go(e); parts.push(' ') }
      parts.push(']')
      return
    }
    if (x instanceof NixAttrs) {
      if (x.size > 0) {
        if (seen.has(x)) { parts.push(REPEATED); return }
        seen.add(x)
      }
      parts.push('{ ')
      for (const k of x.keys()) {
        parts.push(showId(k), ' = ')
        go(x.get(k)!)
        parts.push('; ')
      }
      parts.push('}')
      return
    }
    if (x instanceof Lambda) { parts.push('<LAMBDA>'); return }
    if (x instanceof PrimOp) { parts.push('<PRIMOP>'); return }
    if (x instanceof PrimOpApp) { parts.push('<PRIMOP-APP>'); return }
    parts.push('<CODE>')
  }
  // (the printed value is a cell of its own in Nix: a short list in it is a copy, see forceThunk)
  go(Array.isArray(v) ? sameList(v) : v)
  chunks.push(out)
  return chunks.join('')
}

/** Force a value completely (lists and sets, recursively), as `--strict` and `deepSeq` do. */
export function forceDeep(state: Evaluator, v: Lazy, pos?: PosIdx): void {
  const seen = new Set<object>()
  // An explicit stack (no JS recursion), in parallel arrays so that no object is allocated
  // per item. For the error trace, attribute items form a chain of frames (name, position,
  // parent frame), as Nix's recursive forceValueDeep adds one frame per enclosing attribute.
  const vals: Lazy[] = [v]
  const itemFrame: number[] = [-1]
  const itemPos: Array<PosIdx | undefined> = [pos]
  const frameName: string[] = []
  const framePos: Array<PosIdx | undefined> = []
  const frameParent: number[] = []
  while (vals.length > 0) {
    const item = vals.pop()!
    const frame = itemFrame.pop()!
    const ipos = itemPos.pop()
    let x: Value
    if (item instanceof Thunk) {
      if (item.c === null) x = item.v
      else {
        try {
          x = state.force(item, ipos)
        } catch (err) {
          if (err instanceof NixError) {
            for (let f = frame; f >= 0; f = frameParent[f]!) err.addTrace(`while evaluating the attribute '${frameName[f]!}'`, framePos[f])
          }
          throw err
        }
      }
    } else x = item
    if (x instanceof NixAttrs) {
      if (x.vals.length === 0 || seen.has(x)) continue
      seen.add(x)
      // in symbol order, as Nix forces them (the stack takes them in reverse)
      const names = x.shape.names
      const order = x.shape.symbolOrder()
      for (let k = order.length - 1; k >= 0; k--) {
        const slot = order[k]!
        const p = x.shape.pos[slot]
        frameName.push(names[slot]!)
        framePos.push(p)
        frameParent.push(frame)
        vals.push(x.vals[slot]!)
        itemFrame.push(frameName.length - 1)
        itemPos.push(p)
      }
    } else if (Array.isArray(x)) {
      if (x.length === 0 || seen.has(x)) continue
      seen.add(x)
      for (let i = x.length - 1; i >= 0; i--) {
        vals.push(x[i]!)
        itemFrame.push(frame)
        itemPos.push(ipos)
      }
    }
  }
}

/** JSON string escaping as Nix's json.cc: bytes ≥ 0x80 pass through. */
const JSON_ESCAPE = /["\\\x00-\x1f]/

/** Whether `s` has a character JSON escapes (short strings, most of them, without a regex call). */
function needsEscape(s: string): boolean {
  if (s.length > 32) return JSON_ESCAPE.test(s)
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 32 || c === 34 || c === 92) return true
  }
  return false
}

export function jsonString(s: string): string {
  if (!needsEscape(s)) return `"${s}"`
  let out = '"'
  let start = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 32 && c !== 34 && c !== 92) continue
    out += s.slice(start, i)
    start = i + 1
    if (c === 34) out += '\\"'
    else if (c === 92) out += '\\\\'
    else if (c === 10) out += '\\n'
    else if (c === 13) out += '\\r'
    else if (c === 9) out += '\\t'
    else out += `\\u${c.toString(16).padStart(4, '0')}`
  }
  return `${out + s.slice(start)}"`
}

/**
 * Serialise to JSON as printValueAsJSON: sets with `__toString` or `outPath` become strings,
 * paths are copied to the store. Collects string context into `ctx`. Without `strict`,
 * unevaluated values are an error, as in `nix-instantiate --eval --json` without --strict.
 */
/**
 * Replace an evaluated thunk in a list or attribute-set slot by its value, so that the thunk
 * can be collected young. Functions keep their thunk: equality of lists and sets compares
 * functions by the identity of the thunk that holds them, as Nix compares value pointers.
 */
export function settle(slots: Lazy[], i: number, t: Thunk): void {
  if (t.c !== null) return
  const v = t.v
  if (v instanceof Lambda || v instanceof PrimOp || v instanceof PrimOpApp) return
  slots[i] = v
}

/** The keys and special slots of sets of `layout` in JSON, worked out once per layout. */
function jsonLayout(layout: Layout): JsonLayout {
  if (layout.json !== undefined) return layout.json
  const names = layout.names
  const keys = names.map((n, i) => `${i > 0 ? ',' : ''}${jsonString(n)}:`)
  layout.json = { keys, toStringSlot: layout.slotOf('__toString') ?? -1, outPathSlot: layout.slotOf('outPath') ?? -1 }
  return layout.json
}

/**
 * Text written as bytes (strings hold one byte per character) into a buffer that is turned into
 * a string each time it is full: appending to a JS string instead makes a rope node per piece,
 * and flattening the rope copies it again. The buffer starts small (most `toJSON` calls write
 * a little) and doubles at each flush up to 64 KiB.
 */
class ByteWriter {
  private buf = Buffer.allocUnsafe(256)
  private len = 0
  private readonly pieces: string[] = []

  write(s: string): void {
    const n = s.length
    if (this.len + n > this.buf.length) {
      this.flush()
      if (n > this.buf.length) {
        this.pieces.push(s)
        return
      }
    }
    const buf = this.buf
    let at = this.len
    if (n > 64) at += buf.write(s, at, 'latin1')
    else for (let i = 0; i < n; i++) buf[at++] = s.charCodeAt(i)
    this.len = at
  }

  /** `s` as a JSON string. */
  writeString(s: string): void {
    if (needsEscape(s)) {
      this.write(jsonString(s))
      return
    }
    this.write('"')
    this.write(s)
    this.write('"')
  }

  private flush(): void {
    this.pieces.push(this.buf.toString('latin1', 0, this.len))
    this.len = 0
    if (this.buf.length < 1 << 16) this.buf = Buffer.allocUnsafe(this.buf.length * 2)
  }

  toString(): string {
    this.flush()
    return this.pieces.length === 1 ? this.pieces[0]! : this.pieces.join('')
  }
}

export function toJSON(state: Evaluator, v: Lazy, ctx: Set<string>, pos?: PosIdx, strict = true): string {
  const out = new ByteWriter()
  const open: string[] = []
  const go = (x0: Lazy, p: PosIdx | undefined): void => {
    let x: Value
    if (x0 instanceof Thunk) {
      if (x0.c === null) x = x0.v
      else if (strict) x = state.force(x0, p)
      else {
        const err = new NixError('type', `cannot convert ${state.isApplication(x0) ? 'a function application' : 'a thunk'} to JSON`, p)
        err.addTrace('message for the trace', p)
        throw err
      }
    } else x = x0
    if (typeof x === 'string') { out.writeString(x); return }
    if (typeof x === 'number') { out.write(String(x)); return }
    if (x instanceof NixAttrs) {
      const json = jsonLayout(x.shape.layout)
      if (json.toStringSlot >= 0) {
        out.writeString(state.coerceToString(x, p, ctx, false, false))
        return
      }
      if (json.outPathSlot >= 0) { go(x.vals[json.outPathSlot]!, x.shape.pos[json.outPathSlot] ?? p); return }
      out.write('{')
      open.push('}')
      const keys = json.keys
      const spos = x.shape.pos
      for (let slot = 0; slot < keys.length; slot++) {
        out.write(keys[slot]!)
        const v = x.vals[slot]!
        go(v, spos[slot] ?? p)
        if (v instanceof Thunk) settle(x.vals, slot, v)
      }
      open.pop()
      out.write('}')
      return
    }
    if (Array.isArray(x)) {
      out.write('[')
      open.push(']')
      for (let i = 0; i < x.length; i++) {
        if (i > 0) out.write(',')
        const v = x[i]!
        go(v, p)
        if (v instanceof Thunk) settle(x, i, v)
      }
      open.pop()
      out.write(']')
      return
    }
    if (x === null) { out.write('null'); return }
    if (typeof x === 'boolean') { out.write(x ? 'true' : 'false'); return }
    if (typeof x === 'bigint') { out.write(String(x)); return }
    if (x instanceof NixString) {
      for (const c of x.ctx) ctx.add(c)
      out.writeString(x.s)
      return
    }
    if (x instanceof NixFloat) { out.write(formatG(x.v)); return }
    if (x instanceof NixPath) { out.writeString(state.copyPathToStore(x.p, ctx, p)); return }
    const where = x instanceof Lambda ? x.info.pos : p
    const err = new NixError('type', `cannot convert ${showType(x)} to JSON`, where)
    err.addTrace('message for the trace', p)
    throw err
  }
  try {
    go(v, pos)
  } catch (err) {
    // Nix streams JSON: what was written stays, and open containers get closed
    if (err instanceof NixError) err.partialOutput = out.toString() + open.reverse().join('')
    throw err
  }
  return out.toString()
}

function xmlAttrs(attrs: Array<[string, string]>): string {
  attrs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  let s = ''
  for (const [k, val] of attrs) {
    s += ` ${k}="`
    for (const c of val) {
      if (c === '"') s += '&quot;'
      else if (c === '<') s += '&lt;'
      else if (c === '>') s += '&gt;'
      else if (c === '&') s += '&amp;'
      else if (c === '\n') s += '&#xA;'
      else s += c
    }
    s += '"'
  }
  return s
}

/** Serialise to Nix's XML format (`--xml`, `builtins.toXML`). Ends with a newline. */
export function toXML(state: Evaluator, v: Lazy, strict: boolean, location: boolean, ctx: Set<string>, pos?: PosIdx): string {
  const out: string[] = ["<?xml version='1.0' encoding='utf-8'?>\n", '<expr>\n']
  const drvsSeen = new Set<string>()
  const ind = (d: number): string => '  '.repeat(d)
  const empty = (d: number, name: string, attrs: Array<[string, string]> = []): void => {
    out.push(`${ind(d)}<${name}${xmlAttrs(attrs)} />\n`)
  }
  const posAttrs = (idx: PosIdx): Array<[string, string]> => {
    const p = resolvePos(idx)
    if (p === undefined) return []
    return [['path', p.src.origin === 'file' ? p.src.path : p.src.text], ['line', String(p.line)], ['column', String(p.col)]]
  }
  const showAttrs = (x: NixAttrs, d: number): void => {
    for (const k of x.keys()) {
      const a: Array<[string, string]> = [['name', k]]
      const p = x.posOf(k)
      if (location && p !== undefined) a.push(...posAttrs(p))
      out.push(`${ind(d)}<attr${xmlAttrs(a)}>\n`)
      go(x.get(k)!, d + 1, p)
      out.push(`${ind(d)}</attr>\n`)
    }
  }
  const go = (x0: Lazy, d: number, p: PosIdx | undefined): void => {
    let x: Lazy = x0
    if (strict) x = state.force(x0, p)
    else if (x instanceof Thunk && (x.c === null || x instanceof StartupThunk)) x = forceThunk(x, undefined)
    if (x instanceof Thunk) { empty(d, 'unevaluated'); return }
    if (x === null) { empty(d, 'null'); return }
    switch (typeof x) {
      case 'boolean': empty(d, 'bool', [['value', x ? 'true' : 'false']]); return
      case 'number': case 'bigint': empty(d, 'int', [['value', String(x)]]); return
      case 'string': empty(d, 'string', [['value', x]]); return
      default:
    }
    if (x instanceof NixString) {
      for (const c of x.ctx) ctx.add(c)
      empty(d, 'string', [['value', x.s]]); return
    }
    if (x instanceof NixPath) { empty(d, 'path', [['value', x.p]]); return }
    if (x instanceof NixFloat) { empty(d, 'float', [['value', formatG(x.v)]]); return }
    if (Array.isArray(x)) {
      out.push(`${ind(d)}<list>\n`)
      for (const e of x) go(e, d + 1, p)
      out.push(`${ind(d)}</list>\n`)
      return
    }
    if (x instanceof NixAttrs) {
      if (state.isDerivation(x)) {
        const a: Array<[string, string]> = []
        let drvPath = ''
        const dp = x.get('drvPath')
        if (dp !== undefined) {
          const dv = strict ? state.force(dp) : dp
          if (typeof dv === 'string' || dv instanceof NixString) a.push(['drvPath', drvPath = typeof dv === 'string' ? dv : dv.s])
        }
        const op = x.get('outPath')
        if (op !== undefined) {
          const ov = strict ? state.force(op) : op
          if (typeof ov === 'string' || ov instanceof NixString) a.push(['outPath', typeof ov === 'string' ? ov : ov.s])
        }
        out.push(`${ind(d)}<derivation${xmlAttrs(a)}>\n`)
        if (drvPath !== '' && !drvsSeen.has(drvPath)) {
          drvsSeen.add(drvPath)
          showAttrs(x, d + 1)
        } else empty(d + 1, 'repeated')
        out.push(`${ind(d)}</derivation>\n`)
        return
      }
      out.push(`${ind(d)}<attrs>\n`)
      showAttrs(x, d + 1)
      out.push(`${ind(d)}</attrs>\n`)
      return
    }
    if (x instanceof Lambda) {
      const info = x.info
      out.push(`${ind(d)}<function${xmlAttrs(location ? posAttrs(info.pos) : [])}>\n`)
      if (info.formals !== undefined) {
        const a: Array<[string, string]> = []
        if (info.arg !== undefined) a.push(['name', info.arg])
        if (info.ellipsis) a.push(['ellipsis', '1'])
        out.push(`${ind(d + 1)}<attrspat${xmlAttrs(a)}>\n`)
        // (by name here, as Nix prints them)
        for (const f of [...info.formals].sort((a, b) => byteCompare(a.name, b.name))) empty(d + 2, 'attr', [['name', f.name]])
        out.push(`${ind(d + 1)}</attrspat>\n`)
      } else empty(d + 1, 'varpat', [['name', info.arg ?? '']])
      out.push(`${ind(d)}</function>\n`)
      return
    }
    empty(d, 'unevaluated')
  }
  go(v, 1, pos)
  out.push('</expr>\n')
  return out.join('')
}
