// Search and filters over traces from real SDKs: pydantic-ai agents
// (test/interop/scenarios.py, through Logfire and through plain
// OpenTelemetry) and HTTP request traces with a log record from the
// OpenTelemetry JS SDK. Each filter is checked through GET /api/traces and
// `loupe traces` by the trace ids it returns. Full-text search must find a
// tool argument value and report the span it matched in.

import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs'
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/core/store/database'
import type { TraceDetail } from '../../src/shared/api'
import type { TraceListItem } from '../../src/shared/trace-filter'
import {
  apiJson,
  cliJson,
  removeDir,
  repoRoot,
  runCli,
  startTestCore,
  type TestCore,
} from '../helpers/core'
import { missingPythonMessage, testPython } from '../helpers/python'

const execFileAsync = promisify(execFile)
const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)

const DAY_MS = 86_400_000
const JS_SERVICE = 'search-js-orders'

let loupe: TestCore

/** Trace ids by name: the five agent runs, then the two HTTP requests sent two days ago. */
const ids: Record<string, string> = {}

/** Environment without any OTel or Logfire setting inherited from the machine. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('OTEL_') && !key.startsWith('LOGFIRE_')) env[key] = value
  }
  return { ...env, ...extra }
}

async function runScenario(scenario: string, instrumentation: string): Promise<string> {
  const { stdout } = await execFileAsync(
    python!,
    [join(repoRoot, 'test/interop/scenarios.py'), scenario, instrumentation],
    { env: cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: loupe.otlpHttpUrl }), timeout: 60_000 },
  )
  const traceId = stdout.trim().split('\n').at(-1)!
  expect(traceId).toMatch(/^[0-9a-f]{32}$/)
  return traceId
}

/**
 * Sends two HTTP server traces through the OTel JS SDK's protobuf exporter,
 * two days in the past: a fast order lookup with a log record, and a slow
 * checkout that fails.
 */
async function sendHttpTraces(): Promise<void> {
  const resource = resourceFromAttributes({ 'service.name': JS_SERVICE })
  const tracerProvider = new BasicTracerProvider({
    resource,
    spanProcessors: [
      new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${loupe.otlpHttpUrl}/v1/traces` })),
    ],
  })
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [
      new SimpleLogRecordProcessor({
        exporter: new OTLPLogExporter({ url: `${loupe.otlpHttpUrl}/v1/logs` }),
      }),
    ],
  })
  const tracer = tracerProvider.getTracer('search-test')
  const start = Date.now() - 2 * DAY_MS

  const lookup = tracer.startSpan('GET /orders/{id}', {
    kind: SpanKind.SERVER,
    startTime: start,
    attributes: {
      'http.request.method': 'GET',
      'http.route': '/orders/{id}',
      'http.response.status_code': 200,
      'user.id': 'u-1001',
    },
  })
  loggerProvider.getLogger('search-test').emit({
    body: 'warehouse scanner offline, order read from cache',
    severityText: 'WARN',
    severityNumber: 13,
    context: trace.setSpan(context.active(), lookup),
  })
  lookup.end(start + 40)

  const checkout = tracer.startSpan('POST /checkout', {
    kind: SpanKind.SERVER,
    startTime: start + 1000,
    attributes: {
      'http.request.method': 'POST',
      'http.route': '/checkout',
      'http.response.status_code': 500,
      'user.id': 'u-2002',
    },
  })
  checkout.recordException({ name: 'PaymentDeclined', message: 'card issuer refused the charge' })
  checkout.setStatus({ code: SpanStatusCode.ERROR, message: 'PaymentDeclined' })
  checkout.end(start + 3500)

  await loggerProvider.forceFlush()
  await tracerProvider.forceFlush()
  await loggerProvider.shutdown()
  await tracerProvider.shutdown()
  ids.lookup = lookup.spanContext().traceId
  ids.checkout = checkout.spanContext().traceId
}

beforeAll(async () => {
  loupe = await startTestCore()
  if (python) {
    // One at a time, so that the start times follow this order.
    ids.structured = await runScenario('tools_structured', 'logfire')
    ids.retry = await runScenario('model_retry_exhausted', 'otel')
    ids.toolError = await runScenario('tool_key_error', 'logfire')
    ids.timeout = await runScenario('timeout', 'otel')
    ids.testModel = await runScenario('test_model', 'logfire')
  }
  await sendHttpTraces()
})

afterAll(async () => {
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

/** Lists traces through the API once normalization and indexing caught up, and returns them. */
async function listed(query: string): Promise<TraceListItem[]> {
  const response = await apiJson<TraceListItem[]>(loupe, `/api/traces?wait=1&${query}`)
  expect(response.status, query).toBe(200)
  return response.body
}

/** Returns the names in `ids` of the listed traces, newest first; other traces are left out. */
function namesOf(traces: TraceListItem[]): string[] {
  const byId = new Map(Object.entries(ids).map(([name, id]) => [id, name]))
  return traces.flatMap((t) => (byId.has(t.traceId) ? [byId.get(t.traceId)!] : []))
}

describe('HTTP traces from the OTel JS SDK', () => {
  it('filters by route, attribute, status and duration', async () => {
    const cases: [string, string[]][] = [
      [`service=${JS_SERVICE}`, ['checkout', 'lookup']],
      ['route=/orders/{id}', ['lookup']],
      ['route=/checkout', ['checkout']],
      ['attr.user.id=u-2002', ['checkout']],
      ['attr.http.response.status_code=200', ['lookup']],
      [`service=${JS_SERVICE}&status=error`, ['checkout']],
      [`service=${JS_SERVICE}&errorClass=internal`, ['checkout']],
      [`service=${JS_SERVICE}&minDuration=1s`, ['checkout']],
      [`service=${JS_SERVICE}&maxDuration=100ms`, ['lookup']],
      [`service=${JS_SERVICE}&until=24h`, ['checkout', 'lookup']],
      [`service=${JS_SERVICE}&since=24h`, []],
    ]
    for (const [query, expected] of cases) {
      expect(namesOf(await listed(query)), query).toEqual(expected)
    }
  })

  it('finds text in a log record and an exception', async () => {
    const log = await listed('text=warehouse+scanner')
    expect(namesOf(log)).toEqual(['lookup'])
    expect(log[0]!.match!.field).toBe('log')
    expect(log[0]!.match!.snippet.filter((p) => p.match).map((p) => p.text)).toEqual([
      'warehouse',
      'scanner',
    ])
    const exception = await listed('text=issuer+refused')
    expect(namesOf(exception)).toEqual(['checkout'])
    expect(exception[0]!.match!.field).toBe('error')
  })
})

describe.skipIf(!python)('pydantic-ai agent runs', () => {
  it('finds a tool argument value and names the span', async () => {
    const found = await listed(`text=${encodeURIComponent('"Utrecht, NL"')}`)
    expect(namesOf(found)).toEqual(['retry'])
    const match = found[0]!.match!
    expect(match.snippet.filter((p) => p.match).map((p) => p.text)).toEqual(['Utrecht, NL'])
    // The second model call asked for the call, and the tool span ran it.
    expect(match.matchCount).toBeGreaterThanOrEqual(2)
    const detail = await cliJson<TraceDetail>([
      'show',
      ids.retry!,
      '--json',
      '--data',
      loupe.dataDir,
    ])
    const span = detail.spans.find((s) => s.spanId === match.spanId)!
    expect(span, `span ${match.spanId}`).toBeDefined()
    const carried =
      match.field === 'toolArguments'
        ? span.toolArguments
        : (span.outputMessages ?? []).flatMap((m) => m.parts)
    expect(JSON.stringify(carried)).toContain('Utrecht, NL')
  })

  it('narrows by each filter', async () => {
    const structured = (await listed('attr.scenario=tools_structured'))[0]!
    expect(namesOf([structured])).toEqual(['structured'])
    // The costliest run (the most tokens) is above this; the other priced ones below.
    const threshold = structured.costUsd! * 0.9
    const cases: [string, string[]][] = [
      ['agent=weather_agent', ['testModel', 'timeout', 'toolError', 'retry', 'structured']],
      [
        'since=24h&agent=Weather_Agent',
        ['testModel', 'timeout', 'toolError', 'retry', 'structured'],
      ],
      ['errorClass=timeout', ['timeout']],
      ['errorClass=tool_failed,model_output_invalid', ['toolError', 'retry']],
      ['errorClass=any&agent=weather_agent', ['timeout', 'toolError', 'retry']],
      ['errorClass=none&agent=weather_agent', ['testModel', 'structured']],
      ['status=error&agent=weather_agent', ['timeout', 'toolError', 'retry']],
      ['service=interop-genai-otel', ['timeout', 'retry']],
      ['service=interop-genai-otel&minDuration=1s', ['timeout']],
      ['model=test', ['testModel']],
      ['minTokens=1000', ['structured']],
      [`minCost=${threshold}`, ['structured']],
      [`maxCost=${threshold}`, ['toolError', 'retry']],
      ['attr.scenario=tool_key_error', ['toolError']],
      ['text=Utrecht&errorClass=tool_failed', ['toolError']],
      ['text=forecast&service=interop-genai-logfire', ['testModel', 'structured']],
    ]
    for (const [query, expected] of cases) {
      expect(namesOf(await listed(query)), query).toEqual(expected)
    }
  })

  it('pages a search with before', async () => {
    const first = await listed('agent=weather_agent&limit=2')
    expect(namesOf(first)).toEqual(['testModel', 'timeout'])
    const before = first.at(-1)!.startTimeUnixNano
    const next = await listed(`agent=weather_agent&limit=2&before=${before}`)
    expect(namesOf(next)).toEqual(['toolError', 'retry'])
  })

  it('checks given trace ids against the filter', async () => {
    const some = await listed(`errorClass=any&ids=${ids.structured},${ids.timeout},${ids.checkout}`)
    expect(namesOf(some)).toEqual(['timeout', 'checkout'])
  })
})

describe('loupe traces flags', () => {
  it('filter like the API', async () => {
    const cases: [string[], string[]][] = [
      [['--route', '/orders/{id}'], ['lookup']],
      [['--attr', 'user.id=u-2002'], ['checkout']],
      [['--service', JS_SERVICE, '--min-duration', '1s'], ['checkout']],
      [['--service', JS_SERVICE, '--until', '24h', '--status', 'error'], ['checkout']],
      [['--text', 'warehouse'], ['lookup']],
    ]
    if (python) {
      cases.push(
        [['--error-class', 'timeout'], ['timeout']],
        [['--text', 'Utrecht, NL', '--since', '24h'], ['retry']],
        [['--agent', 'weather_agent', '--model', 'test'], ['testModel']],
        [['--min-tokens', '1000', '--max-cost', '100'], ['structured']],
        [['--attr', 'scenario=tool_key_error', '--error-class', 'any'], ['toolError']],
      )
    }
    for (const [flags, expected] of cases) {
      const traces = await cliJson<TraceListItem[]>([
        'traces',
        '--json',
        '--data',
        loupe.dataDir,
        ...flags,
      ])
      expect(namesOf(traces), flags.join(' ')).toEqual(expected)
    }
  })

  it('prints where the text matched', async () => {
    const result = await runCli(['traces', '--data', loupe.dataDir, '--text', 'scanner offline'])
    expect(result.code, result.stderr).toBe(0)
    const lines = result.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^TRACE\s+START\s+DURATION/)
    expect(lines[1]).toContain(ids.lookup)
    expect(lines[2]).toMatch(/^ {2}log body of span [0-9a-f]{16}: .*«scanner» «offline»/)
  })

  it('names the invalid flag', async () => {
    const cases: [string[], RegExp][] = [
      [['--min-duration', '2x'], /^loupe: invalid --min-duration "2x": expected a duration/],
      [['--error-class', 'slow'], /^loupe: invalid --error-class "slow": expected any, or one/],
      [['--min-cost', '2', '--max-cost', '1'], /^loupe: --max-cost is less than --min-cost/],
      [['--attr', 'novalue'], /^loupe: invalid --attr novalue: expected KEY=VALUE/],
      [['--attr', 'user.id='], /^loupe: missing value in --attr user\.id=: expected KEY=VALUE/],
      [['--since', 'tomorrow'], /^loupe: invalid --since "tomorrow": expected a time before now/],
      [['--since', '2026-02-30'], /^loupe: invalid --since "2026-02-30": not a calendar date$/],
      [['--until', '0001-01-01'], /^loupe: invalid --until "0001-01-01": expected a time between/],
      [
        ['--limit', '100000'],
        /^loupe: invalid --limit "100000": expected a whole number from 1 to 10000\n/,
      ],
      [['--limit', '0'], /^loupe: invalid --limit "0": expected a whole number from 1 to 10000\n/],
    ]
    for (const [flags, message] of cases) {
      const result = await runCli(['traces', '--data', loupe.dataDir, ...flags])
      expect(result.code, flags.join(' ')).toBe(1)
      expect(result.stderr.trim(), flags.join(' ')).toMatch(message)
    }
  })
})

describe('GET /api/traces', () => {
  it('names each invalid parameter', async () => {
    const response = await apiJson<{ error: string; problems: { parameter: string }[] }>(
      loupe,
      '/api/traces?status=broken&minTokens=lots&before=soon&colour=red',
    )
    expect(response.status).toBe(400)
    expect(response.body.problems.map((p) => p.parameter)).toEqual([
      'status',
      'minTokens',
      'colour',
      'before',
    ])
    expect(response.body.error).toContain('invalid status="broken": expected ok, error, unset')
  })

  it('rejects times the store cannot hold', async () => {
    const cases: [string, string, string][] = [
      [
        'since=0001-01-01',
        'since',
        'expected a time between 1970-01-01 and 2262-04-11T23:47:16.854Z',
      ],
      ['since=9999-12-31', 'since', 'the range of signed 64-bit Unix nanoseconds'],
      ['since=2262-04-12', 'since', 'expected a time between 1970-01-01'],
      ['until=99999999d', 'until', 'expected a time at most 106751d before now'],
      ['minDuration=99999999999999999999h', 'minDuration', 'a duration of at most 106751d'],
      ['since=2026-02-30', 'since', 'invalid since="2026-02-30": not a calendar date'],
      ['before=9999999999999999999', 'before', 'at most 9223372036854775807'],
    ]
    for (const [query, parameter, message] of cases) {
      const response = await apiJson<{ error: string; problems: { parameter: string }[] }>(
        loupe,
        `/api/traces?${query}`,
      )
      expect(response.status, query).toBe(400)
      expect(
        response.body.problems.map((p) => p.parameter),
        query,
      ).toEqual([parameter])
      expect(response.body.error, query).toContain(message)
    }
    const everything = await listed(`since=106751d&service=${JS_SERVICE}`)
    expect(namesOf(everything)).toEqual(['checkout', 'lookup'])
  })

  it('rejects an empty attribute value', async () => {
    const response = await apiJson<{ error: string; problems: { parameter: string }[] }>(
      loupe,
      '/api/traces?attr.broken+line=',
    )
    expect(response.status).toBe(400)
    expect(response.body.problems.map((p) => p.parameter)).toEqual(['attr.broken line'])
    expect(response.body.error).toBe(
      'missing value for attr.broken line: expected attr.KEY=VALUE, e.g. attr.user.id=42',
    )
  })

  it('rejects an invalid limit', async () => {
    for (const limit of ['0', '-1', 'abc', '2.5', '10001', '100000', '']) {
      const response = await apiJson<{ error: string; problems: { parameter: string }[] }>(
        loupe,
        `/api/traces?limit=${limit}`,
      )
      expect(response.status, limit).toBe(400)
      expect(
        response.body.problems.map((p) => p.parameter),
        limit,
      ).toEqual(['limit'])
      expect(response.body.error, limit).toBe(
        `invalid limit=${JSON.stringify(limit)}: expected a whole number from 1 to 10000`,
      )
    }
    expect(await listed('limit=1')).toHaveLength(1)
    expect((await listed('limit=10000')).length).toBeGreaterThan(1)
  })

  it('lists every trace without filters', async () => {
    const all = await listed('limit=100')
    expect(all.every((t) => t.match === undefined)).toBe(true)
    expect(new Set(namesOf(all))).toEqual(new Set(Object.keys(ids)))
  })
})

describe('loupe traces without a running core', () => {
  it('indexes what is missing, then searches the folder', async () => {
    await loupe.stop()
    // Forget the index, as in a store written before search existed.
    const db = openDatabase(loupe.dataDir)
    db.exec("DELETE FROM search_text; DELETE FROM meta WHERE key LIKE 'search.%'")
    db.close()
    const traces = await cliJson<TraceListItem[]>([
      'traces',
      '--json',
      '--data',
      loupe.dataDir,
      '--text',
      'issuer refused',
    ])
    expect(namesOf(traces)).toEqual(['checkout'])
    expect(traces[0]!.match!.field).toBe('error')

    const farBack = await runCli(['traces', '--data', loupe.dataDir, '--since', '99999999d'])
    expect(farBack.code).toBe(1)
    expect(farBack.stderr.trim()).toBe(
      'loupe: invalid --since "99999999d": expected a time at most 106751d before now',
    )
  })
})
