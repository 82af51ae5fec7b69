// The `drv-show` tool's start-up bundle (see scripts/bundle-tool.mjs at the root). The warm-up
// shows derivations as `bench/startup.mjs` does: input-addressed and fixed-output ones as JSON,
// a closure (-r), and ATerm.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundleTool } from '../../../scripts/bundle-tool.mjs'

const example = fileURLToPath(new URL('../../../examples/great-program/store', import.meta.url))
const program = '/nix/store/104chs4lskzpd2pvfn0ppx9nnkg0zj2f-great-program.drv'
// a fixed-output derivation (its JSON needs hashing): fod-flat-sha256-base32 of the golden vectors
const fixed = '/nix/store/y4fp5dvl21j7qskc8v04mg8iqy8ylij3-fod-flat-sha256-base32.drv'
const fixedText = 'Derive([("out","/nix/store/yi5c1nw89kc80mhkd36gq6jhg1jkxwsj-fod-flat-sha256-base32","sha256",'
  + '"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03")],[],[],"x86_64-linux","/bin/sh",'
  + '["-c","echo hello > $out"],[("builder","/bin/sh"),("name","fod-flat-sha256-base32"),'
  + '("out","/nix/store/yi5c1nw89kc80mhkd36gq6jhg1jkxwsj-fod-flat-sha256-base32"),'
  + '("outputHash","00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq"),("outputHashAlgo","sha256"),("system","x86_64-linux")])'

const root = mkdtempSync(join(tmpdir(), 'tsnix-drv-show-warm-up-'))
try {
  mkdirSync(join(root, 'nix/store'), { recursive: true })
  writeFileSync(join(root, fixed), fixedText)
  await bundleTool({
    dist: fileURLToPath(new URL('../dist/', import.meta.url)),
    name: 'drv-show',
    cli: 'drv-show-cli.js',
    async warmUp(run) {
      await run(['--store', example, program])
      await run(['--store', root, fixed])
      await run(['--store', example, '-r', program])
      await run(['--store', example, '--format', 'aterm', program])
    },
  })
} finally {
  rmSync(root, { recursive: true, force: true })
}
