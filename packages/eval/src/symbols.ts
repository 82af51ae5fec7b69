/**
 * Symbol order. Nix 2.8 keeps the attributes of a set and the formals of a function in the order
 * of their symbols, not by name: the order in which names entered its symbol table (strictly, by
 * the address of each name in it — nearly always the order they were first seen). It shows
 * wherever more than one thing could go wrong: which of two failing attributes `--strict` and
 * `deepSeq` report, which unexpected argument a call names, which missing one, and how `--parse`
 * prints formals. Sets here keep their names in byte order (for lookups and `//`); `symbolId`
 * gives the other order: first seen, after the names Nix makes before reading any source.
 */

/**
 * The symbols Nix 2.8 makes when it starts, in its order (found by forcing a set of every
 * builtin name, every short name and every word of its binaries with `deepSeq` and tracing).
 */
const INITIAL_SYMBOLS = [
  'meta', 'name', 'system', '__overrides', 'outputs', 'outputName', '__ignoreNulls', 'column',
  'outPath', 'drvPath', 'type', '__functor', '__toString', 'right', 'wrong', '__structuredAttrs',
  'builder', 'args', '__contentAddressed', '__impure', 'outputHash', 'outputHashAlgo',
  'outputHashMode', 'recurseForDerivations', 'description', 'self', 'startSet', 'operator', 'key',
  'path', 'prefix', 'builtins', 'true', 'false', 'null', '__currentTime', 'currentTime',
  '__currentSystem', 'currentSystem', '__nixVersion', 'nixVersion', '__storeDir', 'storeDir',
  '__langVersion', 'langVersion', '__nixPath', 'nixPath', 'scopedImport', 'import', '__typeOf',
  'typeOf', 'isNull', '__isFunction', 'isFunction', '__isInt', 'isInt', '__isFloat', 'isFloat',
  '__isString', 'isString', '__isBool', 'isBool', '__isPath', 'isPath', '__genericClosure',
  'genericClosure', 'abort', 'throw', '__addErrorContext', 'addErrorContext', '__ceil', 'ceil',
  '__floor', 'floor', '__tryEval', 'tryEval', '__getEnv', 'getEnv', '__seq', 'seq', '__deepSeq',
  'deepSeq', '__trace', 'trace', 'derivationStrict', 'placeholder', '__toPath', 'toPath',
  '__storePath', 'storePath', '__pathExists', 'pathExists', 'baseNameOf', 'dirOf', '__readFile',
  'readFile', '__findFile', 'findFile', '__hashFile', 'hashFile', '__readDir', 'readDir',
  '__toXML', 'toXML', '__toJSON', 'toJSON', '__fromJSON', 'fromJSON', '__toFile', 'toFile',
  '__filterSource', 'filterSource', '__path', '__attrNames', 'attrNames', '__attrValues',
  'attrValues', '__getAttr', 'getAttr', '__unsafeGetAttrPos', 'unsafeGetAttrPos', '__hasAttr',
  'hasAttr', '__isAttrs', 'isAttrs', 'removeAttrs', '__listToAttrs', 'listToAttrs',
  '__intersectAttrs', 'intersectAttrs', '__catAttrs', 'catAttrs', '__functionArgs', 'functionArgs',
  '__mapAttrs', 'mapAttrs', '__zipAttrsWith', 'zipAttrsWith', '__isList', 'isList', '__elemAt',
  'elemAt', '__head', 'head', '__tail', 'tail', 'map', '__filter', 'filter', '__elem', 'elem',
  '__concatLists', 'concatLists', '__length', 'length', '__foldl\'', 'foldl\'', '__any', 'any',
  '__all', 'all', '__genList', 'genList', '__sort', 'sort', '__partition', 'partition',
  '__groupBy', 'groupBy', '__concatMap', 'concatMap', '__add', 'add', '__sub', 'sub', '__mul',
  'mul', '__div', 'div', '__bitAnd', 'bitAnd', '__bitOr', 'bitOr', '__bitXor', 'bitXor',
  '__lessThan', 'lessThan', 'toString', '__substring', 'substring', '__stringLength',
  'stringLength', '__hashString', 'hashString', '__match', 'match', '__split', 'split',
  '__concatStringsSep', 'concatStringsSep', '__replaceStrings', 'replaceStrings', '__parseDrvName',
  'parseDrvName', '__compareVersions', 'compareVersions', '__splitVersion', 'splitVersion',
  '__unsafeDiscardStringContext', 'unsafeDiscardStringContext', '__hasContext', 'hasContext',
  '__unsafeDiscardOutputDependency', 'unsafeDiscardOutputDependency', '__getContext', 'getContext',
  '__appendContext', 'appendContext', 'fetchMercurial', 'fetchTree', '__fetchurl', 'fetchurl',
  'fetchTarball', 'fetchGit', 'fromTOML', 'derivation',
]

const ids = new Map<string, number>()
for (const name of INITIAL_SYMBOLS) symbolId(name)

/** The symbol number of a name: its place in the order names were first seen. */
export function symbolId(name: string): number {
  let id = ids.get(name)
  if (id === undefined) {
    id = ids.size
    ids.set(name, id)
  }
  return id
}

/** Sort `items` in place by the symbol order of their names, stably (formals lists are short). */
export function sortBySymbol<T extends { name: string }>(items: T[]): void {
  const id = items.map((x) => symbolId(x.name))
  for (let i = 1; i < items.length; i++) {
    const x = items[i]!
    const xid = id[i]!
    let j = i - 1
    while (j >= 0 && id[j]! > xid) { items[j + 1] = items[j]!; id[j + 1] = id[j]!; j-- }
    items[j + 1] = x
    id[j + 1] = xid
  }
}
