#!/usr/bin/env node
// Evaluator benchmarks: tsnix `instantiate --eval --strict` against `nix-instantiate --eval --strict`,
// run in the same session, reporting wall time and peak RSS and their ratios (ours / Nix).
// Usage: node bench/eval-vs-nix.mjs [name-filter] [--runs N]   (build packages/eval first)
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ours = fileURLToPath(new URL('../packages/eval/bin/instantiate.js', import.meta.url))
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

const WORKLOADS = {
  'fib-25': 'let fib = n: if n < 2 then n else fib (n - 1) + fib (n - 2); in fib 25',
  "foldl-sum-1e6": "builtins.foldl' (a: b: a + b) 0 (builtins.genList (x: x) 1000000)",
  'listToAttrs-1e5': `let s = builtins.listToAttrs (builtins.genList (i: { name = "k\${toString i}"; value = i; }) 100000);
    in builtins.foldl' (acc: i: acc + s.\${"k" + toString i}) 0 (builtins.genList (i: i) 100000)`,
  'string-concat-1e5': `builtins.stringLength (builtins.foldl' (s: i: s + "x\${toString i}") "" (builtins.genList (i: i) 100000))`,
  'toJSON-large': `builtins.stringLength (builtins.toJSON (builtins.genList (i: { id = i; name = "item-\${toString i}"; tags = [ "a" "b" (toString (i * 3)) ]; nested = { ok = i / 2 * 2 == i; f = 1.5; }; }) 50000))`,
  'package-set': PACKAGE_SET,
}

function measure(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, NIX_REMOTE: 'dummy://' } })
  const last = r.stderr.trim().split('\n').pop() ?? ''
  const [secs, kb] = last.split(' ').map(Number)
  return { secs, mb: kb / 1024, out: r.stdout, status: r.status, err: r.stderr }
}

const filter = process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : ''
const runsIdx = process.argv.indexOf('--runs')
const runs = runsIdx > 0 ? Number(process.argv[runsIdx + 1]) : 3
console.log('workload            nix s   ours s  ratio   nix MB  ours MB ratio')
for (const [name, expr] of Object.entries(WORKLOADS)) {
  if (!name.includes(filter)) continue
  const file = join(dir, `${name}.nix`)
  writeFileSync(file, expr)
  const best = (cmd, args) => {
    let b
    for (let i = 0; i < runs; i++) {
      const m = measure(cmd, args)
      if (m.status !== 0) { console.error(`${name}: ${cmd} failed:\n${m.err}`); process.exit(1) }
      if (b === undefined || m.secs < b.secs) b = m
    }
    return b
  }
  const n = best('nix-instantiate', ['--eval', '--strict', file])
  const o = best(process.execPath, [ours, '--eval', '--strict', file])
  if (n.out !== o.out) console.error(`${name}: outputs differ!\n nix:  ${n.out.slice(0, 200)}\n ours: ${o.out.slice(0, 200)}`)
  console.log(`${name.padEnd(18)} ${n.secs.toFixed(2).padStart(6)} ${o.secs.toFixed(2).padStart(8)} ${(o.secs / n.secs).toFixed(2).padStart(6)}x ${n.mb.toFixed(0).padStart(7)} ${o.mb.toFixed(0).padStart(8)} ${(o.mb / n.mb).toFixed(2).padStart(5)}x`)
}
