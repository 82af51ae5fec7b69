import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { goldenDir } from './paths.js'

/** The SQLite rows real Nix wrote for the golden store scenario (golden/store/rows.json). */
export interface GoldenStoreRows {
  ValidPaths: {
    id: number; path: string; hash: string; registrationTime: number; deriver: string | null
    narSize: number | null; ultimate: number | null; sigs: string | null; ca: string | null
  }[]
  Refs: { referrerPath: string; referencePath: string }[]
  DerivationOutputs: { drvPath: string; id: string; path: string }[]
}

/** What `nix-store -q` and friends printed in that scenario (golden/store/expected.json). */
export interface GoldenStoreExpected {
  queries: Record<string, Record<string, string>>
  tree: Record<string, string>
  graph: Record<string, string>
  referrersClosure: Record<string, string>
  pathInfo: Record<string, Record<string, unknown[]>>
  validDerivers: { command: string }
  [other: string]: unknown
}

/** One valid path as a store database registers it; the hash as Nix's DB text (`sha256:…`). */
export interface GoldenPathRow {
  path: string
  narHash: string
  narSize: number
  references: string[]
  deriver?: string
  registrationTime?: number
  ultimate: boolean
  sigs?: string[]
  ca?: string
  derivationOutputs: Record<string, string>
}

export interface GoldenStore {
  rows: GoldenStoreRows
  expected: GoldenStoreExpected
  /** The output that was deleted after the queries were recorded (absent from rows.json). */
  doomedPath: string
  /** Every path valid when the queries were recorded, ready to register. */
  pathRows: GoldenPathRow[]
}

const DOOMED = '/nix/store/51b67gxbwxs8rf0h3m1adfi7hq0x5g4y-doomed'

/** The golden store scenario: rows, recorded answers, and the rows to register to reproduce it. */
export function loadGoldenStore(): GoldenStore {
  const dir = join(goldenDir, 'store')
  const rows = JSON.parse(readFileSync(join(dir, 'rows.json'), 'utf8')) as GoldenStoreRows
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as GoldenStoreExpected
  // rows.json was read after `nix-store --delete` removed the doomed output, but the queries
  // were taken while it was valid: put it back from what the queries recorded about it.
  const q = expected.queries[DOOMED]
  if (q === undefined) throw new Error(`golden store: no recorded queries for ${DOOMED}`)
  const lines = (text: string | undefined): string[] => (text ?? '').split('\n').filter((l) => l !== '')
  const doomed: GoldenPathRow = {
    path: DOOMED,
    narHash: (q['--hash'] ?? '').trim(),
    narSize: Number(q['--size']),
    references: lines(q['--references']),
    deriver: (q['--deriver'] ?? '').trim(),
    ultimate: true,
    derivationOutputs: {},
  }
  const pathRows = rows.ValidPaths.map((v): GoldenPathRow => ({
    path: v.path,
    narHash: v.hash,
    narSize: v.narSize ?? 0,
    references: rows.Refs.filter((r) => r.referrerPath === v.path).map((r) => r.referencePath),
    ...(v.deriver === null ? {} : { deriver: v.deriver }),
    registrationTime: v.registrationTime,
    ultimate: v.ultimate === 1,
    ...(v.sigs === null ? {} : { sigs: v.sigs.split(' ') }),
    ...(v.ca === null ? {} : { ca: v.ca }),
    derivationOutputs: Object.fromEntries(
      rows.DerivationOutputs.filter((d) => d.drvPath === v.path).map((d) => [d.id, d.path])),
  }))
  return { rows, expected, doomedPath: DOOMED, pathRows: [doomed, ...pathRows] }
}
