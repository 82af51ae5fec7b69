import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ModuleKind, ScriptTarget, transpileModule } from 'typescript'
import { describe, expect, it } from 'vitest'
import { colorEnabled, splitItems } from './index.js'

/**
 * The wrapper is about process behaviour (exit codes, stdout vs stderr), so the demo tool
 * runs as a real child process. Node 20 cannot run .ts: transpile the sources into a
 * directory under this package's node_modules, where `citty` resolves.
 */
function buildDemo(): string {
  const srcDir = fileURLToPath(new URL('./', import.meta.url))
  const cache = fileURLToPath(new URL('../node_modules/.cache/', import.meta.url))
  mkdirSync(cache, { recursive: true })
  const dir = mkdtempSync(join(cache, 'cli-kit-test-'))
  mkdirSync(join(dir, 'fixtures'))
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}')
  for (const file of ['errors.ts', 'io.ts', 'main.ts', 'index.ts', 'fixtures/demo-cli.ts']) {
    const { outputText } = transpileModule(readFileSync(join(srcDir, file), 'utf8'), {
      compilerOptions: { module: ModuleKind.ESNext, target: ScriptTarget.ES2022 },
    })
    writeFileSync(join(dir, file.replace(/\.ts$/, '.js')), outputText)
  }
  return join(dir, 'fixtures', 'demo-cli.js')
}

const script = buildDemo()

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env }
  delete env['NO_COLOR']
  delete env['FORCE_COLOR']
  const r = spawnSync(process.execPath, [script, ...args], { env })
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() }
}

describe('main()', () => {
  it('runs a subcommand and prints data on stdout', () => {
    const r = run(['greet', 'world', '--suffix', '!'])
    expect(r).toEqual({ status: 0, stdout: 'hello world!\n', stderr: '' })
  })

  it('accepts short boolean aliases and --no- forms', () => {
    expect(run(['greet', '-l', 'x']).stdout).toBe('HELLO X\n')
    expect(run(['greet', '--no-loud', 'x']).stdout).toBe('hello x\n')
  })

  it('exits 2 with a one-line message on an unknown option', () => {
    const r = run(['greet', 'x', '--lound'])
    expect(r.status).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe("demo: unknown option '--lound' (see 'demo --help')\n")
  })

  it('exits 2 on an unknown or missing subcommand and on a missing positional', () => {
    expect(run(['greeet'])).toMatchObject({ status: 2, stdout: '' })
    expect(run(['greeet']).stderr).toMatch(/^demo: unknown command 'greeet' \(one of: greet, fail\)/)
    expect(run([])).toMatchObject({ status: 2, stdout: '' })
    const missing = run(['greet'])
    expect(missing.status).toBe(2)
    expect(missing.stderr).toBe("demo: missing required positional argument: NAME (see 'demo --help')\n")
  })

  it('exits 2 when a value option has no value', () => {
    const r = run(['greet', 'x', '--suffix'])
    expect(r.status).toBe(2)
    expect(r.stderr).toContain("option '--suffix' needs a value")
  })

  it('prints help on stdout, uncoloured when piped, and exits 0', () => {
    const r = run(['greet', '--help'])
    expect(r.status).toBe(0)
    expect(r.stderr).toBe('')
    expect(r.stdout).toContain('USAGE')
    expect(r.stdout).toContain('--suffix')
    expect(r.stdout).not.toMatch(/\x1b\[/)
  })

  it('prints the version', () => {
    expect(run(['--version'])).toEqual({ status: 0, stdout: 'demo 1.2.3\n', stderr: '' })
  })

  it('turns expected failures into one line without a stack', () => {
    expect(run(['fail', 'user'])).toEqual({ status: 1, stdout: '', stderr: 'demo: nothing to do: input is empty (line 3)\n' })
    expect(run(['fail', 'library'])).toEqual({ status: 102, stdout: '', stderr: 'demo: hash mismatch in fixed-output derivation\n' })
    expect(run(['fail', 'fs'])).toEqual({ status: 1, stdout: '', stderr: "demo: cannot read '/nonexistent/tsnix-demo': no such file or directory\n" })
  })

  it('keeps the stack of an unexpected error (a bug)', () => {
    const r = run(['fail', 'bug'])
    expect(r.status).not.toBe(0)
    expect(r.stderr).toContain('TypeError: a real bug')
    expect(r.stderr).toMatch(/\n\s+at /)
  })
})

describe('splitItems', () => {
  it('splits lines, trims and drops blanks', () => {
    expect(splitItems(Buffer.from(' a\n\nb \r\n'))).toEqual(['a', 'b'])
  })
  it('splits on NUL without trimming', () => {
    expect(splitItems('a b\0c\0', true)).toEqual(['a b', 'c'])
  })
})

describe('colorEnabled', () => {
  it('is false for a non-TTY stream', () => {
    expect(colorEnabled({ isTTY: false } as NodeJS.WriteStream)).toBe(false)
  })
  it('respects NO_COLOR on a TTY', () => {
    const saved = process.env['NO_COLOR']
    process.env['NO_COLOR'] = '1'
    try {
      expect(colorEnabled({ isTTY: true } as NodeJS.WriteStream)).toBe(false)
    } finally {
      if (saved === undefined) delete process.env['NO_COLOR']
      else process.env['NO_COLOR'] = saved
    }
  })
})
