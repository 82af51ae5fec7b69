import { defineCommand, main as runCommand } from '@tsnix/cli-kit'

const command = defineCommand({
  meta: { name: 'ref-scan', description: 'find which store paths the NAR serialisation of paths refers to (Nix reference scanning)' },
  args: {
    candidates: { type: 'string', description: "file of candidate store paths or hash parts, one per line ('-': stdin)", valueHint: 'FILE' },
    all: { type: 'boolean', description: 'without candidates: report every well-formed store path found' },
    json: { type: 'boolean', description: 'print JSON with the file and offset of each reference' },
    '0': { type: 'boolean', description: 'end printed paths with NUL instead of newline' },
    'store-dir': { type: 'string', description: 'store directory for --all (default $NIX_STORE_DIR or /nix/store)', valueHint: 'DIR' },
    paths: { type: 'positional', required: true, description: 'paths to scan' },
  },
  run: (ctx) => import('../commands/ref-scan.js').then((m) => m.run(ctx.args)),
})

/** Run `ref-scan` on `argv` (the arguments after the program name). */
export function main(argv: string[]): Promise<void> {
  return runCommand('ref-scan', command, { version: '0.1.0', argv })
}
