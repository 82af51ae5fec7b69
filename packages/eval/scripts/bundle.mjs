// The `instantiate` tool's start-up bundle (see scripts/bundle-tool.mjs at the root), with a
// warm-up evaluation in the style of a package set, printed as Nix and as JSON.
import { fileURLToPath } from 'node:url'
import { bundleTool } from '../../../scripts/bundle-tool.mjs'

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
await bundleTool({
  dist: fileURLToPath(new URL('../dist/', import.meta.url)),
  name: 'instantiate',
  cli: 'instantiate-cli.js',
  // cli-kit is loaded only for --help/--version and stdin
  external: ['@tsnix/cli-kit'],
  async warmUp(run) {
    // (the tool would end the process once its output is written)
    await run(['--eval', '--strict', '-E', WARM_UP], { ownsProcess: false })
    await run(['--eval', '--strict', '--json', '-E', WARM_UP], { ownsProcess: false })
  },
})
