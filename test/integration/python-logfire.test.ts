// A real pydantic-ai agent instrumented with the Logfire Python SDK sends to
// Loupe, configured by environment variables only, in both documented ways.

import { execFile, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SpanJson, TraceDetail } from '../../src/shared/api'
import { cliJson, removeDir, repoRoot, startTestCore, type TestCore } from '../helpers/core'
import { missingPythonMessage, testPython } from '../helpers/python'

const execFileAsync = promisify(execFile)
const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)

let loupe: TestCore

beforeAll(async () => {
  loupe = await startTestCore()
})

afterAll(async () => {
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

/** Environment without any OTel or Logfire setting inherited from the machine. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('OTEL_') && !key.startsWith('LOGFIRE_')) env[key] = value
  }
  return { ...env, ...extra }
}

async function runAgent(env: Record<string, string>): Promise<{ traceId: string; stderr: string }> {
  const { stdout, stderr } = await execFileAsync(
    python!,
    [join(repoRoot, 'test/interop/chat_turn.py')],
    {
      env: cleanEnv(env),
      timeout: 90_000,
    },
  )
  const traceId = stdout.trim().split('\n').at(-1)!
  expect(traceId).toMatch(/^[0-9a-f]{32}$/)
  return { traceId, stderr }
}

function spanNamed(spans: SpanJson[], predicate: (s: SpanJson) => boolean, what: string): SpanJson {
  const found = spans.filter(predicate)
  expect(found, `exactly one ${what} among ${spans.map((s) => s.name).join(', ')}`).toHaveLength(1)
  return found[0]!
}

function checkChatTurn(detail: TraceDetail): void {
  const { spans } = detail
  const turn = spanNamed(spans, (s) => s.name === 'chat_turn', 'chat_turn span')
  expect(turn.parentSpanId).toBeNull()
  expect(turn.attributes['user_id']).toBe('u-123')
  expect(detail.trace.rootName).toBe('chat_turn')
  expect(detail.trace.serviceName).toBe('interop-chat')
  expect(detail.trace.complete).toBe(true)

  const agentRun = spanNamed(
    spans,
    (s) => s.name === 'invoke_agent weather_agent' || s.name === 'agent run',
    'agent run span',
  )
  expect(agentRun.parentSpanId).toBe(turn.spanId)

  const modelCalls = spans.filter((s) => s.attributes['gen_ai.operation.name'] === 'chat')
  expect(modelCalls.map((s) => s.name)).toEqual(['chat test', 'chat test'])
  for (const call of modelCalls) expect(call.parentSpanId).toBe(agentRun.spanId)

  const tools = spans.filter((s) => s.attributes['gen_ai.tool.name'] !== undefined)
  expect(tools.map((s) => s.attributes['gen_ai.tool.name']).sort()).toEqual([
    'get_forecast',
    'get_humidity',
  ])
  for (const tool of tools) expect(tool.parentSpanId).toBe(agentRun.spanId)

  const log = spanNamed(
    spans,
    (s) => s.attributes['logfire.span_type'] === 'log',
    'logfire.info record',
  )
  expect(log.parentSpanId).toBe(turn.spanId)
  // Logfire names a log after its template and puts the formatted text in logfire.msg.
  expect(log.name).toBe('chat turn used {tokens} tokens')
  expect(log.attributes['logfire.msg']).toMatch(/^chat turn used \d+ tokens$/)
  expect(log.attributes['logfire.level_num']).toBe(9)

  // No pending span is left showing once the real spans arrived.
  expect(spans.filter((s) => s.inProgress)).toEqual([])
  expect(spans.filter((s) => s.attributes['logfire.span_type'] === 'pending_span')).toEqual([])
  expect(detail.trace.inProgressCount).toBe(0)
  expect(detail.trace.spanCount).toBe(spans.length)
}

describe.skipIf(!python)('pydantic-ai with Logfire', () => {
  it('arrives through OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
    const { traceId } = await runAgent({
      OTEL_EXPORTER_OTLP_ENDPOINT: loupe.otlpHttpUrl,
      LOGFIRE_SEND_TO_LOGFIRE: 'false',
    })
    const detail = await cliJson<TraceDetail>(['show', traceId, '--json', '--data', loupe.dataDir])
    checkChatTurn(detail)
  })

  it('arrives through LOGFIRE_TOKEN and LOGFIRE_BASE_URL', async () => {
    const { traceId, stderr } = await runAgent({
      LOGFIRE_TOKEN: 'loupe-local',
      LOGFIRE_BASE_URL: loupe.otlpHttpUrl,
    })
    // The SDK probes GET /v1/info and warns when it fails.
    expect(stderr).not.toMatch(/warning|error|traceback/i)
    const detail = await cliJson<TraceDetail>(['show', traceId, '--json', '--data', loupe.dataDir])
    checkChatTurn(detail)
    // This path is gzip-compressed protobuf carrying pending spans.
    const pending = loupe.core.database
      .prepare('SELECT count(*) AS n FROM spans WHERE trace_id = ? AND pending = 1')
      .get(traceId) as { n: number }
    expect(pending.n).toBe(0)
  })
})

describe.skipIf(!python)('OpenTelemetry Python SDK', () => {
  it('sends 64-bit integers, bytes and integral doubles exactly', async () => {
    const { stdout } = await execFileAsync(
      python!,
      [join(repoRoot, 'test/interop/otel_attributes.py')],
      {
        env: cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: loupe.otlpHttpUrl }),
        timeout: 60_000,
      },
    )
    const traceId = stdout.trim()
    const detail = await cliJson<TraceDetail>(['show', traceId, '--json', '--data', loupe.dataDir])
    const span = detail.spans[0]!
    expect(span.startTimeUnixNano).toBe('1772420400123456789')
    expect(span.endTimeUnixNano).toBe('1772420400123456790')
    expect(span.attributes['py.int64_max']).toBe('9223372036854775807')
    expect(span.attributes['py.int64_min']).toBe('-9223372036854775808')
    expect(span.attributes['py.bytes']).toEqual({
      bytes: Buffer.from([0, 1, 0xfe, 0xff]).toString('base64'),
    })
    expect(span.attributes['py.double_integral']).toBe(2)
    expect(span.attributes['py.bool_array']).toEqual([true, false])

    // Export keeps the original types, which the JSON shape alone cannot tell apart.
    const exported = await cliJson<{
      resourceSpans: { scopeSpans: { spans: { attributes: unknown[] }[] }[] }[]
    }>(['export', traceId, '--data', loupe.dataDir])
    const attributes = exported.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes
    expect(attributes).toContainEqual({
      key: 'py.int64_max',
      value: { intValue: '9223372036854775807' },
    })
    expect(attributes).toContainEqual({ key: 'py.bytes', value: { bytesValue: 'AAH+/w==' } })
    expect(attributes).toContainEqual({ key: 'py.double_integral', value: { doubleValue: 2 } })
  })
})

describe.skipIf(!python)('Logfire pending spans', () => {
  it('show a running span as in progress until it ends', async () => {
    const child = spawn(python!, [join(repoRoot, 'test/interop/long_span.py')], {
      env: cleanEnv({ LOGFIRE_TOKEN: 'loupe-local', LOGFIRE_BASE_URL: loupe.otlpHttpUrl }),
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
    const traceId = String((await lines.next()).value)
    expect(traceId).toMatch(/^[0-9a-f]{32}$/)

    const running = await cliJson<TraceDetail>(['show', traceId, '--json', '--data', loupe.dataDir])
    const job = running.spans.find((s) => s.name === 'long job')!
    expect(job.inProgress).toBe(true)
    expect(running.spans.find((s) => s.name === 'step one')!.parentSpanId).toBe(job.spanId)
    expect(running.trace.inProgressCount).toBe(1)
    expect(running.trace.complete).toBe(false)
    expect(running.trace.spanCount).toBe(1)

    child.stdin!.write('go\n')
    expect((await lines.next()).value).toBe('done')
    const finished = await cliJson<TraceDetail>([
      'show',
      traceId,
      '--json',
      '--data',
      loupe.dataDir,
    ])
    expect(finished.spans.map((s) => [s.name, s.inProgress]).sort()).toEqual([
      ['long job', false],
      ['step one', false],
    ])
    expect(finished.spans.find((s) => s.name === 'long job')!.spanId).toBe(job.spanId)
    expect(finished.trace.inProgressCount).toBe(0)
    expect(finished.trace.complete).toBe(true)
    expect(finished.trace.rootName).toBe('long job')
    expect(finished.trace.spanCount).toBe(2)
  })
})
