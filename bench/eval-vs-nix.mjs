#!/usr/bin/env node
// Evaluator benchmarks: tsnix `instantiate --eval --strict` against `nix-instantiate --eval --strict`,
// run in the same session, reporting wall time and peak RSS and their ratios (ours / Nix).
// Usage: node bench/eval-vs-nix.mjs [name-filter] [--runs N] [--ours path/to/instantiate.js]
// (build packages/eval first; --ours compares another build, e.g. an older checkout's). The tool
// runs as a program, as users run it: its launcher starts Node without NODE_EXTRA_CA_CERTS.
// The "warm" columns are the library in a long-lived process: `runInstantiate` on the same file
// a third time in one process (each run with a new EvalState), by then compiled by V8, and its
// ratio to Nix's time for the evaluation alone (its run less its start-up, `-E 1`).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const oursIdx = process.argv.indexOf('--ours')
const ours = oursIdx > 0 ? process.argv[oursIdx + 1] : fileURLToPath(new URL('../packages/eval/bin/instantiate.cjs', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'eval-bench-'))

/** A package-set style program: attrset-heavy library code with //, mapAttrs, foldl', strings, recursion. */
const PACKAGE_SET = `
let
  lib = rec {
    foldr = op: nul: list: let len = builtins.length list; go = n: if n == len then nul else op (builtins.elemAt list n) (go (n + 1)); in go 0;
    mapAttrsToList = f: attrs: map (n: f n attrs.\${n}) (builtins.attrNames attrs);
    filterAttrs = pred: set: builtins.listToAttrs (builtins.concatMap (n: let v = set.\${n}; in if pred n v then [ { name = n; value = v; } ] else [ ]) (builtins.attrNames set));
    recursiveUpdate = lhs: rhs: lhs // builtins.mapAttrs (n: v: if builtins.isAttrs v && lhs ? \${n} && builtins.isAttrs lhs.\${n} then recursiveUpdate lhs.\${n} v else v) rhs;
    makeOverridable = f: args: let r = f args; in r // { override = newArgs: makeOverridable f (args // newArgs); };
    concatMapStringsSep = sep: f: list: builtins.concatStringsSep sep (map f list);
    optionalString = c: s: if c then s else "";
    versionAtLeast = a: b: builtins.compareVersions a b >= 0;
    fix = f: let x = f x; in x;
    extends = overlay: f: self: let super = f self; in super // overlay self super;
  };
  mkDerivation = { pname, version, deps ? [ ], meta ? { } }: {
    inherit pname version deps;
    name = "\${pname}-\${version}";
    meta = { description = "package \${pname}"; license = "mit"; } // meta;
    closureSize = lib.foldr (d: acc: acc + d.closureSize) 1 deps;
    env = lib.concatMapStringsSep ":" (d: "/nix/store/\${builtins.hashString "sha1" d.name}-\${d.name}") deps;
  };
  names = builtins.genList (i: "pkg\${toString i}") 2000;
  base = self: builtins.listToAttrs (builtins.genList (i: {
    name = "pkg\${toString i}";
    value = lib.makeOverridable mkDerivation {
      pname = "pkg\${toString i}";
      version = "1.\${toString (i - (i / 10) * 10)}.\${toString i}";
      deps = if i < 3 then [ ] else [ self.\${builtins.elemAt names (i / 2)} self.\${builtins.elemAt names (i / 3)} ];
    };
  }) 2000);
  overlay1 = self: super: builtins.mapAttrs (n: p: if lib.versionAtLeast p.version "1.5" then p.override { meta.broken = false; } else p) super;
  overlay2 = self: super: lib.filterAttrs (n: p: builtins.substring 0 4 n != "pkg9") super // { pkg9 = super.pkg9; };
  pkgs = lib.fix (lib.extends overlay2 (lib.extends overlay1 base));
  summary = lib.mapAttrsToList (n: p: "\${p.name}:\${toString p.closureSize}:\${builtins.substring 0 8 p.env}") pkgs;
in {
  count = builtins.length summary;
  total = builtins.foldl' (a: p: a + p.closureSize) 0 (builtins.attrValues pkgs);
  text = builtins.stringLength (builtins.concatStringsSep "\\n" summary);
  merged = builtins.length (builtins.attrNames (lib.recursiveUpdate { a.b.c = 1; x = pkgs; } { a.b.d = 2; }));
}
`

/**
 * A package set in nixpkgs style and size: a file of `n` package definitions (parsed like
 * all-packages.nix), `callPackage` with automatic arguments (`functionArgs`/`intersectAttrs`),
 * a `mkDerivation` building big sets with `//`, a fixpoint with a chain of `self: super:`
 * overlays, `lib`-style helpers, version/name string handling and recursion over dependencies.
 */
function bigPackageSet(n, result = undefined) {
  const pkgs = []
  for (let i = 0; i < n; i++) {
    // a deterministic pseudo-random dependency graph (deps have smaller numbers)
    const deps = i < 4 ? [] : [...new Set([(i * 7919) % i, (i * 104729) % i, Math.floor(i / 2), (i * 31) % i])].slice(0, 1 + (i % 4))
    const args = ['lib', 'stdenv', 'fetchurl', ...deps.map((d) => `p${d}`)]
    if (i % 5 === 0) args.push('enableDocs ? false')
    const ver = `${1 + (i % 7)}.${i % 13}.${i % 5}${i % 11 === 0 ? 'pre' : ''}`
    pkgs.push(`  p${i} = callPackage ({ ${args.join(', ')}${i % 3 === 0 ? ', ...' : ''} }: stdenv.mkDerivation rec {
    pname = "pkg-${i % 97}-${i}";
    version = "${ver}";
    src = fetchurl { url = "https://example.org/\${pname}/\${pname}-\${version}.tar.gz"; sha256 = "${(i * 2654435761 % 2 ** 32).toString(16).padStart(8, '0').repeat(8)}"; };
    buildInputs = [ ${deps.map((d) => `p${d}`).join(' ')} ];
    configureFlags = [ "--prefix=$out" ]${i % 5 === 0 ? ' ++ lib.optional enableDocs "--enable-docs"' : ''};
    meta = with lib; { description = "Package number ${i}"; license = licenses.${['mit', 'gpl3', 'bsd3', 'asl20'][i % 4]}; platforms = platforms.${i % 2 ? 'linux' : 'all'}; };
  }) { };`)
  }
  return `
let
  lib = rec {
    id = x: x;
    fix = f: let x = f x; in x;
    extends = f: rattrs: self: let super = rattrs self; in super // f self super;
    composeExtensions = f: g: self: super: let fApplied = f self super; super' = super // fApplied; in fApplied // g self super';
    composeManyExtensions = builtins.foldl' composeExtensions (self: super: { });
    optional = cond: elem: if cond then [ elem ] else [ ];
    optionals = cond: elems: if cond then elems else [ ];
    optionalAttrs = cond: as: if cond then as else { };
    mapAttrs' = f: set: builtins.listToAttrs (map (attr: f attr set.\${attr}) (builtins.attrNames set));
    nameValuePair = name: value: { inherit name value; };
    filterAttrs = pred: set: builtins.listToAttrs (builtins.concatMap (name: let v = set.\${name}; in if pred name v then [ (nameValuePair name v) ] else [ ]) (builtins.attrNames set));
    mapAttrsToList = f: attrs: map (name: f name attrs.\${name}) (builtins.attrNames attrs);
    concatStringsSep = builtins.concatStringsSep;
    concatMapStringsSep = sep: f: list: concatStringsSep sep (map f list);
    hasPrefix = pref: str: builtins.substring 0 (builtins.stringLength pref) str == pref;
    hasSuffix = suffix: content: let lenContent = builtins.stringLength content; lenSuffix = builtins.stringLength suffix; in lenContent >= lenSuffix && builtins.substring (lenContent - lenSuffix) lenContent content == suffix;
    removeSuffix = suffix: str: if hasSuffix suffix str then builtins.substring 0 (builtins.stringLength str - builtins.stringLength suffix) str else str;
    toUpperFirst = s: let u = { a = "A"; b = "B"; c = "C"; d = "D"; e = "E"; p = "P"; }; h = builtins.substring 0 1 s; in (u.\${h} or h) + builtins.substring 1 (-1) s;
    versionAtLeast = v1: v2: builtins.compareVersions v1 v2 >= 0;
    majorVersion = v: builtins.head (builtins.splitVersion v);
    unique = builtins.foldl' (acc: e: if builtins.elem e acc then acc else acc ++ [ e ]) [ ];
    closePropagation = list: builtins.genericClosure { startSet = map (p: { key = p.name; inherit p; }) list; operator = item: map (p: { key = p.name; inherit p; }) item.p.buildInputs; };
    makeOverridable = f: origArgs: let result = f origArgs; in if builtins.isAttrs result then result // { override = newArgs: makeOverridable f (origArgs // (if builtins.isFunction newArgs then newArgs origArgs else newArgs)); } else result;
    callPackageWith = autoArgs: fn: args: let f = if builtins.isFunction fn then fn else import fn; auto = builtins.intersectAttrs (builtins.functionArgs f) autoArgs; in makeOverridable f (auto // args);
    licenses = builtins.mapAttrs (n: v: { shortName = n; fullName = v; free = n != "unfree"; }) { mit = "MIT License"; gpl3 = "GNU GPL v3"; bsd3 = "BSD 3-clause"; asl20 = "Apache 2.0"; unfree = "Unfree"; };
    platforms = { linux = [ "x86_64-linux" "aarch64-linux" ]; all = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ]; };
  };
  stdenv = {
    system = "x86_64-linux";
    mkDerivation = { pname, version, src ? null, buildInputs ? [ ], nativeBuildInputs ? [ ], configureFlags ? [ ], meta ? { }, ... }@attrs:
      let
        name = "\${pname}-\${version}";
        base = removeAttrs attrs [ "meta" ];
        deps = buildInputs ++ nativeBuildInputs;
        hash = builtins.hashString "sha256" "\${name}:\${lib.concatMapStringsSep " " (d: d.outPath) deps}:\${toString configureFlags}";
      in base // {
        inherit name deps;
        overrideAttrs = f: stdenv.mkDerivation (attrs // f attrs);
        type = "derivation";
        system = stdenv.system;
        builder = "/bin/sh";
        args = [ "-e" ./builder.sh ];
        outPath = "/nix/store/\${builtins.substring 0 32 hash}-\${name}";
        drvPath = "/nix/store/\${builtins.substring 32 32 hash}-\${name}.drv";
        depth = builtins.foldl' (m: d: if d.depth + 1 > m then d.depth + 1 else m) 0 deps;
        meta = { available = true; broken = false; position = "pkgs/p.nix:1"; homepage = "https://example.org/\${pname}"; } // meta // { name = lib.toUpperFirst name; };
      };
  };
  fetchurl = { url, sha256 }: { type = "derivation"; name = baseNameOf url; outPath = "/nix/store/\${builtins.substring 0 32 sha256}-\${baseNameOf url}"; inherit url sha256; };
  allPackages = self: let callPackage = lib.callPackageWith (self // { inherit lib stdenv fetchurl; }); in {
${pkgs.join('\n')}
  };
  overlays = [
    (self: super: lib.mapAttrs' (n: p: lib.nameValuePair "\${n}-unstable" (p.overrideAttrs (old: { version = "\${old.version}-git"; }))) (lib.filterAttrs (n: p: lib.hasSuffix "0" n) super))
    (self: super: builtins.mapAttrs (n: p: if lib.versionAtLeast p.version "5" && p ? meta then p // { meta = p.meta // { priority = 10; }; } else p) super)
    (self: super: { p10 = super.p10.override { enableDocs = true; }; })
  ];
  pkgs = lib.fix (lib.extends (lib.composeManyExtensions overlays) allPackages);
  names = builtins.attrNames pkgs;
in ${result ?? `{
  count = builtins.length names;
  totalDepth = builtins.foldl' (acc: n: acc + pkgs.\${n}.depth) 0 names;
  maxDepth = builtins.foldl' (m: n: let d = pkgs.\${n}.depth; in if d > m then d else m) 0 names;
  majors = builtins.mapAttrs (n: v: builtins.length v) (builtins.groupBy (n: lib.majorVersion pkgs.\${n}.version) names);
  licenses = builtins.length (lib.unique (map (n: pkgs.\${n}.meta.license.shortName) names));
  closure = builtins.length (lib.closePropagation [ pkgs.p${n - 1} pkgs.p${n - 2} ]);
  outPaths = builtins.hashString "sha256" (lib.concatMapStringsSep "\n" (n: pkgs.\${n}.outPath) names);
  json = builtins.stringLength (builtins.toJSON (lib.mapAttrsToList (n: p: { inherit (p) name version; inherit (p.meta) description homepage; flags = p.configureFlags; }) pkgs));
}`}
`
}

const WORKLOADS = {
  'fib-25': 'let fib = n: if n < 2 then n else fib (n - 1) + fib (n - 2); in fib 25',
  "foldl-sum-1e6": "builtins.foldl' (a: b: a + b) 0 (builtins.genList (x: x) 1000000)",
  'listToAttrs-1e5': `let s = builtins.listToAttrs (builtins.genList (i: { name = "k\${toString i}"; value = i; }) 100000);
    in builtins.foldl' (acc: i: acc + s.\${"k" + toString i}) 0 (builtins.genList (i: i) 100000)`,
  'string-concat-1e5': `builtins.stringLength (builtins.foldl' (s: i: s + "x\${toString i}") "" (builtins.genList (i: i) 100000))`,
  'toJSON-large': `builtins.stringLength (builtins.toJSON (builtins.genList (i: { id = i; name = "item-\${toString i}"; tags = [ "a" "b" (toString (i * 3)) ]; nested = { ok = i / 2 * 2 == i; f = 1.5; }; }) 50000))`,
  'package-set': PACKAGE_SET,
  'package-set-big': bigPackageSet(4000),
  // what `nix-instantiate -A` does with a package set: one package and what it needs
  'package-set-big-one': bigPackageSet(4000, '{ inherit (pkgs.p3999) name outPath; depth = pkgs.p3999.depth; }'),
  // nixpkgs-sized: Nix itself needs about half a second for it
  'package-set-10k': bigPackageSet(10000),
}

/** The third of three `--eval --strict` runs of `file` by the library in one process, in seconds. */
const WARM_RUN = `
const { runInstantiate } = await import(process.argv[1])
let secs = 0
for (let i = 0; i < 3; i++) {
  const start = performance.now()
  const r = runInstantiate({ mode: 'eval', strict: true, items: [process.argv[2]] })
  if (r.exitCode !== 0) throw new Error(r.stderr)
  secs = (performance.now() - start) / 1000
}
console.log(secs)
`
const library = fileURLToPath(new URL('../packages/eval/dist/index.js', import.meta.url))
function warmSecs(file) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', WARM_RUN, library, file], { encoding: 'utf8', env: { ...process.env, NIX_REMOTE: 'dummy://' } })
  if (r.status !== 0) throw new Error(`warm run of ${file} failed:\n${r.stderr}`)
  return Number(r.stdout.trim())
}

/** Wall time (measured here, to the microsecond: time(1) has 10 ms steps) and peak RSS (time(1)). */
function measure(cmd, args, env = process.env) {
  const start = process.hrtime.bigint()
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...env, NIX_REMOTE: 'dummy://' } })
  const secs = Number(process.hrtime.bigint() - start) / 1e9
  const kb = Number(r.stderr.trim().split('\n').pop() ?? '')
  return { secs, mb: kb / 1024, out: r.stdout, status: r.status, err: r.stderr }
}

const filter = process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : ''
const runsIdx = process.argv.indexOf('--runs')
const runs = runsIdx > 0 ? Number(process.argv[runsIdx + 1]) : 3
/** Nix's start-up: its time for `-E 1`. */
let nixSecs = Infinity
console.log('workload            nix s   ours s  ratio   nix MB  ours MB ratio   warm s  ratio to Nix eval')
{
  // start-up: the smallest evaluation, and Node doing nothing (as the launcher starts it too)
  const { NODE_EXTRA_CA_CERTS: certs, ...withoutCerts } = process.env
  let oursSecs = Infinity
  let nodeSecs = Infinity
  let bareNodeSecs = Infinity
  for (let i = 0; i < runs * 2; i++) {
    nixSecs = Math.min(nixSecs, measure('nix-instantiate', ['--eval', '-E', '1']).secs)
    oursSecs = Math.min(oursSecs, measure(ours, ['--eval', '-E', '1']).secs)
    nodeSecs = Math.min(nodeSecs, measure(process.execPath, ['-e', '0']).secs)
    if (certs !== undefined) bareNodeSecs = Math.min(bareNodeSecs, measure(process.execPath, ['-e', '0'], withoutCerts).secs)
  }
  const bare = certs === undefined ? '' : `, ${bareNodeSecs.toFixed(3)} s without NODE_EXTRA_CA_CERTS`
  console.log(`${'start-up (-E 1)'.padEnd(18)} ${nixSecs.toFixed(3).padStart(6)} ${oursSecs.toFixed(3).padStart(8)} ${(oursSecs / nixSecs).toFixed(2).padStart(6)}x   (node -e 0: ${nodeSecs.toFixed(3)} s${bare})`)
}
for (const [name, expr] of Object.entries(WORKLOADS)) {
  if (!name.includes(filter)) continue
  const file = join(dir, `${name}.nix`)
  writeFileSync(file, expr)
  writeFileSync(join(dir, 'builder.sh'), 'echo\n')
  const best = (cmd, args, times) => {
    let b
    for (let i = 0; i < times; i++) {
      const m = measure(cmd, args)
      if (m.status !== 0) { console.error(`${name}: ${cmd} failed:\n${m.err}`); process.exit(1) }
      if (b === undefined || m.secs < b.secs) b = m
    }
    return b
  }
  // interleaved, so that a busy machine slows both alike; best of `runs`
  let n
  let o
  for (let i = 0; i < runs; i++) {
    const a = best('nix-instantiate', ['--eval', '--strict', file], 1)
    const b = best(ours, ['--eval', '--strict', file], 1)
    if (n === undefined || a.secs < n.secs) n = { ...a, mb: Math.min(a.mb, n?.mb ?? Infinity) }
    else n.mb = Math.min(n.mb, a.mb)
    if (o === undefined || b.secs < o.secs) o = { ...b, mb: Math.min(b.mb, o?.mb ?? Infinity) }
    else o.mb = Math.min(o.mb, b.mb)
  }
  if (n.out !== o.out) console.error(`${name}: outputs differ!\n nix:  ${n.out.slice(0, 200)}\n ours: ${o.out.slice(0, 200)}`)
  let warm = Infinity
  for (let i = 0; i < Math.min(runs, 3); i++) warm = Math.min(warm, warmSecs(file))
  console.log(`${name.padEnd(18)} ${n.secs.toFixed(3).padStart(6)} ${o.secs.toFixed(3).padStart(8)} ${(o.secs / n.secs).toFixed(2).padStart(6)}x ${n.mb.toFixed(0).padStart(7)} ${o.mb.toFixed(0).padStart(8)} ${(o.mb / n.mb).toFixed(2).padStart(5)}x ${warm.toFixed(3).padStart(8)} ${(warm / Math.max(n.secs - nixSecs, 0.001)).toFixed(2).padStart(5)}x`)
}
