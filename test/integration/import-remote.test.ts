// `loupe import --from tempo|jaeger BASEURL TRACEID` and `POST /api/import`
// against local stand-ins for Tempo's and Jaeger's query APIs, served by
// node:http on 127.0.0.1. The Tempo responses have what Tempo sends: base64
// ids, enum names, and `batches` in the v1 form. The Jaeger one has Jaeger's
// UI model: processes, references, typed tags, logs, microseconds and a
// 64-bit trace id. The imported traces are read back with `loupe show`.

import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SpanJson, TraceDetail } from '../../src/shared/api'
import type { RemoteImportResult } from '../../src/shared/import'
import { apiJson, cliJson, makeDataDir, removeDir, runCli, startTestCore } from '../helpers/core'

const TEMPO_TRACE = '5b8efff798038103d269b633813fc60c'
const TEMPO_ROOT = 'eee19b7ec3c1b174'
const TEMPO_CHILD = 'eee19b7ec3c1b173'
const START_NS = 1772420400123456789n

function base64Id(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64')
}

/** Returns the resource spans of a two-span trace, as Tempo serves them. */
function tempoResourceSpans(scopeKey: 'scopeSpans' | 'instrumentationLibrarySpans') {
  return [
    {
      resource: {
        attributes: [
          { key: 'service.name', value: { stringValue: 'checkout' } },
          { key: 'k8s.pod.name', value: { stringValue: 'checkout-7d9f' } },
        ],
      },
      [scopeKey]: [
        {
          [scopeKey === 'scopeSpans' ? 'scope' : 'instrumentationLibrary']: {
            name: 'opentelemetry.instrumentation.fastapi',
            version: '0.55b0',
          },
          spans: [
            {
              traceId: base64Id(TEMPO_TRACE),
              spanId: base64Id(TEMPO_ROOT),
              name: 'POST /orders',
              kind: 'SPAN_KIND_SERVER',
              startTimeUnixNano: String(START_NS),
              endTimeUnixNano: String(START_NS + 250_000_000n),
              attributes: [
                { key: 'http.route', value: { stringValue: '/orders' } },
                { key: 'http.response.status_code', value: { intValue: '500' } },
              ],
              status: { code: 'STATUS_CODE_ERROR', message: 'payment declined' },
            },
            {
              traceId: base64Id(TEMPO_TRACE),
              spanId: base64Id(TEMPO_CHILD),
              parentSpanId: base64Id(TEMPO_ROOT),
              name: 'charge card',
              kind: 'SPAN_KIND_CLIENT',
              startTimeUnixNano: String(START_NS + 10_000_000n),
              endTimeUnixNano: String(START_NS + 200_000_000n),
              attributes: [{ key: 'payment.amount', value: { doubleValue: 42.5 } }],
              events: [
                {
                  timeUnixNano: String(START_NS + 150_000_000n),
                  name: 'exception',
                  attributes: [{ key: 'exception.type', value: { stringValue: 'CardDeclined' } }],
                },
              ],
              status: { code: 'STATUS_CODE_ERROR' },
            },
          ],
        },
      ],
    },
  ]
}

const JAEGER_TRACE_64 = '7a3d2c1b0f9e8d7c'
const JAEGER_TRACE = JAEGER_TRACE_64.padStart(32, '0')
const JAEGER_ROOT = '1111111111111111'
const JAEGER_CHILD = '2222222222222222'
const JAEGER_GRANDCHILD = '3333333333333333'
const OTHER_TRACE = 'abcdef0123456789abcdef0123456789'
const START_US = 1772420400123456

/** Returns a three-span trace over two processes, as Jaeger's `GET /api/traces/<id>` returns it. */
function jaegerResponse() {
  return {
    data: [
      {
        traceID: JAEGER_TRACE_64,
        spans: [
          {
            traceID: JAEGER_TRACE_64,
            spanID: JAEGER_ROOT,
            flags: 1,
            operationName: 'GET /cart',
            references: [],
            startTime: START_US,
            duration: 80_000,
            tags: [
              { key: 'span.kind', type: 'string', value: 'server' },
              { key: 'http.method', type: 'string', value: 'GET' },
              { key: 'http.status_code', type: 'int64', value: 200 },
              { key: 'otel.scope.name', type: 'string', value: 'io.opentelemetry.tomcat' },
              { key: 'otel.scope.version', type: 'string', value: '2.1.0' },
              { key: 'w3c.tracestate', type: 'string', value: 'vendor=1' },
              { key: 'internal.span.format', type: 'string', value: 'proto' },
            ],
            logs: [],
            processID: 'p1',
            warnings: null,
          },
          {
            traceID: JAEGER_TRACE_64,
            spanID: JAEGER_CHILD,
            flags: 1,
            operationName: 'SELECT carts',
            references: [
              { refType: 'CHILD_OF', traceID: JAEGER_TRACE_64, spanID: JAEGER_ROOT },
              { refType: 'FOLLOWS_FROM', traceID: OTHER_TRACE, spanID: '4444444444444444' },
            ],
            startTime: START_US + 5_000,
            duration: 30_000,
            tags: [
              { key: 'span.kind', type: 'string', value: 'client' },
              { key: 'db.system', type: 'string', value: 'postgresql' },
              { key: 'db.cached', type: 'bool', value: false },
              { key: 'db.rows', type: 'int64', value: 3 },
              { key: 'db.ratio', type: 'float64', value: 0.75 },
              { key: 'db.key', type: 'binary', value: 'AQID' },
              { key: 'error', type: 'bool', value: true },
            ],
            logs: [
              {
                timestamp: START_US + 20_000,
                fields: [
                  { key: 'event', type: 'string', value: 'retry' },
                  { key: 'attempt', type: 'int64', value: 2 },
                ],
              },
              {
                timestamp: START_US + 25_000,
                fields: [{ key: 'message', type: 'string', value: 'slow query' }],
              },
            ],
            processID: 'p2',
            warnings: null,
          },
          {
            traceID: JAEGER_TRACE_64,
            spanID: JAEGER_GRANDCHILD,
            flags: 1,
            operationName: 'render cart',
            references: [
              { refType: 'FOLLOWS_FROM', traceID: JAEGER_TRACE_64, spanID: JAEGER_CHILD },
            ],
            startTime: START_US + 40_000,
            duration: 10_000,
            tags: [
              { key: 'otel.status_code', type: 'string', value: 'ERROR' },
              { key: 'otel.status_description', type: 'string', value: 'template missing' },
            ],
            logs: [],
            processID: 'p1',
            warnings: null,
          },
        ],
        processes: {
          p1: {
            serviceName: 'frontend',
            tags: [{ key: 'hostname', type: 'string', value: 'web-1' }],
          },
          p2: {
            serviceName: 'cart-db',
            tags: [{ key: 'ip', type: 'string', value: '10.0.0.7' }],
          },
        },
        warnings: null,
      },
    ],
    total: 0,
    limit: 0,
    offset: 0,
    errors: null,
  }
}

interface StandIn {
  url: string
  requests: string[]
  close(): Promise<void>
}

/** Serves `routes` (path to JSON body or raw text) and 404 for any other path. */
async function startStandIn(
  routes: Record<string, unknown>,
  notFoundBody = 'trace not found',
): Promise<StandIn> {
  const requests: string[] = []
  const server: Server = createServer((request, response) => {
    const path = request.url ?? ''
    requests.push(path)
    if (!(path in routes)) {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end(notFoundBody)
      return
    }
    const value = routes[path]
    const text = typeof value === 'string' ? value : JSON.stringify(value)
    response.writeHead(200, { 'Content-Type': 'application/json' }).end(text)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

const standIns: StandIn[] = []
let tempoV2: StandIn
let tempoV1: StandIn
let jaeger: StandIn
let broken: StandIn
let wrongTrace: StandIn
const REQUESTED_TRACE = '1111'.repeat(8)

beforeAll(async () => {
  tempoV2 = await startStandIn({
    [`/tempo/api/v2/traces/${TEMPO_TRACE}`]: {
      trace: { resourceSpans: tempoResourceSpans('scopeSpans') },
      status: 'complete',
    },
  })
  tempoV1 = await startStandIn({
    [`/api/traces/${TEMPO_TRACE}`]: { batches: tempoResourceSpans('instrumentationLibrarySpans') },
  })
  jaeger = await startStandIn(
    { [`/api/traces/${JAEGER_TRACE_64}`]: jaegerResponse() },
    JSON.stringify({ data: null, errors: [{ code: 404, msg: 'trace not found' }] }),
  )
  broken = await startStandIn({ [`/api/traces/${JAEGER_TRACE_64}`]: '<html>proxy error</html>' })
  // Returns another trace than the one requested, as a misrouted proxy would.
  wrongTrace = await startStandIn({
    [`/api/v2/traces/${REQUESTED_TRACE}`]: {
      trace: { resourceSpans: tempoResourceSpans('scopeSpans') },
    },
  })
  standIns.push(tempoV2, tempoV1, jaeger, broken, wrongTrace)
})

afterAll(async () => {
  for (const standIn of standIns) await standIn.close()
})

function byName(detail: TraceDetail): Map<string, SpanJson> {
  return new Map(detail.spans.map((span) => [span.name, span]))
}

describe('loupe import --from tempo', () => {
  const dataDir = makeDataDir('loupe-import-tempo-')

  afterAll(() => removeDir(dataDir))

  it('imports the v2 form under a path prefix', async () => {
    const result = await runCli([
      'import',
      '--from',
      'tempo',
      `${tempoV2.url}/tempo/`,
      TEMPO_TRACE.toUpperCase(),
      '--data',
      dataDir,
    ])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`imported 2 spans of trace ${TEMPO_TRACE} from ${tempoV2.url}`)
    expect(result.stdout).toContain(`loupe show ${TEMPO_TRACE}`)
    expect(tempoV2.requests).toEqual([`/tempo/api/v2/traces/${TEMPO_TRACE}`])
  })

  it('shows the imported tree and attributes', async () => {
    const detail = await cliJson<TraceDetail>(['show', TEMPO_TRACE, '--json', '--data', dataDir])
    const spans = byName(detail)
    const root = spans.get('POST /orders')!
    const child = spans.get('charge card')!
    expect(root.spanId).toBe(TEMPO_ROOT)
    expect(root.parentSpanId).toBeNull()
    expect(child.parentSpanId).toBe(TEMPO_ROOT)
    expect(root.spanKind).toBe('server')
    expect(child.spanKind).toBe('client')
    expect(root.status).toBe('error')
    expect(root.statusMessage).toBe('payment declined')
    expect(root.attributes['http.response.status_code']).toBe(500)
    expect(child.attributes['payment.amount']).toBe(42.5)
    expect(child.events.map((event) => event.name)).toEqual(['exception'])
    expect(root.startTimeUnixNano).toBe(String(START_NS))
    expect(root.serviceName).toBe('checkout')
    expect(root.resource.attributes['k8s.pod.name']).toBe('checkout-7d9f')
    expect(root.scope.name).toBe('opentelemetry.instrumentation.fastapi')
    const text = await runCli(['show', TEMPO_TRACE, '--data', dataDir])
    expect(text.stdout).toMatch(/\nPOST \/orders .*ERROR payment declined\n {2}charge card /)
  })

  it('falls back to the v1 form', async () => {
    const otherDir = makeDataDir('loupe-import-tempo-v1-')
    try {
      const result = await runCli([
        'import',
        '--from',
        'tempo',
        tempoV1.url,
        TEMPO_TRACE,
        '--data',
        otherDir,
      ])
      expect(result.code, result.stderr).toBe(0)
      expect(tempoV1.requests).toEqual([
        `/api/v2/traces/${TEMPO_TRACE}`,
        `/api/traces/${TEMPO_TRACE}`,
      ])
      const detail = await cliJson<TraceDetail>(['show', TEMPO_TRACE, '--json', '--data', otherDir])
      expect(byName(detail).get('charge card')?.parentSpanId).toBe(TEMPO_ROOT)
      expect(byName(detail).get('charge card')?.scope.version).toBe('0.55b0')
    } finally {
      removeDir(otherDir)
    }
  })

  it('reports a trace that is not there', async () => {
    const missing = 'f'.repeat(32)
    const result = await runCli([
      'import',
      '--from',
      'tempo',
      tempoV2.url,
      missing,
      '--data',
      dataDir,
    ])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      `loupe: trace ${missing} not found: Tempo at ${tempoV2.url} returned 404 for ` +
        `/api/v2/traces/${missing} and /api/traces/${missing}. Check the trace id and the base URL.\n`,
    )
  })
})

describe('loupe import --from tempo checks', () => {
  const dataDir = makeDataDir('loupe-import-checks-')

  afterAll(() => removeDir(dataDir))

  it('rejects a trace other than requested', async () => {
    const result = await runCli([
      'import',
      '--from',
      'tempo',
      wrongTrace.url,
      REQUESTED_TRACE,
      '--data',
      dataDir,
    ])
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      `loupe: Tempo at ${wrongTrace.url}/api/v2/traces/${REQUESTED_TRACE} returned trace ` +
        `${TEMPO_TRACE} instead of the requested ${REQUESTED_TRACE}, so nothing was imported. ` +
        'Check that the base URL points at the query API itself.\n',
    )
    expect(result.code).toBe(1)
    const stored = await runCli(['show', TEMPO_TRACE, '--data', dataDir])
    expect(stored.code).not.toBe(0)
  })

  it('rejects credentials without echoing them', async () => {
    const password = 'pw-not-a-real-secret'
    const requestsBefore = tempoV2.requests.length
    const withPassword = tempoV2.url.replace('http://', `http://user:${password}@`)
    const result = await runCli([
      'import',
      '--from',
      'tempo',
      withPassword,
      TEMPO_TRACE,
      '--data',
      dataDir,
    ])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      'loupe: the base URL contains a user name or password; Loupe does not send credentials ' +
        'to a query API, so give a URL without them, e.g. through a local proxy that adds them\n',
    )
    expect(tempoV2.requests).toHaveLength(requestsBefore)

    const unparsable = await runCli([
      'import',
      '--from',
      'tempo',
      `http://user:${password}@[bad`,
      TEMPO_TRACE,
      '--data',
      dataDir,
    ])
    expect(unparsable.code).toBe(1)
    expect(unparsable.stderr).toContain('invalid base URL "http://<credentials>@[bad"')
    expect(unparsable.stderr).not.toContain(password)
  })
})

describe('loupe import --from jaeger', () => {
  const dataDir = makeDataDir('loupe-import-jaeger-')
  let detail: TraceDetail
  let spans: Map<string, SpanJson>

  beforeAll(async () => {
    const result = await runCli([
      'import',
      '--from',
      'jaeger',
      jaeger.url,
      JAEGER_TRACE_64,
      '--data',
      dataDir,
    ])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain(`imported 3 spans of trace ${JAEGER_TRACE} from ${jaeger.url}`)
    detail = await cliJson<TraceDetail>(['show', JAEGER_TRACE, '--json', '--data', dataDir])
    spans = byName(detail)
  })

  afterAll(() => removeDir(dataDir))

  it('builds the tree from references', () => {
    expect(detail.trace.traceId).toBe(JAEGER_TRACE)
    expect(detail.trace.spanCount).toBe(3)
    expect(spans.get('GET /cart')?.parentSpanId).toBeNull()
    expect(spans.get('SELECT carts')?.parentSpanId).toBe(JAEGER_ROOT)
    expect(spans.get('render cart')?.parentSpanId).toBe(JAEGER_CHILD)
    const links = spans.get('SELECT carts')!.links
    expect(links).toHaveLength(1)
    expect(links[0]!.traceId).toBe(OTHER_TRACE)
    expect(links[0]!.spanId).toBe('4444444444444444')
    expect(links[0]!.attributes).toEqual({ 'opentracing.ref_type': 'follows_from' })
  })

  it('maps tags to attributes and span fields', () => {
    const root = spans.get('GET /cart')!
    const query = spans.get('SELECT carts')!
    expect(root.spanKind).toBe('server')
    expect(query.spanKind).toBe('client')
    expect(root.attributes).toEqual({
      'http.method': 'GET',
      'http.status_code': 200,
      'internal.span.format': 'proto',
    })
    expect(root.scope.name).toBe('io.opentelemetry.tomcat')
    expect(root.scope.version).toBe('2.1.0')
    expect(root.traceState).toBe('vendor=1')
    expect(query.attributes).toEqual({
      'db.system': 'postgresql',
      'db.cached': false,
      'db.rows': 3,
      'db.ratio': 0.75,
      'db.key': { bytes: 'AQID' },
    })
    expect(query.status).toBe('error')
    expect(spans.get('render cart')?.status).toBe('error')
    expect(spans.get('render cart')?.statusMessage).toBe('template missing')
    expect(root.status).toBe('unset')
  })

  it('maps processes to resources', () => {
    expect(spans.get('GET /cart')?.serviceName).toBe('frontend')
    expect(spans.get('SELECT carts')?.serviceName).toBe('cart-db')
    expect(spans.get('GET /cart')?.resource.attributes).toEqual({
      'service.name': 'frontend',
      hostname: 'web-1',
    })
    expect(spans.get('SELECT carts')?.resource.attributes['ip']).toBe('10.0.0.7')
  })

  it('maps logs to events and microseconds to nanoseconds', () => {
    const query = spans.get('SELECT carts')!
    expect(spans.get('GET /cart')?.startTimeUnixNano).toBe(`${START_US}000`)
    expect(spans.get('GET /cart')?.endTimeUnixNano).toBe(`${START_US + 80_000}000`)
    expect(query.durationMs).toBe(30)
    expect(query.events.map((event) => event.name)).toEqual(['retry', 'log'])
    expect(query.events[0]!.timeUnixNano).toBe(`${START_US + 20_000}000`)
    expect(query.events[0]!.attributes).toEqual({ attempt: 2 })
    expect(query.events[1]!.attributes).toEqual({ message: 'slow query' })
  })

  it('reports a missing trace, bad JSON and an unreachable host', async () => {
    const missing = await runCli([
      'import',
      '--from',
      'jaeger',
      jaeger.url,
      'abc123',
      '--data',
      dataDir,
    ])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('loupe: trace abc123 not found: Jaeger at')

    const badJson = await runCli([
      'import',
      '--from',
      'jaeger',
      broken.url,
      JAEGER_TRACE_64,
      '--data',
      dataDir,
    ])
    expect(badJson.code).toBe(1)
    expect(badJson.stderr).toContain(
      `the response of ${broken.url}/api/traces/${JAEGER_TRACE_64} is not valid JSON`,
    )
    expect(badJson.stderr).toContain('it starts "<html>proxy error</html>"')

    const closed = await startStandIn({})
    await closed.close()
    const unreachable = await runCli([
      'import',
      '--from',
      'jaeger',
      closed.url,
      JAEGER_TRACE_64,
      '--data',
      dataDir,
    ])
    expect(unreachable.code).toBe(1)
    expect(unreachable.stderr).toMatch(
      /cannot reach http:\/\/127\.0\.0\.1:\d+\/api\/traces\/.*ECONNREFUSED/,
    )

    const badId = await runCli([
      'import',
      '--from',
      'jaeger',
      jaeger.url,
      'not-hex',
      '--data',
      dataDir,
    ])
    expect(badId.stderr).toContain(
      'invalid trace id "not-hex": expected up to 32 hexadecimal digits',
    )
  })
})

describe('POST /api/import', () => {
  it('imports through a running core and maps errors', async () => {
    const loupe = await startTestCore()
    try {
      const imported = await apiJson<RemoteImportResult>(loupe, '/api/import', {
        method: 'POST',
        body: JSON.stringify({ from: 'jaeger', baseUrl: jaeger.url, traceId: JAEGER_TRACE_64 }),
      })
      expect(imported.status).toBe(200)
      expect(imported.body.traceIds).toEqual([JAEGER_TRACE])
      expect(imported.body.spans).toBe(3)
      const trace = await apiJson<{ spanCount: number }>(loupe, `/api/traces/${JAEGER_TRACE}`)
      expect(trace.body.spanCount).toBe(3)

      const missing = await apiJson<{ error: string }>(loupe, '/api/import', {
        method: 'POST',
        body: JSON.stringify({ from: 'tempo', baseUrl: tempoV2.url, traceId: 'abc' }),
      })
      expect(missing.status).toBe(404)
      expect(missing.body.error).toContain('trace abc not found')
      const invalid = await apiJson<{ error: string }>(loupe, '/api/import', {
        method: 'POST',
        body: JSON.stringify({ from: 'zipkin', baseUrl: jaeger.url, traceId: 'abc' }),
      })
      expect(invalid.status).toBe(400)
      expect(invalid.body.error).toMatch(/^invalid import request: from: /)
      const badResponse = await apiJson<{ error: string }>(loupe, '/api/import', {
        method: 'POST',
        body: JSON.stringify({ from: 'jaeger', baseUrl: broken.url, traceId: JAEGER_TRACE_64 }),
      })
      expect(badResponse.status).toBe(502)
      const otherTrace = await apiJson<{ error: string }>(loupe, '/api/import', {
        method: 'POST',
        body: JSON.stringify({ from: 'tempo', baseUrl: wrongTrace.url, traceId: REQUESTED_TRACE }),
      })
      expect(otherTrace.status).toBe(502)
      expect(otherTrace.body.error).toContain(`instead of the requested ${REQUESTED_TRACE}`)
      const notStored = await apiJson<{ error: string }>(loupe, `/api/traces/${TEMPO_TRACE}`)
      expect(notStored.status).toBe(404)
      const credentials = await apiJson<{ error: string }>(loupe, '/api/import', {
        method: 'POST',
        body: JSON.stringify({
          from: 'tempo',
          baseUrl: 'http://user:pw-not-a-real-secret@127.0.0.1:9',
          traceId: TEMPO_TRACE,
        }),
      })
      expect(credentials.status).toBe(400)
      expect(credentials.body.error).not.toContain('pw-not-a-real-secret')

      const cli = await runCli([
        'import',
        '--from',
        'tempo',
        `${tempoV2.url}/tempo`,
        TEMPO_TRACE,
        '--data',
        loupe.dataDir,
      ])
      expect(cli.code, cli.stderr).toBe(0)
      const tempoTrace = await apiJson<{ spanCount: number }>(loupe, `/api/traces/${TEMPO_TRACE}`)
      expect(tempoTrace.body.spanCount).toBe(2)
    } finally {
      await loupe.stop()
      removeDir(loupe.dataDir)
    }
  })
})
