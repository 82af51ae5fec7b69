// Bundles the `instantiate` tool into one CommonJS file (dist/instantiate.bundle.cjs), with a
// CommonJS entry that loads it (dist/instantiate-bin.cjs), and makes
// V8's code cache for it (dist/instantiate.bundle.cjs.cache) after a warm-up evaluation, so
// that the functions a typical evaluation runs are compiled already (see src/bundle-loader.ts).
// The library entry points (dist/index.js …) stay unbundled.
import { randomUUID } from 'node:crypto'
import { appendFileSync, rmSync, writeFileSync } from 'node:fs'
import { rolldown } from 'rolldown'

const dist = new URL('../dist/', import.meta.url).pathname
const file = `${dist}instantiate.bundle.cjs`

const bundle = await rolldown({
  input: `${dist}instantiate-cli.js`,
  platform: 'node',
  // cli-kit is loaded only for --help/--version and stdin
  external: [/^node:/, '@tsnix/cli-kit'],
  logLevel: 'warn',
})
// `import()` cannot be used from a script with a code cache: external modules are `require`d
await bundle.write({ file, format: 'cjs', codeSplitting: false, dynamicImportInCjs: false })
await bundle.close()
// the tool's entry as CommonJS (see src/instantiate-bin.ts); without a bundle it imports the modules
const entry = await rolldown({ input: `${dist}instantiate-bin.js`, platform: 'node', external: [/^node:/, /instantiate-cli\.js$/], logLevel: 'warn' })
await entry.write({ file: `${dist}instantiate-bin.cjs`, format: 'cjs', codeSplitting: false })
await entry.close()
// the build's mark, repeated at the start of the cache (see src/bundle-loader.ts)
const id = randomUUID()
appendFileSync(file, `// build ${id}\n`)
rmSync(`${file}.cache`, { force: true })

// Warm up: an evaluation in the style of a package set, printed as Nix and as JSON.
const WARM_UP = `
let
  lib = rec {
    mapAttrsToList = f: attrs: map (n: f n attrs.\${n}) (builtins.attrNames attrs);
    optionalString = c: s: if c then s else "";
    fix = f: let x = f x; in x;
  };
  mk = { pname, version, deps ? [ ], ... }@args: args // {
    name = "\${pname}-\${version}";
    depth = builtins.foldl' (m: d: if d.depth + 1 > m then d.depth + 1 else m) 0 deps;
    meta = with lib; { description = "package \${pname}"; broken = false; };
  };
  pkgs = lib.fix (self: builtins.listToAttrs (builtins.genList (i: {
    name = "p\${toString i}";
    value = mk { pname = "p\${toString i}"; version = "1.\${toString i}"; deps = if i < 2 then [ ] else [ self."p\${toString (i / 2)}" ]; };
  }) 50));
in {
  names = lib.mapAttrsToList (n: p: "\${p.name}:\${toString p.depth}\${lib.optionalString (p ? meta) "!"}") pkgs;
  sum = builtins.foldl' (a: b: a + b) 0 (map (p: p.depth) (builtins.attrValues pkgs));
  hash = builtins.hashString "sha256" (builtins.concatStringsSep "," (builtins.attrNames pkgs));
  json = builtins.toJSON (builtins.mapAttrs (n: p: { inherit (p) name version; }) pkgs);
  s = builtins.substring 0 3 (builtins.replaceStrings [ "p" ] [ "q" ] "pkgs") + builtins.elemAt [ "a" ] 0;
  v = builtins.compareVersions "1.2" "1.10";
}
`
const { loadBundle } = await import(`${dist}bundle-loader.js`)
// without a cache: the warm-up must compile this bundle's code
const loaded = loadBundle(file, false)
const write = process.stdout.write
// (the warm-up's output is not wanted; the tool waits for its write callback)
process.stdout.write = (_chunk, encodingOrDone, done) => {
  const callback = typeof encodingOrDone === 'function' ? encodingOrDone : done
  if (callback !== undefined) queueMicrotask(() => callback())
  return true
}
try {
  // (with V8's flags as a plain `node` has them: V8 rejects a cache made under others)
  await loaded.main(['--eval', '--strict', '-E', WARM_UP], { ownsProcess: false })
  await loaded.main(['--eval', '--strict', '--json', '-E', WARM_UP], { ownsProcess: false })
} finally {
  process.stdout.write = write
}
if (process.exitCode !== undefined && process.exitCode !== 0) throw new Error('bundle: the warm-up evaluation failed')
writeFileSync(`${file}.cache`, Buffer.concat([Buffer.from(`${id}\n`, 'latin1'), loaded.script.createCachedData()]))
