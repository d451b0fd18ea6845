// `loupe serve` and the data folder: restarts keep the traces, a second
// server on the same folder is turned away, taken ports are reported, and
// export and import round-trip a trace. The API rejects requests without
// the token and requests for foreign Host names.

import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { startCore } from '../../src/core/core'
import type { TraceDetail, TraceSummary } from '../../src/shared/api'
import { cliJson, makeDataDir, removeDir, repoRoot, runCli, startTestCore } from '../helpers/core'

const DEMO_SUCCESS = join(repoRoot, 'resources/demo/run-1.json')
const cleanups: (() => Promise<void> | void)[] = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

interface Served {
  child: ChildProcess
  stdout: string
  discovery: { uiUrl: string; otlpHttpPort: number; token: string; pid: number }
}

/** Start `loupe serve` as a user would and wait for its discovery file. */
async function serve(dataDir: string, extra: string[] = []): Promise<Served> {
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, 'bin/loupe.js'),
      'serve',
      '--data',
      dataDir,
      '--port',
      '0',
      '--grpc-port',
      '0',
      '--ui-port',
      '0',
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let stdout = ''
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  const discoveryFile = join(dataDir, 'loupe.json')
  for (let i = 0; i < 200 && !(existsSync(discoveryFile) && stdout.includes('OTLP/gRPC')); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const served = { child, stdout, discovery: JSON.parse(readFileSync(discoveryFile, 'utf8')) }
  cleanups.push(() => stopServe(child))
  return served
}

function stopServe(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

function holdPort(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      resolve({ server, port: typeof address === 'object' && address ? address.port : 0 })
    })
  })
}

describe('loupe serve', () => {
  it('keeps traces across a restart', async () => {
    const dataDir = makeDataDir()
    cleanups.push(() => removeDir(dataDir))
    const first = await serve(dataDir)
    expect(first.stdout).toContain(`${first.discovery.uiUrl}/?token=${first.discovery.token}`)
    const imported = await runCli(['import', DEMO_SUCCESS, '--data', dataDir])
    expect(imported.code).toBe(0)
    const before = await cliJson<TraceSummary[]>(['traces', '--json', '--data', dataDir])
    expect(before).toHaveLength(1)
    await stopServe(first.child)
    expect(existsSync(join(dataDir, 'loupe.json'))).toBe(false)

    await serve(dataDir)
    const after = await cliJson<TraceSummary[]>(['traces', '--json', '--data', dataDir])
    expect(after.map((t) => [t.traceId, t.spanCount, t.rootName])).toEqual(
      before.map((t) => [t.traceId, t.spanCount, t.rootName]),
    )
  })

  it('loads the demo into an empty folder with --demo', async () => {
    const dataDir = makeDataDir()
    cleanups.push(() => removeDir(dataDir))
    await serve(dataDir, ['--demo'])
    const traces = await cliJson<TraceSummary[]>(['traces', '--json', '--data', dataDir])
    expect(traces.map((t) => [t.rootName, t.status, t.spanCount]).sort()).toEqual([
      ['chat_turn {session_id}', 'error', 4],
      ['chat_turn {session_id}', 'unset', 7],
    ])
    const failed = await cliJson<TraceDetail>([
      'show',
      traces.find((t) => t.status === 'error')!.traceId,
      '--json',
      '--data',
      dataDir,
    ])
    const tool = failed.spans.find((s) => s.name === 'execute_tool lookup_order')!
    expect(tool.status).toBe('error')
    expect(tool.events.map((e) => e.attributes['exception.type'])).toContain('KeyError')
  })

  it('turns away a second server on the same folder', async () => {
    const dataDir = makeDataDir()
    cleanups.push(() => removeDir(dataDir))
    const first = await serve(dataDir)
    const second = await runCli([
      'serve',
      '--data',
      dataDir,
      '--port',
      '0',
      '--grpc-port',
      '0',
      '--ui-port',
      '0',
    ])
    expect(second.code).toBe(3)
    expect(second.stderr).toContain(
      `Loupe is already serving ${dataDir} (pid ${first.discovery.pid})`,
    )
    expect(second.stderr).toContain(first.discovery.uiUrl)
  })

  it('names the holder of an explicitly requested port', async () => {
    const { server, port } = await holdPort()
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const dataDir = makeDataDir()
    cleanups.push(() => removeDir(dataDir))
    const result = await runCli([
      'serve',
      '--data',
      dataDir,
      '--port',
      String(port),
      '--grpc-port',
      '0',
      '--ui-port',
      '0',
    ])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`port ${port} is in use by`)
    expect(result.stderr).toContain(`(pid ${process.pid})`)
    expect(result.stderr).toContain('--port PORT')
  })

  it('falls back from a taken default port', async () => {
    const { server, port } = await holdPort()
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const dataDir = makeDataDir()
    cleanups.push(() => removeDir(dataDir))
    const core = await startCore({
      dataDir,
      otlpHttpPort: port,
      otlpGrpcPort: 0,
      uiPort: 0,
      fallbackOnConflict: true,
      logger: pino({ level: 'silent' }),
    })
    cleanups.push(() => core.stop())
    const otlp = core.status().ports.find((p) => p.purpose === 'otlp-http')!
    expect(otlp.requested).toBe(port)
    expect(otlp.actual).not.toBe(port)
    expect(otlp.conflict?.holder).toContain(`pid ${process.pid}`)
    expect(core.status().otlpHttpUrl).toBe(`http://127.0.0.1:${otlp.actual}`)
    const response = await fetch(`http://127.0.0.1:${otlp.actual}/v1/info`)
    expect(response.status).toBe(200)
  })
})

describe('export and import', () => {
  it('names the body limit when importing through a core', async () => {
    const loupe = await startTestCore(makeDataDir(), { maxBodyBytes: 2 ** 20 })
    cleanups.push(() => removeDir(loupe.dataDir))
    cleanups.push(() => loupe.stop())
    const span = {
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      name: 'large',
      startTimeUnixNano: '1700000000000000000',
      endTimeUnixNano: '1700000001000000000',
      attributes: [{ key: 'prompt', value: { stringValue: 'x'.repeat(2 ** 21) } }],
    }
    const file = join(loupe.dataDir, 'large.json')
    writeFileSync(file, JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] }))
    const result = await runCli(['import', file, '--data', loupe.dataDir])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('accepts in one request (HTTP 413); restart it with a larger')
    expect(result.stderr).toContain('or stop it so that loupe import stores the file itself')
  })

  it('round-trip a trace into a fresh folder', async () => {
    const first = makeDataDir()
    const second = makeDataDir()
    cleanups.push(() => removeDir(first))
    cleanups.push(() => removeDir(second))
    expect((await runCli(['import', DEMO_SUCCESS, '--data', first])).code).toBe(0)
    const [trace] = await cliJson<TraceSummary[]>(['traces', '--json', '--data', first])
    const exportFile = join(first, 'export.json')
    expect((await runCli(['export', trace!.traceId, '-o', exportFile, '--data', first])).code).toBe(
      0,
    )
    const imported = await runCli(['import', exportFile, '--data', second])
    expect(imported.stdout).toContain('imported 7 spans')
    const original = await cliJson<TraceDetail>(['show', trace!.traceId, '--json', '--data', first])
    const copy = await cliJson<TraceDetail>(['show', trace!.traceId, '--json', '--data', second])
    expect(copy.spans).toEqual(original.spans)
    expect({ ...copy.trace, updatedAt: '' }).toEqual({ ...original.trace, updatedAt: '' })
  })

  it('reports a file that is not OTLP', async () => {
    const dataDir = makeDataDir()
    cleanups.push(() => removeDir(dataDir))
    const result = await runCli(['import', join(repoRoot, 'package.json'), '--data', dataDir])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^loupe: /)
    expect(result.stderr).not.toContain('    at ')
  })

  it('sends the file through a running core', async () => {
    const dataDir = makeDataDir()
    cleanups.push(() => removeDir(dataDir))
    await serve(dataDir)
    const result = await runCli(['import', DEMO_SUCCESS, '--data', dataDir])
    expect(result.code).toBe(0)
    const traces = await cliJson<TraceSummary[]>(['traces', '--json', '--data', dataDir])
    expect(traces.map((t) => t.spanCount)).toEqual([7])
  })
})

describe('loupe traces on an empty store', () => {
  it('prints the hint as a whole line', async () => {
    const dataDir = makeDataDir()
    cleanups.push(() => removeDir(dataDir))
    const hint = 'No traces yet. Point an agent at Loupe: see `loupe serve --help`.\n'
    const offline = await runCli(['traces', '--data', dataDir])
    expect(offline.code).toBe(0)
    expect(offline.stdout).toBe(hint)

    await serve(dataDir)
    const throughCore = await runCli(['traces', '--data', dataDir])
    expect(throughCore.code).toBe(0)
    expect(throughCore.stdout).toBe(hint)
  })
})

describe('API access', () => {
  it('rejects a missing token and a foreign Host', async () => {
    const dataDir = makeDataDir()
    cleanups.push(() => removeDir(dataDir))
    const { discovery } = await serve(dataDir)
    const noToken = await fetch(`${discovery.uiUrl}/api/traces`)
    expect(noToken.status).toBe(401)
    const wrongToken = await fetch(`${discovery.uiUrl}/api/traces`, {
      headers: { Authorization: 'Bearer not-the-token-at-all-000000' },
    })
    expect(wrongToken.status).toBe(401)
    const withToken = await fetch(`${discovery.uiUrl}/api/traces`, {
      headers: { Authorization: `Bearer ${discovery.token}` },
    })
    expect(withToken.status).toBe(200)
    const rebinding = await rawRequest(discovery.uiUrl, '/api/status', 'evil.example')
    expect(rebinding).toBe(421)
    const otlpRebinding = await rawRequest(
      `http://127.0.0.1:${discovery.otlpHttpPort}`,
      '/v1/info',
      'evil.example',
    )
    expect(otlpRebinding).toBe(421)
  })
})

/** fetch() will not send a foreign Host header, so use node:http directly. */
async function rawRequest(baseUrl: string, path: string, host: string): Promise<number> {
  const { request } = await import('node:http')
  const url = new URL(path, baseUrl)
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, headers: { Host: host } },
      (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      },
    )
    req.on('error', reject)
    req.end()
  })
}
