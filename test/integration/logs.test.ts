// The logs API over real senders: OTLP log records from the OpenTelemetry JS
// logs SDK, and a `logfire.info` that the Logfire Python SDK sends as a log
// span inside a span (test/interop/chat_turn.py). Both are listed together,
// newest first, filtered and paged, and each shows in the span it was logged
// in.

import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { context, trace } from '@opentelemetry/api'
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs'
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TraceDetail } from '../../src/shared/api'
import type { LogEntryJson, LogPage } from '../../src/shared/logs'
import {
  agentEnv,
  apiJson,
  removeDir,
  repoRoot,
  startTestCore,
  type TestCore,
} from '../helpers/core'
import { missingPythonMessage, testPython } from '../helpers/python'

const execFileAsync = promisify(execFile)
const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)

/** The records the JS logger sends, oldest first, with their OTel severity numbers. */
const NODE_RECORDS: [string, string, number][] = [
  ['cache warmed', 'DEBUG', 5],
  ['order 17 shipped', 'INFO', 9],
  ['slow upstream: 2.5 s', 'WARN', 13],
  ['payment failed for order 17', 'ERROR', 17],
]

let loupe: TestCore
let nodeTraceId: string
let nodeSpanId: string
let pythonTraceId: string | null = null

beforeAll(async () => {
  loupe = await startTestCore()
  const tracerProvider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'logs-node' }),
    spanProcessors: [
      new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${loupe.otlpHttpUrl}/v1/traces` })),
    ],
  })
  const loggerProvider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'logs-node' }),
    processors: [
      new SimpleLogRecordProcessor({
        exporter: new OTLPLogExporter({ url: `${loupe.otlpHttpUrl}/v1/logs` }),
      }),
    ],
  })
  const span = tracerProvider.getTracer('logs-test').startSpan('process order')
  const logger = loggerProvider.getLogger('logs-test')
  const start = Date.now() - 60_000
  NODE_RECORDS.forEach(([body, severityText, severityNumber], index) => {
    logger.emit({
      body,
      severityText,
      severityNumber,
      // A second apart, so that time filters and the order are exact.
      timestamp: start + index * 1000,
      attributes: { 'order.id': 17 },
      context: trace.setSpan(context.active(), span),
    })
  })
  span.end()
  await loggerProvider.forceFlush()
  await tracerProvider.forceFlush()
  nodeTraceId = span.spanContext().traceId
  nodeSpanId = span.spanContext().spanId
  await loggerProvider.shutdown()
  await tracerProvider.shutdown()

  if (python) {
    const { stdout } = await execFileAsync(python, [join(repoRoot, 'test/interop/chat_turn.py')], {
      env: agentEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: loupe.otlpHttpUrl,
        LOGFIRE_SEND_TO_LOGFIRE: 'false',
      }),
      timeout: 90_000,
    })
    pythonTraceId = stdout.trim().split('\n').at(-1)!
  }
  await loupe.core.whenNormalized()
})

afterAll(async () => {
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

async function logPage(query = ''): Promise<LogPage> {
  const { status, body } = await apiJson<LogPage>(loupe, `/api/logs?wait=1${query}`)
  expect(status, JSON.stringify(body)).toBe(200)
  return body
}

function bodies(records: LogEntryJson[]): string[] {
  return records.map((record) => String(record.body))
}

describe('logs of the OTel JS logs SDK', () => {
  it('lists the records newest first', async () => {
    const page = await logPage('&service=logs-node')
    expect(bodies(page.records)).toEqual(NODE_RECORDS.map(([body]) => body).reverse())
    const error = page.records[0]!
    expect(error.source).toBe('otlp')
    expect(error.severityText).toBe('ERROR')
    expect(error.severityNumber).toBe(17)
    expect(error.serviceName).toBe('logs-node')
    expect(error.traceId).toBe(nodeTraceId)
    expect(error.spanId).toBe(nodeSpanId)
    expect(error.logSpanId).toBeNull()
    expect(error.attributes['order.id']).toBe(17)
    expect(page.nextBefore).toBeNull()
    expect(page.services).toContain('logs-node')
  })

  it('filters by severity, text and time', async () => {
    expect(bodies((await logPage('&service=logs-node&minSeverity=13')).records)).toEqual([
      'payment failed for order 17',
      'slow upstream: 2.5 s',
    ])
    expect(bodies((await logPage('&text=ORDER%2017')).records)).toEqual([
      'payment failed for order 17',
      'order 17 shipped',
    ])
    expect(bodies((await logPage('&text=100%25')).records)).toEqual([])
    const { records } = await logPage('&service=logs-node')
    const second = records[2]!
    const third = records[1]!
    const since = encodeURIComponent(second.time)
    const until = encodeURIComponent(third.time)
    expect(bodies((await logPage(`&since=${since}&until=${until}`)).records)).toEqual([
      'order 17 shipped',
    ])
    const future = encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())
    expect((await logPage(`&since=${future}`)).records).toEqual([])
  })

  it('pages with the cursor', async () => {
    const all = (await logPage('&limit=1000')).records
    const paged: LogEntryJson[] = []
    let before: string | null = null
    for (let pageCount = 0; pageCount < 10; pageCount++) {
      const query: string = before === null ? '' : `&before=${encodeURIComponent(before)}`
      const page = await logPage(`&limit=2${query}`)
      paged.push(...page.records)
      before = page.nextBefore
      if (before === null) break
    }
    expect(before).toBeNull()
    expect(paged.map((record) => record.cursor)).toEqual(all.map((record) => record.cursor))
  })

  it('shows in the span it was logged in', async () => {
    const { body } = await apiJson<LogEntryJson[]>(loupe, `/api/traces/${nodeTraceId}/logs`)
    expect(bodies(body)).toEqual(NODE_RECORDS.map(([text]) => text))
    for (const record of body) expect(record.spanId).toBe(nodeSpanId)
  })

  it('rejects bad parameters', async () => {
    for (const [query, message] of [
      ['minSeverity=25', /^invalid minSeverity=25: expected a whole number from 0 to 24$/],
      ['since=yesterday', /^invalid since=yesterday: expected an ISO 8601 time/],
      ['trace=xyz', /^invalid trace=xyz: expected 32 hex digits$/],
      ['before=7', /^invalid before=7: pass the cursor/],
      ['limit=0', /^invalid limit=0/],
    ] as const) {
      const { status, body } = await apiJson<{ error: string }>(loupe, `/api/logs?${query}`)
      expect(status, query).toBe(400)
      expect(body.error).toMatch(message)
    }
  })
})

describe.skipIf(!python)('logfire.info of the Logfire Python SDK', () => {
  it('lists the log in the logs view', async () => {
    const page = await logPage('&service=interop-chat')
    expect(page.records).toHaveLength(1)
    const log = page.records[0]!
    expect(log.source).toBe('span')
    expect(log.body).toMatch(/^chat turn used \d+ tokens$/)
    expect(log.severityText).toBe('info')
    expect(log.severityNumber).toBe(9)
    expect(log.traceId).toBe(pythonTraceId)
    expect(log.attributes['tokens']).toBeGreaterThan(0)

    const detail = await apiJson<TraceDetail>(loupe, `/api/traces/${pythonTraceId}/full`)
    const turn = detail.body.spans.find((span) => span.name === 'chat_turn')!
    const logSpan = detail.body.spans.find(
      (span) => span.attributes['logfire.span_type'] === 'log',
    )!
    expect(log.spanId).toBe(turn.spanId)
    expect(log.logSpanId).toBe(logSpan.spanId)
  })

  it('shows the log in its span', async () => {
    const { body } = await apiJson<LogEntryJson[]>(loupe, `/api/traces/${pythonTraceId}/logs`)
    const detail = await apiJson<TraceDetail>(loupe, `/api/traces/${pythonTraceId}/full`)
    const turn = detail.body.spans.find((span) => span.name === 'chat_turn')!
    expect(body).toHaveLength(1)
    expect(body[0]!.spanId).toBe(turn.spanId)
    expect(body[0]!.body).toMatch(/^chat turn used \d+ tokens$/)
  })

  it('filters it with the OTLP records', async () => {
    expect(bodies((await logPage('&text=chat%20turn')).records)).toHaveLength(1)
    const infoAndUp = bodies((await logPage('&minSeverity=9')).records)
    expect(infoAndUp).toHaveLength(4)
    expect(infoAndUp).not.toContain('cache warmed')
    expect(bodies((await logPage('&minSeverity=13')).records)).toEqual([
      'payment failed for order 17',
      'slow upstream: 2.5 s',
    ])
    expect(bodies((await logPage(`&trace=${pythonTraceId}`)).records)).toHaveLength(1)
  })
})
