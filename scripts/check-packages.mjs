#!/usr/bin/env node
// Keeps the packages' manifests consistent (STYLE.md §4, §5, §22, §25): exports shape,
// files, engines, bin shims, kebab-case source file names. Prints one line per problem.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

/** How every bin shim starts: a shell script run as a program, JavaScript run by `node` (test/cli/launchers.test.ts). */
const LAUNCHER = `#!/bin/sh
':' //; unset NODE_EXTRA_CA_CERTS; exec node "$0" "$@"
// Run as a program, this file is a shell script that starts Node on itself without
// NODE_EXTRA_CA_CERTS: Node reads that bundle before running any code (≈ 50 ms for the
// system's) and the tools make no TLS connections. Run by \`node\`, it is JavaScript.
`

const root = new URL('..', import.meta.url).pathname
const problems = []
const ENGINES = '^20.19.0 || >=22.12.0'

function checkLibrary(dir) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  const where = `${dir.replace(root, '')}/package.json`
  const expect = (ok, what) => { if (!ok) problems.push(`${where}: ${what}`) }
  expect(pkg.name?.startsWith('@tsnix/'), 'name must be in the @tsnix/ scope')
  expect(pkg.type === 'module', '"type" must be "module"')
  expect(pkg.private === true, '"private" must be true until we publish')
  expect(pkg.sideEffects === false, '"sideEffects" must be false')
  expect(pkg.engines?.node === ENGINES, `"engines.node" must be "${ENGINES}"`)
  const dot = pkg.exports?.['.']
  expect(dot && Object.keys(dot).join() === '@tsnix/source,types,default',
    'exports["."] must list "@tsnix/source", "types", "default" in that order')
  expect(pkg.exports?.['./package.json'] === './package.json', 'exports must include "./package.json"')
  expect(Array.isArray(pkg.files) && pkg.files.includes('dist'), '"files" must include "dist"')
  for (const [tool, shim] of Object.entries(pkg.bin ?? {})) {
    const file = join(dir, shim)
    expect(shim.startsWith('./bin/') || shim.startsWith('bin/'), `bin "${tool}" must point at a committed shim in bin/, not dist/`)
    expect(pkg.files?.includes('bin'), '"files" must include "bin" when there are tools')
    if (!existsSync(file)) { expect(false, `bin shim ${shim} is missing`); continue }
    const text = readFileSync(file, 'utf8')
    // (a .cjs shim requires a CommonJS build of its entry: an ES module entry costs ≈ 10 ms of start-up)
    const load = shim.endsWith('.cjs') ? /^require\('\.\.\/dist\/[\w./-]+\.cjs'\)\n$/ : /^import '\.\.\/dist\/[\w./-]+\.js'\n$/
    expect(text.startsWith(LAUNCHER) && load.test(text.slice(LAUNCHER.length)),
      `bin shim ${shim} must be the launcher (see LAUNCHER in scripts/check-packages.mjs) + one import of ../dist/… (or, .cjs, one require of ../dist/….cjs)`)
    expect((statSync(file).mode & 0o111) !== 0, `bin shim ${shim} must be executable`)
  }
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })) {
    const spec = pkg.dependencies?.[dep] ?? pkg.devDependencies?.[dep]
    if (dep.startsWith('@tsnix/')) expect(spec === 'workspace:*', `${dep} must be "workspace:*"`)
  }
  walk(join(dir, 'src'))
}

function walk(dir) {
  if (!existsSync(dir)) return
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const name = entry.name
    if (entry.isDirectory()) { walk(join(dir, name)); continue }
    if (!/^_?[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+)*$/.test(name)) {
      problems.push(`${join(dir, name).replace(root, '')}: file names are kebab-case (an internal module may start with _)`)
    }
  }
}

for (const name of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', name)
  if (existsSync(join(dir, 'package.json'))) checkLibrary(dir)
}

for (const p of problems) console.error(`check-packages: ${p}`)
if (problems.length > 0) process.exit(1)
console.log(`check-packages: ${readdirSync(join(root, 'packages')).length} packages ok`)
