// The messages of the built `loupe` command for mistakes users make: a bad
// option, a file given as the data folder, and a .json file that is not
// JSON. Each case checks the lines a user reads and the exit code.

import { constants } from 'node:buffer'
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createGzip } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DISCOVERY_FILE, type Discovery } from '../../src/core/discovery'
import { removeDir, repoRoot, runCli } from '../helpers/core'

const MIB = 1024 * 1024

let dir: string
/** A plain file, given where a data folder is expected. */
let notAFolder: string
/** A data folder that does not exist, so that no test reads a real one. */
let missingFolder: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-cli-errors-'))
  notAFolder = join(dir, 'notes.txt')
  writeFileSync(notAFolder, 'not a folder\n')
  missingFolder = join(dir, 'missing')
})

afterAll(() => {
  removeDir(dir)
})

/** Runs the CLI with LOUPE_DATA_DIR on a missing folder, so that the user's own store is never opened. */
function loupe(args: string[]) {
  return runCli(args, { LOUPE_DATA_DIR: missingFolder })
}

describe('usage errors', () => {
  const cases: { args: string[]; error: string; help: string; code: number }[] = [
    {
      args: ['query', '--limit', 'abc', 'SELECT 1'],
      error: 'loupe: invalid --limit "abc": abc is not a whole number',
      help: 'Run `loupe query --help` for usage.',
      code: 1,
    },
    {
      args: ['query', '--colour', 'SELECT 1'],
      error: 'loupe: unknown option --colour',
      help: 'Run `loupe query --help` for usage.',
      code: 1,
    },
    {
      args: ['query', '--jsn', 'SELECT 1'],
      error: 'loupe: unknown option --jsn; did you mean --json?',
      help: 'Run `loupe query --help` for usage.',
      code: 1,
    },
    {
      args: ['query', 'SELECT', '1'],
      error: 'loupe: too many arguments: expected 1 but got 2; quote a value that contains spaces',
      help: 'Run `loupe query --help` for usage.',
      code: 1,
    },
    {
      args: ['query', '--limit'],
      error: 'loupe: missing value for --limit <n>',
      help: 'Run `loupe query --help` for usage.',
      code: 1,
    },
    {
      args: ['show'],
      error: 'loupe: missing argument <trace>',
      help: 'Run `loupe show --help` for usage.',
      code: 1,
    },
    {
      args: ['serve', '--log-format', 'xml'],
      error: 'loupe: invalid --log-format "xml": expected one of text, json',
      help: 'Run `loupe serve --help` for usage.',
      code: 1,
    },
    {
      args: ['serve', '--log-level', 'verbose'],
      error: 'loupe: invalid --log-level "verbose": expected one of error, warn, info, debug',
      help: 'Run `loupe serve --help` for usage.',
      code: 1,
    },
    {
      args: ['serve', '--host', ''],
      error:
        'loupe: invalid --host "": expected an IP address (127.0.0.1, 0.0.0.0, ::1) or a host name',
      help: 'Run `loupe serve --help` for usage.',
      code: 1,
    },
    {
      // The ports keep a build without the check from taking the default ones.
      args: [
        'serve',
        '--allow-host',
        'my host',
        '--port',
        '0',
        '--grpc-port',
        '0',
        '--ui-port',
        '0',
      ],
      error:
        'loupe: invalid --allow-host "my host": expected a host name such as host.docker.internal',
      help: 'Run `loupe serve --help` for usage.',
      code: 1,
    },
    {
      args: ['check', '--since', 'soon'],
      error:
        'loupe: invalid --since "soon": use a number and a unit s, m, h, d or w, e.g. 24h or 7d',
      help: 'Run `loupe check --help` for usage.',
      code: 2,
    },
    {
      args: ['check', '--colour'],
      error: 'loupe: unknown option --colour',
      help: 'Run `loupe check --help` for usage.',
      code: 2,
    },
    {
      args: ['alerts', '--colour'],
      error: 'loupe: unknown option --colour',
      help: 'Run `loupe alerts --help` for usage.',
      code: 2,
    },
    {
      args: ['evals', 'show', '--colour', 'x'],
      error: 'loupe: unknown option --colour',
      help: 'Run `loupe evals show --help` for usage.',
      code: 1,
    },
    {
      args: ['serve', '--port', ''],
      error:
        'loupe: invalid --port "": expected a port number from 0 to 65535 (0 picks a free port)',
      help: 'Run `loupe serve --help` for usage.',
      code: 1,
    },
    {
      args: ['mock', '--port', '0x10'],
      error:
        'loupe: invalid --port "0x10": expected a port number from 0 to 65535 (0 picks a free port)',
      help: 'Run `loupe mock --help` for usage.',
      code: 1,
    },
    {
      args: ['traces', '--data', ''],
      error: 'loupe: invalid --data "": expected a folder path',
      help: 'Run `loupe traces --help` for usage.',
      code: 1,
    },
    {
      args: ['colour'],
      error: 'loupe: unknown command colour',
      help: 'Run `loupe --help` for usage.',
      code: 1,
    },
  ]

  for (const { args, error, help, code } of cases) {
    it(`loupe ${args.join(' ')}`, async () => {
      const result = await loupe(args)
      expect(result.code).toBe(code)
      expect(result.stderr.split('\n')).toEqual([error, help, ''])
      expect(result.stdout).toBe('')
    })
  }

  it('names a missing scenario of loupe mock', async () => {
    const scenario = join(dir, 'missing-scenario.yaml')
    const result = await loupe(['mock', scenario, '--port', '0'])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      `loupe: cannot read scenario ${scenario}: ENOENT: no such file or directory, open '${scenario}' ` +
        '(the file does not exist)\n',
    )
  })

  it('names --mock in the hint of loupe run', async () => {
    const scenario = join(dir, 'missing-scenario.yaml')
    const result = await loupe(['run', '--mock', scenario, '--', 'true'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      '(the file does not exist; when --mock takes no scenario, put the command after --)',
    )
  })

  it('rejects one port for two servers', async () => {
    const result = await loupe(['serve', '--port', '45999', '--grpc-port', '45999'])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      'loupe: the OTLP/HTTP port (--port) and the OTLP/gRPC port (--grpc-port) are both 45999; ' +
        'give each server its own port\n',
    )
    expect(existsSync(missingFolder)).toBe(false)
  })

  it('names an invalid environment variable', async () => {
    const result = await runCli(['serve', '--data', missingFolder], { LOUPE_MAX_STORE_MB: 'lots' })
    expect(result.code).toBe(1)
    expect(result.stderr.split('\n')[0]).toBe(
      'loupe: invalid LOUPE_MAX_STORE_MB "lots" (the value of --max-store-mb): lots is not a positive integer',
    )
    expect(existsSync(missingFolder)).toBe(false)
  })
})

describe('a file as the data folder', () => {
  const cases: { args: string[]; code: number }[] = [
    { args: ['query', 'SELECT 1'], code: 1 },
    { args: ['check'], code: 2 },
    { args: ['alerts'], code: 2 },
    { args: ['evals'], code: 1 },
    { args: ['traces'], code: 1 },
    { args: ['show', 'f'.repeat(32)], code: 1 },
    { args: ['diff', 'run_a', 'run_b'], code: 1 },
    { args: ['replay', 'run_a', '--save', 'cassette.json'], code: 1 },
    { args: ['run', '--', 'true'], code: 1 },
    { args: ['serve', '--port', '0', '--grpc-port', '0', '--ui-port', '0'], code: 1 },
    { args: ['mock', '--port', '0'], code: 1 },
    { args: ['mcp'], code: 1 },
  ]

  for (const { args, code } of cases) {
    it(`loupe ${args[0]} --data FILE`, async () => {
      const [command, ...rest] = args
      const result = await loupe([command!, '--data', notAFolder, ...rest])
      expect(result.code).toBe(code)
      expect(result.stderr).toBe(
        `loupe: ${notAFolder} is a file, not a Loupe data folder; check --data or LOUPE_DATA_DIR\n`,
      )
    })
  }

  it('rejects a folder under a file', async () => {
    const underFile = join(notAFolder, 'data')
    const file = join(repoRoot, 'test', 'fixtures', 'cases', 'c07-trace-a.json')
    const result = await loupe(['import', file, '--data', underFile])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      `loupe: cannot create the data folder ${underFile} (ENOTDIR: not a directory, mkdir '${underFile}'). ` +
        'Choose a folder this user can write with --data DIR or LOUPE_DATA_DIR.\n',
    )
  })

  it('ignores a blank LOUPE_DATA_DIR', async () => {
    // Whitespace names no folder, so the per-user folder under XDG_DATA_HOME is used, as for an empty value.
    const result = await runCli(['traces'], { LOUPE_DATA_DIR: ' ', XDG_DATA_HOME: missingFolder })
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      `loupe: no Loupe data folder at ${join(missingFolder, 'loupe')}; check --data or LOUPE_DATA_DIR\n`,
    )
  })

  it('names LOUPE_DATA_DIR too', async () => {
    const result = await runCli(['query', 'SELECT 1'], { LOUPE_DATA_DIR: notAFolder })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`${notAFolder} is a file, not a Loupe data folder`)
  })
})

describe('loupe import of a .json file', () => {
  const expected =
    'a .json file must contain an OTLP/JSON request ({"resourceSpans": [...]}, as `loupe export` writes); ' +
    'name an OTLP protobuf file .pb or .bin'

  async function importFile(name: string, content: string | Buffer) {
    const file = join(dir, name)
    writeFileSync(file, content)
    const data = join(dir, `data-${name}`)
    const result = await loupe(['import', file, '--data', data])
    return { file, data, result }
  }

  it('rejects a file whose spans are all rejected', async () => {
    const span = { traceId: 'not-hex', spanId: 'abc', name: 'broken', startTimeUnixNano: '1' }
    const request = { resourceSpans: [{ scopeSpans: [{ spans: [span, { ...span }] }] }] }
    const { file, data, result } = await importFile('bad-ids.json', JSON.stringify(request))
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      `loupe: ${file}: all 2 spans in it were rejected, so nothing was imported: `,
    )
    expect(result.stderr).toContain('span "broken": trace_id is neither 32 hex digits')
    expect(result.stdout).toBe('')
    expect(existsSync(data)).toBe(false)
  })

  it('rejects text that is not JSON', async () => {
    const { file, data, result } = await importFile('notes.json', 'not JSON at all\n')
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      `loupe: ${file} is not valid JSON: Unexpected token 'o', "not JSON at all\\n" is not valid JSON; ${expected}\n`,
    )
    expect(result.stderr).not.toContain('protobuf:')
    expect(existsSync(data)).toBe(false)
  })

  it('gives the line and column', async () => {
    const { file, result } = await importFile('unquoted.json', '{\n  resourceSpans: []\n}\n')
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`loupe: ${file} is not valid JSON: `)
    expect(result.stderr).toContain('at position 4 (line 2, column 3)')
  })

  it('gives the end of a cut file', async () => {
    const { result } = await importFile('cut.json', '{"resourceSpans": [\n')
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('Unexpected end of JSON input (line 2, column 1)')
  })

  it('rejects protobuf named .json', async () => {
    const { result } = await importFile('spans.json', Buffer.from([0x0a, 0x02, 0x0a, 0x00]))
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('is not valid JSON: ')
    expect(result.stderr).toContain(expected)
  })

  it('rejects JSON too long for a string', async () => {
    // About 2.5 MiB of gzip that expands to one byte past the longest string V8 can make.
    const textBytes = constants.MAX_STRING_LENGTH + 1
    const chunk = Buffer.alloc(MIB, ' ')
    const gzip = createGzip({ level: 1 })
    const compressed: Buffer[] = []
    gzip.on('data', (part: Buffer) => compressed.push(part))
    for (let written = 0; written < textBytes; written += chunk.length) {
      gzip.write(chunk.subarray(0, Math.min(chunk.length, textBytes - written)))
    }
    await new Promise((resolve) => gzip.end(resolve))
    const { file, data, result } = await importFile('long.json.gz', Buffer.concat(compressed))
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      `loupe: ${file} contains ${textBytes} bytes of JSON text, more than the ${constants.MAX_STRING_LENGTH} bytes ` +
        '(about 512 MiB) that Node.js can read as one string; ' +
        'split its resourceSpans into smaller files\n',
    )
    expect(existsSync(data)).toBe(false)
  })

  it('keeps the OTLP error of valid JSON', async () => {
    const { file, result } = await importFile('list.json', '[]')
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      `loupe: ${file} is not an OTLP trace request (json): invalid OTLP/JSON: the top level must be an object, got an array\n`,
    )
  })
})

describe('loupe alerts --rules', () => {
  it('rejects a folder as the rules file', async () => {
    const result = await loupe(['alerts', '--rules', dir])
    expect(result.code).toBe(2)
    expect(result.stderr).toBe(
      `loupe: cannot read the alert rules file ${dir}: EISDIR: illegal operation on a directory, read\n`,
    )
    expect(result.stdout).toBe('')
  })
})

describe('a core that cannot be reached', () => {
  // The discovery file names this test's own process, which is alive but
  // listens on neither port, as a core that is stopping would.
  function unreachableCore(): string {
    const data = join(dir, 'unreachable-core')
    mkdirSync(data, { recursive: true })
    const closedPort = 9
    const discovery: Discovery = {
      pid: process.pid,
      version: '0.0.0',
      dataDir: data,
      startedAt: new Date().toISOString(),
      host: '127.0.0.1',
      otlpHttpPort: closedPort,
      otlpGrpcPort: null,
      uiPort: closedPort,
      uiUrl: `http://127.0.0.1:${closedPort}`,
      token: 'a'.repeat(32),
    }
    writeFileSync(join(data, DISCOVERY_FILE), JSON.stringify(discovery))
    return data
  }

  it('loupe import names the core', async () => {
    const data = unreachableCore()
    const file = join(repoRoot, 'test', 'fixtures', 'cases', 'c07-trace-a.json')
    const result = await loupe(['import', file, '--data', data])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^loupe: cannot reach the Loupe core at http:\/\/127\.0\.0\.1:9 /)
    expect(result.stderr).not.toContain('unexpected error')
  })

  it('loupe diff names the core', async () => {
    const data = unreachableCore()
    const result = await loupe(['diff', 'run_a', 'run_b', '--data', data])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^loupe: cannot reach the Loupe core at http:\/\/127\.0\.0\.1:9 /)
    expect(result.stderr).not.toContain('unexpected error')
  })
})
