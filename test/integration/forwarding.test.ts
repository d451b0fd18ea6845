// Forwarding to an upstream OTLP/HTTP endpoint. The OpenTelemetry JS SDK's
// own exporters send traces (protobuf, and JSON with gzip), logs and
// metrics through a recording proxy to `loupe serve --forward`. A plain
// node:http receiver plays the upstream collector. It must get the bytes,
// Content-Type and Content-Encoding that Loupe got, with the configured
// header, and only once Loupe has stored them. With the upstream down or
// failing, local ingest must still respond with 200 while drops and retries are
// counted in /api/status.

import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http'
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto'
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc'
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs'
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics'
import {
  BasicTracerProvider,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeTracesJson, decodeTracesProto } from '../../src/core/otlp/index'
import type { CoreStatus, TraceSummary } from '../../src/shared/api'
import { makeDataDir, postOtlp, removeDir, startTestCore, type TestCore } from '../helpers/core'
import { serveUntilExit, startServe, type ServedLoupe } from '../helpers/serve'
import { waitFor } from '../helpers/sse'

const SECRET = 'Bearer sk-test-not-a-real-key'

interface Recorded {
  path: string
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

interface Listening {
  server: Server
  url: string
  close(): Promise<void>
}

async function listen(server: Server): Promise<Listening> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function readBody(request: import('node:http').IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => resolve(Buffer.concat(chunks)))
    request.on('error', reject)
  })
}

interface Upstream extends Listening {
  received: Recorded[]
  /** Statuses to respond with, in order; 200 once they run out. */
  statuses: number[]
}

/**
 * Starts the stand-in collector. `onTraces` runs before it responds to a
 * trace request, with the request's trace ids.
 */
async function startUpstream(onTraces?: (traceIds: string[]) => Promise<void>): Promise<Upstream> {
  const received: Recorded[] = []
  const statuses: number[] = []
  const server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request)
      const recorded = { path: request.url ?? '', headers: request.headers, body }
      if (onTraces && request.url === '/v1/traces') await onTraces(traceIdsOf(recorded))
      received.push(recorded)
      const status = statuses.shift() ?? 200
      if (status === 503) response.setHeader('Retry-After', '0')
      response.writeHead(status, { 'Content-Type': 'application/json' }).end('{}')
    })()
  })
  return { ...(await listen(server)), received, statuses }
}

/** Returns the trace ids in a recorded OTLP trace request. */
function traceIdsOf(recorded: Recorded): string[] {
  const plain =
    recorded.headers['content-encoding'] === 'gzip' ? gunzipSync(recorded.body) : recorded.body
  const decoded = String(recorded.headers['content-type']).startsWith('application/json')
    ? decodeTracesJson(plain.toString('utf8'))
    : decodeTracesProto(plain)
  return [...new Set(decoded.groups.flatMap((group) => group.spans.map((s) => s.traceId)))]
}

/**
 * Starts a proxy that records each request as the exporter sent it and
 * passes it on to `target` unchanged, with Loupe's response.
 */
async function startTap(target: string): Promise<Listening & { sent: Recorded[] }> {
  const sent: Recorded[] = []
  const server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request)
      sent.push({ path: request.url ?? '', headers: request.headers, body })
      const headers: Record<string, string> = {
        'Content-Type': String(request.headers['content-type']),
        'Content-Length': String(body.length),
      }
      if (request.headers['content-encoding']) {
        headers['Content-Encoding'] = request.headers['content-encoding']
      }
      const onward = httpRequest(
        `${target}${request.url}`,
        { method: 'POST', headers },
        (reply) => {
          response.writeHead(reply.statusCode ?? 502, reply.headers)
          reply.pipe(response)
        },
      )
      onward.end(body)
    })()
  })
  return { ...(await listen(server)), sent }
}

async function statusOf(base: string, token: string): Promise<CoreStatus> {
  const response = await fetch(`${base}/api/status`, {
    headers: { Authorization: `Bearer ${token}` },
  })
  return (await response.json()) as CoreStatus
}

async function sendTrace(exporter: SpanExporter, name: string): Promise<string> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'forwarding-test' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  })
  const span = provider.getTracer('forwarding-test').startSpan(name)
  span.end()
  await provider.forceFlush()
  await provider.shutdown()
  return span.spanContext().traceId
}

describe('loupe serve --forward', () => {
  const dataDir = makeDataDir('loupe-forward-')
  let loupe: ServedLoupe
  let upstream: Upstream
  let tap: Listening & { sent: Recorded[] }
  /** For each trace id the upstream received, whether Loupe had stored it by then. */
  const storedOnArrival = new Map<string, boolean>()

  beforeAll(async () => {
    upstream = await startUpstream(async (traceIds) => {
      for (const traceId of traceIds) {
        const response = await fetch(`${loupe.discovery.uiUrl}/api/traces/${traceId}`, {
          headers: { Authorization: `Bearer ${loupe.discovery.token}` },
        })
        await response.arrayBuffer()
        storedOnArrival.set(traceId, response.status === 200)
      }
    })
    loupe = await startServe(dataDir, [
      '--forward',
      `${upstream.url}/`,
      '--forward-header',
      `Authorization: ${SECRET}`,
      '--log-level',
      'debug',
    ])
    tap = await startTap(loupe.otlpHttpUrl)
  })

  afterAll(async () => {
    await loupe?.stop()
    await tap?.close()
    await upstream?.close()
    removeDir(dataDir)
  })

  /** Waits for the upstream's next request and checks it against the one the tap recorded. */
  async function expectForwardedAsReceived(path: string): Promise<Recorded> {
    const original = tap.sent.at(-1)!
    expect(original.path).toBe(path)
    const copy = await waitFor(`the upstream to receive ${path}`, () =>
      upstream.received.find((r) => r.body.equals(original.body)),
    )
    expect(copy.path).toBe(path)
    expect(copy.headers['content-type']).toBe(original.headers['content-type'])
    expect(copy.headers['content-encoding']).toBe(original.headers['content-encoding'])
    expect(copy.headers.authorization).toBe(SECRET)
    expect(copy.body.length).toBeGreaterThan(0)
    return copy
  }

  it('prints the target without header values', () => {
    expect(loupe.output()).toContain(`Forwarding: ${upstream.url} (headers: Authorization)`)
  })

  it('forwards protobuf traces byte for byte', async () => {
    const traceId = await sendTrace(
      new ProtoExporter({ url: `${tap.url}/v1/traces` }),
      'checkout (protobuf)',
    )
    const copy = await expectForwardedAsReceived('/v1/traces')
    expect(copy.headers['content-type']).toBe('application/x-protobuf')
    expect(copy.headers['content-encoding']).toBeUndefined()
    expect(storedOnArrival.get(traceId)).toBe(true)
  })

  it('forwards gzip JSON traces still compressed', async () => {
    const traceId = await sendTrace(
      new JsonExporter({ url: `${tap.url}/v1/traces`, compression: CompressionAlgorithm.GZIP }),
      'checkout (json, gzip)',
    )
    const copy = await expectForwardedAsReceived('/v1/traces')
    expect(copy.headers['content-type']).toBe('application/json')
    expect(copy.headers['content-encoding']).toBe('gzip')
    expect(copy.body[0]).toBe(0x1f)
    expect(copy.body[1]).toBe(0x8b)
    expect(storedOnArrival.get(traceId)).toBe(true)
  })

  it('forwards logs and metrics', async () => {
    const logs = new LoggerProvider({
      processors: [
        new SimpleLogRecordProcessor({
          exporter: new OTLPLogExporter({ url: `${tap.url}/v1/logs` }),
        }),
      ],
    })
    logs.getLogger('forwarding-test').emit({ body: 'job finished', severityNumber: 9 })
    await logs.forceFlush()
    await logs.shutdown()
    await expectForwardedAsReceived('/v1/logs')

    const meters = new MeterProvider({
      readers: [
        new PeriodicExportingMetricReader({
          exporter: new OTLPMetricExporter({ url: `${tap.url}/v1/metrics` }),
          exportIntervalMillis: 3_600_000,
        }),
      ],
    })
    meters.getMeter('forwarding-test').createCounter('jobs').add(3)
    await meters.forceFlush()
    await meters.shutdown()
    await expectForwardedAsReceived('/v1/metrics')
  })

  it('forwards gRPC traces as protobuf over HTTP', async () => {
    const before = upstream.received.length
    const traceId = await sendTrace(
      new GrpcExporter({ url: `http://${loupe.grpcAddress}` }),
      'checkout (grpc)',
    )
    const copy = await waitFor('the upstream to receive the gRPC trace', () =>
      upstream.received.slice(before).find((r) => traceIdsOf(r).includes(traceId)),
    )
    expect(copy.path).toBe('/v1/traces')
    expect(copy.headers['content-type']).toBe('application/x-protobuf')
    expect(copy.headers['content-encoding']).toBeUndefined()
    expect(copy.headers.authorization).toBe(SECRET)
    expect(storedOnArrival.get(traceId)).toBe(true)
  })

  it('keeps the local copy and counts what was sent', async () => {
    const response = await fetch(`${loupe.discovery.uiUrl}/api/traces?limit=10`, {
      headers: { Authorization: `Bearer ${loupe.discovery.token}` },
    })
    const traces = (await response.json()) as TraceSummary[]
    expect(traces.map((t) => t.rootName).sort()).toEqual([
      'checkout (grpc)',
      'checkout (json, gzip)',
      'checkout (protobuf)',
    ])
    const status = await waitFor('every forwarded request to be acknowledged', async () => {
      const current = await statusOf(loupe.discovery.uiUrl, loupe.discovery.token)
      // Every request through the tap, and the gRPC one.
      const expected = tap.sent.length + 1
      return current.forwarding?.sentRequests === expected ? current : undefined
    })
    expect(status.forwarding?.endpoint).toBe(upstream.url)
    expect(status.forwarding?.headerNames).toEqual(['Authorization'])
    expect(status.forwarding?.dropped.total).toBe(0)
    expect(status.forwarding?.queuedRequests).toBe(0)
    expect(JSON.stringify(status)).not.toContain('sk-test-not-a-real-key')
  })

  it('never logs the header value', () => {
    expect(loupe.output()).toContain('forwarding received telemetry to')
    expect(loupe.output()).not.toContain('sk-test-not-a-real-key')
  })
})

/** Returns a trace request with one span, as OTLP/JSON. */
function traceBody(index: number): string {
  const traceId = (0xabc000 + index).toString(16).padStart(32, '0')
  return JSON.stringify({
    resourceSpans: [
      {
        resource: {
          attributes: [{ key: 'service.name', value: { stringValue: 'forwarding-test' } }],
        },
        scopeSpans: [
          {
            spans: [
              {
                traceId,
                spanId: (0x100 + index).toString(16).padStart(16, '0'),
                name: `job ${index}`,
                startTimeUnixNano: '1772420400000000000',
                endTimeUnixNano: '1772420401000000000',
              },
            ],
          },
        ],
      },
    ],
  })
}

describe('forwarding to a failing upstream', () => {
  let loupe: TestCore | undefined

  afterAll(async () => {
    await loupe?.stop()
    if (loupe) removeDir(loupe.dataDir)
  })

  it('stores locally and counts drops while the upstream is down', async () => {
    const closed = await listen(createServer())
    const deadUrl = closed.url
    await closed.close()
    loupe = await startTestCore(makeDataDir(), {
      forward: {
        url: deadUrl,
        headers: {},
        maxQueuedRequests: 2,
        maxAttempts: 2,
        // Long enough that the queue is still full when the later requests arrive.
        initialBackoffMs: 1000,
        maxBackoffMs: 1000,
      },
    })
    const replies = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        postOtlp(loupe!.otlpHttpUrl, '/v1/traces', traceBody(i), {
          'Content-Type': 'application/json',
        }),
      ),
    )
    for (const [i, reply] of replies.entries()) expect(reply.status, `request ${i}`).toBe(200)
    expect(loupe.core.status().traceCount).toBe(12)
    const forwarding = await waitFor('every request to be dropped', () => {
      const current = loupe!.core.status().forwarding!
      return current.dropped.total === 12 ? current : undefined
    })
    expect(forwarding.sentRequests).toBe(0)
    expect(forwarding.dropped.queueFull).toBeGreaterThan(0)
    expect(forwarding.dropped.retriesExhausted).toBeGreaterThan(0)
    expect(forwarding.dropped.queueFull + forwarding.dropped.retriesExhausted).toBe(12)
    expect(forwarding.retries).toBeGreaterThan(0)
    expect(forwarding.lastError?.message).toMatch(/^request failed: .*ECONNREFUSED/)
    expect(forwarding.queuedRequests).toBe(0)
  })

  it('retries a 503 and drops a 400', async () => {
    const upstream = await startUpstream()
    try {
      upstream.statuses.push(503)
      await loupe?.stop()
      loupe = await startTestCore(makeDataDir(), {
        forward: { url: upstream.url, headers: {}, initialBackoffMs: 20 },
      })
      const first = traceBody(100)
      const reply = await postOtlp(loupe.otlpHttpUrl, '/v1/traces', first, {
        'Content-Type': 'application/json',
      })
      expect(reply.status).toBe(200)
      await waitFor('the retried request to be sent', () =>
        loupe!.core.status().forwarding!.sentRequests === 1 ? true : undefined,
      )
      expect(upstream.received.map((r) => r.body.toString())).toEqual([first, first])
      expect(loupe.core.status().forwarding?.retries).toBe(1)

      upstream.statuses.push(400)
      await postOtlp(loupe.otlpHttpUrl, '/v1/traces', traceBody(101), {
        'Content-Type': 'application/json',
      })
      await waitFor('the rejected request to be dropped', () =>
        loupe!.core.status().forwarding!.dropped.rejected === 1 ? true : undefined,
      )
      const forwarding = loupe.core.status().forwarding!
      expect(forwarding.lastError?.message).toBe('the upstream responded with HTTP 400')
      expect(forwarding.sentRequests).toBe(1)
      expect(upstream.received).toHaveLength(3)
    } finally {
      await upstream.close()
    }
  })
})

describe('forwarding settings on the command line', () => {
  const dataDir = makeDataDir('loupe-forward-args-')

  afterAll(() => removeDir(dataDir))

  it('rejects forwarding to itself', async () => {
    const probe = await listen(createServer())
    const port = new URL(probe.url).port
    await probe.close()
    const result = await serveUntilExit(dataDir, [
      '--port',
      port,
      '--forward',
      `http://localhost:${port}`,
    ])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("is this Loupe's own OTLP/HTTP receiver")
  })

  it('rejects a signal path and a header without a colon', async () => {
    const path = await serveUntilExit(dataDir, ['--forward', 'http://127.0.0.1:9/v1/traces'])
    expect(path.code).toBe(1)
    expect(path.stderr).toContain('give the base URL without it')
    const header = await serveUntilExit(dataDir, [
      '--forward',
      'http://127.0.0.1:9',
      '--forward-header',
      'sk-test-not-a-real-key',
    ])
    expect(header.code).toBe(1)
    expect(header.stderr).toContain("expected 'Name: value', with a colon after the name")
    expect(header.stderr).not.toContain('sk-test-not-a-real-key')
  })
})
