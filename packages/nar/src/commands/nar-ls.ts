import { defineCommand, writeStdout } from '@tsnix/cli-kit'
import { asCliError } from './_shared.js'
import { narInput } from './_stream.js'

/** `nar ls NAR PATH`: `nix nar ls`. */
export default defineCommand({
  meta: { name: 'ls', description: 'list the contents of a NAR at PATH (nix nar ls)' },
  args: {
    recursive: { type: 'boolean', alias: 'R', description: 'list subdirectories recursively' },
    long: { type: 'boolean', alias: 'l', description: 'long format: mode, size, name (and symlink target)' },
    json: { type: 'boolean', description: 'print JSON (the shape of nix nar ls --json)' },
    nar: { type: 'positional', required: true, description: "NAR file, plain or zstd-compressed ('-': stdin)" },
    path: { type: 'positional', required: false, description: "path inside the archive (default '/')" },
  },
  async run({ args }) {
    const { listNar, listingToJson, formatListing } = await import('../ls.js')
    const path = args.path ?? '/'
    let text: string
    try {
      // The text form shows the type and size of each entry, so it needs one level more than JSON.
      const listing = await listNar(await narInput(args.nar), path, { recursive: args.recursive === true || args.json !== true })
      text = args.json === true ? `${listingToJson(listing)}\n` : formatListing(listing, path, { long: args.long === true, recursive: args.recursive === true })
    } catch (err) {
      throw asCliError('nar', err)
    }
    await writeStdout(text)
  },
})
