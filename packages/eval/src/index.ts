/**
 * The Nix language of Nix 2.8: lexer, parser with positions (`parse`, `showExpr`), a lazy
 * evaluator compiled to closures (`EvalState`), builtins, value printers (`printValue`,
 * `toJSON`, `toXML`) and what `nix-instantiate --eval` does (`runInstantiate`).
 * Texts are byte strings: one JS char per byte (latin1), as Nix strings are bytes.
 * Reference: Nix 2.8.0 src/libexpr (lexer.l, parser.y, eval.cc, primops.cc).
 */
import { Source, byteString } from './source.js'
import { EvalState, type EvalOptions } from './state.js'
import type { Value } from './values.js'

export { Source, Pos, resolvePos, showPos, canonPath, type PosIdx, type Origin } from './source.js'
export { parse, type ParseOptions } from './parser.js'
export { showExpr, bodyOf, formatG, type Expr, type ExprAttrs, type ExprLambda, type LazyExpr, type AttrName, type Formals } from './ast.js'
export { freeVariables } from './scope.js'
export { tokenize, type Token, type TokenKind } from './lexer.js'
export { NixError, NixSyntaxError, formatNixError, type NixErrorCode, type TraceFrame } from './errors.js'
export { EvalState, nodeIO, parseNixPath, DEFAULT_STORE_DIR, type EvalIO, type EvalOptions } from './state.js'
export { printValue, forceDeep, toJSON, toXML } from './print.js'
export {
  Thunk, NixAttrs, NixFloat, NixPath, NixString, Lambda, PrimOp, PrimOpApp, Shape, Layout, AttrsBuilder, type Env,
  force, typeOf, showType, type Value, type Lazy,
} from './values.js'
export { runInstantiate, autoCall, findAlongAttrPath, type InstantiateOptions, type InstantiateResult, type AutoArg } from './instantiate.js'
export { parseInstantiateArgs, InstantiateUsageError } from './instantiate-args.js'
export { NIX_VERSION, LANG_VERSION } from './builtins.js'

/**
 * Evaluate a Nix expression given as text to weak head normal form (like `-E`).
 * `text` is a JS string (UTF-16); it is converted to UTF-8 bytes first.
 * @throws NixError on a parse or evaluation error.
 */
export function evalString(text: string, options: EvalOptions & { baseDir?: string } = {}): { value: Value; state: EvalState } {
  const state = new EvalState(options)
  const src = new Source('string', '', byteString(text), options.baseDir ?? state.cwd)
  return { value: state.evalExpr(state.parseSource(src)), state }
}
