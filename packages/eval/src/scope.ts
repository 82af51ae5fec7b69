/**
 * The free variables of a syntax tree: the names it uses outside any `with` without binding
 * them (by `let`, `rec`, a function's argument or formals), in order of first use. The
 * native parser lists them with the tree it returns (native/src/nixparse/scope.rs); this is
 * its TS twin, and both must give the same list.
 */
import { bodyOf, type AttrName, type Expr, type ExprAttrs } from './ast.js'

export function freeVariables(root: Expr): string[] {
  const bound = new Map<string, number>()
  let withs = 0
  const free = new Set<string>()
  const bind = (name: string, by: number): void => {
    bound.set(name, (bound.get(name) ?? 0) + by)
  }
  const path = (p: readonly AttrName[]): void => {
    for (const a of p) if (a.expr !== undefined) walk(a.expr)
  }
  // a `rec` set's or a `let`'s bindings, then the body; `inherit x;` takes x from around
  const recursive = (attrs: ExprAttrs, body: Expr | undefined): void => {
    for (const d of attrs.attrs.values()) if (d.inherited) walk(d.e)
    for (const name of attrs.attrs.keys()) bind(name, 1)
    for (const d of attrs.attrs.values()) if (!d.inherited) walk(d.e)
    for (const d of attrs.dyn) {
      walk(d.name)
      walk(d.e)
    }
    if (body !== undefined) walk(body)
    for (const name of attrs.attrs.keys()) bind(name, -1)
  }
  const walk = (e: Expr): void => {
    switch (e.k) {
      case 'int': case 'float': case 'str': case 'path': case 'curpos': return
      case 'var':
        if (withs === 0 && (bound.get(e.name) ?? 0) === 0) free.add(e.name)
        return
      case 'select':
        walk(e.e)
        path(e.path)
        if (e.def !== undefined) walk(e.def)
        return
      case 'has':
        walk(e.e)
        path(e.path)
        return
      case 'attrs':
        if (e.rec) recursive(e, undefined)
        else {
          for (const d of e.attrs.values()) walk(d.e)
          for (const d of e.dyn) {
            walk(d.name)
            walk(d.e)
          }
        }
        return
      case 'list':
        for (const x of e.elems) walk(x)
        return
      case 'lambda': {
        // (formals are kept sorted by name; the defaults are read in source order)
        const formals = [...(e.formals?.formals ?? [])].sort((a, b) => a.pos - b.pos)
        if (e.arg !== undefined) bind(e.arg, 1)
        for (const f of formals) bind(f.name, 1)
        for (const f of formals) if (f.def !== undefined) walk(f.def)
        walk(bodyOf(e))
        for (const f of formals) bind(f.name, -1)
        if (e.arg !== undefined) bind(e.arg, -1)
        return
      }
      case 'call':
        walk(e.fn)
        for (const x of e.args) walk(x)
        return
      case 'let':
        recursive(e.attrs, e.body)
        return
      case 'with':
        walk(e.attrs)
        withs++
        walk(e.body)
        withs--
        return
      case 'if':
        walk(e.cond)
        walk(e.then)
        walk(e.else)
        return
      case 'assert':
        walk(e.cond)
        walk(e.body)
        return
      case 'not':
        walk(e.e)
        return
      case 'concatStrings':
        for (const p of e.parts) walk(p.e)
        return
      default:
        walk(e.a)
        walk(e.b)
    }
  }
  walk(root)
  return [...free]
}
