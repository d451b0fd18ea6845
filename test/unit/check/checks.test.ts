// The readiness checks' judgement on small hand-built traces: the cases that
// real SDK runs rarely produce on demand (a retry without backoff, a 200 for
// a failed run, a scrubbed session id, a store written with redaction off).
// The integration tests in test/integration/check.test.ts run the same checks
// on traces from real pydantic-ai agents.

import { describe, expect, test } from 'vitest'
import type { AttributeMap } from '../../../src/shared/api'
import type { ErrorClass } from '../../../src/shared/genai'
import { AgentNamesCheck } from '../../../src/core/check/agents'
import { findingOf, type ReadinessCheck } from '../../../src/core/check/check'
import { SecretsCheck } from '../../../src/core/check/content'
import { ErrorStatusCheck } from '../../../src/core/check/error-status'
import { ModelTimeoutsCheck, RateLimitRetriesCheck } from '../../../src/core/check/model-calls'
import { EnvironmentCheck, ServiceNameCheck } from '../../../src/core/check/resources'
import { TraceView } from '../../../src/core/check/trace-view'
import type { CheckResource, CheckSpan } from '../../../src/core/check/traces'
import { UserIdsCheck } from '../../../src/core/check/user-ids'

const TRACE_ID = 'a1'.repeat(16)
const MS = 1_000_000n

const appResource: CheckResource = {
  id: 1,
  serviceName: 'support-desk',
  attributes: { 'service.name': 'support-desk', 'deployment.environment.name': 'staging' },
}
const gatewayResource: CheckResource = {
  id: 2,
  serviceName: 'loupe-gateway',
  attributes: { 'service.name': 'loupe-gateway' },
}

let nextSpan = 1

function span(fields: Partial<CheckSpan> & { errorClass?: ErrorClass }): CheckSpan {
  const spanId = fields.spanId ?? (nextSpan++).toString(16).padStart(16, '0')
  return {
    traceId: TRACE_ID,
    spanId,
    parentSpanId: null,
    name: 'span',
    spanKind: 'internal',
    startNs: 0n,
    endNs: 10n * MS,
    status: 'unset',
    statusMessage: '',
    attributes: {},
    events: [],
    resource: appResource,
    scopeName: 'pydantic-ai',
    kind: 'other',
    normalized: true,
    agentName: null,
    errorClass: 'none',
    error: null,
    ...fields,
  }
}

function serverSpan(status: number, attributes: AttributeMap = {}): CheckSpan {
  return span({
    name: 'POST /chat',
    spanKind: 'server',
    scopeName: 'opentelemetry.instrumentation.fastapi',
    attributes: {
      'http.method': 'POST',
      'http.route': '/chat',
      'http.status_code': status,
      ...attributes,
    },
  })
}

function agentSpan(parent: CheckSpan | null, fields: Partial<CheckSpan> = {}): CheckSpan {
  return span({
    name: 'invoke_agent support_agent',
    kind: 'agent',
    agentName: 'support_agent',
    parentSpanId: parent?.spanId ?? null,
    attributes: { 'gen_ai.agent.name': fields.agentName ?? 'support_agent' },
    ...fields,
  })
}

/** Builds the gateway span of one HTTP attempt, from `startMs` to `endMs`. */
function attempt(
  parent: CheckSpan,
  startMs: number,
  endMs: number,
  status: number,
  headers: AttributeMap = {},
) {
  return span({
    name: 'chat gpt-4o-mini',
    spanKind: 'server',
    kind: 'model',
    scopeName: 'loupe.gateway',
    resource: gatewayResource,
    parentSpanId: parent.spanId,
    startNs: BigInt(startMs) * MS,
    endNs: BigInt(endMs) * MS,
    attributes: {
      'http.response.status_code': status,
      'gen_ai.request.model': 'gpt-4o-mini',
      ...headers,
    },
  })
}

function view(spans: CheckSpan[]): TraceView {
  return new TraceView({
    traceId: TRACE_ID,
    rootSpanId: spans[0]!.spanId,
    spans,
    logs: [],
    exchanges: [],
  })
}

function judge(check: ReadinessCheck, ...traces: TraceView[]) {
  for (const trace of traces) check.observe(trace)
  return findingOf(check)
}

describe('AgentNamesCheck', () => {
  test('fails an agent that kept pydantic-ai’s default name', () => {
    const agent = agentSpan(null, { agentName: 'agent' })
    const finding = judge(new AgentNamesCheck(), view([agent]))
    expect(finding.result).toBe('fail')
    expect(finding.evidence[0]!.spanId).toBe(agent.spanId)
    expect(finding.evidence[0]!.value).toBe('"agent"')
  })

  test('fails an agent run without a name', () => {
    const agent = span({ kind: 'agent', name: 'agent run' })
    const finding = judge(new AgentNamesCheck(), view([agent]))
    expect(finding.result).toBe('fail')
    expect(finding.evidence[0]!.value).toBe('(missing)')
  })

  test('passes named agents and lists each name once', () => {
    const finding = judge(new AgentNamesCheck(), view([agentSpan(null)]), view([agentSpan(null)]))
    expect(finding.result).toBe('pass')
    expect(finding.finding).toBe('Every agent run (2) carries a name: support_agent.')
    expect(finding.evidence).toHaveLength(1)
  })

  test('cannot check traces without agent runs', () => {
    expect(judge(new AgentNamesCheck(), view([serverSpan(200)])).result).toBe('not_checkable')
  })
})

describe('UserIdsCheck', () => {
  test('accepts a user id above the run', () => {
    const server = serverSpan(200, { 'user.id': 'customer-7' })
    const finding = judge(new UserIdsCheck(), view([server, agentSpan(server)]))
    expect(finding.result).toBe('pass')
    expect(finding.evidence[0]).toMatchObject({
      spanId: server.spanId,
      attribute: 'user.id',
      value: '"customer-7"',
    })
  })

  test('does not count a session id that Logfire scrubbed', () => {
    const server = serverSpan(200, { 'session.id': "[Scrubbed due to 'session']" })
    const agent = agentSpan(server)
    const finding = judge(new UserIdsCheck(), view([server, agent]))
    expect(finding.result).toBe('fail')
    expect(finding.evidence[0]).toMatchObject({
      spanId: server.spanId,
      attribute: 'session.id',
      value: `"[Scrubbed due to 'session']"`,
    })
  })

  test('does not count a user id that Loupe redacted', () => {
    const agent = agentSpan(null, { attributes: { 'user.id': '[REDACTED:bearer-token]' } })
    expect(judge(new UserIdsCheck(), view([agent])).result).toBe('fail')
  })

  test('warns when only pydantic-ai’s conversation id is there', () => {
    const agent = agentSpan(null, { attributes: { 'gen_ai.conversation.id': '01a24311-b77d' } })
    const finding = judge(new UserIdsCheck(), view([agent]))
    expect(finding.result).toBe('warn')
    expect(finding.evidence[0]!.attribute).toBe('gen_ai.conversation.id')
  })

  test('fails an agent run with no id at all', () => {
    const agent = agentSpan(null)
    const finding = judge(new UserIdsCheck(), view([agent]))
    expect(finding.result).toBe('fail')
    expect(finding.evidence[0]!.spanId).toBe(agent.spanId)
  })
})

describe('ErrorStatusCheck', () => {
  function failedRequest(status: number, errorClass: ErrorClass): TraceView {
    const server = serverSpan(status)
    return view([server, agentSpan(server, { errorClass })])
  }

  test('fails a usage limit answered with 500', () => {
    const finding = judge(new ErrorStatusCheck(), failedRequest(500, 'quota_exceeded'))
    expect(finding.result).toBe('fail')
    expect(finding.evidence[0]!.value).toBe('500')
    expect(finding.evidence[0]!.note).toMatch(
      /^quota_exceeded from invoke_agent support_agent \([0-9a-f]{16}\) should be answered with 429, not 500\.$/,
    )
  })

  test('passes each class answered with its status', () => {
    const finding = judge(
      new ErrorStatusCheck(),
      failedRequest(429, 'quota_exceeded'),
      failedRequest(503, 'upstream_unavailable'),
      failedRequest(504, 'timeout'),
    )
    expect(finding.result).toBe('pass')
    expect(finding.finding).toBe(
      'Every failed request got the status of its error class (quota_exceeded, timeout, upstream_unavailable).',
    )
  })

  test('warns about 200 for a failed run', () => {
    expect(judge(new ErrorStatusCheck(), failedRequest(200, 'upstream_unavailable')).result).toBe(
      'warn',
    )
  })

  test('falls back to the request span class', () => {
    const server = span({ ...serverSpan(422), errorClass: 'input_invalid' })
    const finding = judge(new ErrorStatusCheck(), view([server]))
    expect(finding.result).toBe('fail')
    expect(finding.evidence[0]!.note).toMatch(/should be answered with 400, not 422/)
  })

  test('cannot check runs that failed outside a request', () => {
    const finding = judge(
      new ErrorStatusCheck(),
      view([agentSpan(null, { errorClass: 'timeout' })]),
    )
    expect(finding.result).toBe('not_checkable')
    expect(finding.finding).toBe(
      '1 failed run had no HTTP request span, so no response status to compare.',
    )
  })
})

describe('RateLimitRetriesCheck', () => {
  const chat = () => span({ name: 'chat gpt-4o-mini', kind: 'model', spanKind: 'client' })

  test('passes a retry after Retry-After', () => {
    const call = chat()
    const retryAfter = { 'http.response.header.retry-after-ms': ['50'] }
    const first = attempt(call, 0, 2, 429, retryAfter)
    const finding = judge(
      new RateLimitRetriesCheck(),
      view([call, first, attempt(call, 55, 57, 200)]),
    )
    expect(finding.result).toBe('pass')
    expect(finding.evidence[0]).toMatchObject({ spanId: first.spanId, value: '53.0 ms' })
  })

  test('fails a retry sooner than the Retry-After', () => {
    const call = chat()
    const retryAfter = { 'http.response.header.retry-after': ['1'] }
    const finding = judge(
      new RateLimitRetriesCheck(),
      view([call, attempt(call, 0, 2, 429, retryAfter), attempt(call, 12, 14, 200)]),
    )
    expect(finding.result).toBe('fail')
    expect(finding.evidence[0]!.note).toMatch(
      /^Retried after only 10\.0 ms \(Retry-After 1000 ms; at least 1000 ms expected\)/,
    )
  })

  test('fails an immediate retry without a Retry-After', () => {
    const call = chat()
    const finding = judge(
      new RateLimitRetriesCheck(),
      view([call, attempt(call, 0, 2, 429), attempt(call, 3, 5, 429), attempt(call, 6, 8, 200)]),
    )
    expect(finding.result).toBe('fail')
    expect(finding.finding).toBe('Answers with status 429 retried too soon or not at all: 2 of 2.')
  })

  test('fails a 429 that was not retried', () => {
    const call = chat()
    const only = attempt(call, 0, 2, 429)
    const finding = judge(new RateLimitRetriesCheck(), view([call, only]))
    expect(finding.result).toBe('fail')
    expect(finding.evidence[0]!.spanId).toBe(only.spanId)
  })

  test('cannot check traces without a 429', () => {
    const call = chat()
    expect(judge(new RateLimitRetriesCheck(), view([call, attempt(call, 0, 2, 200)])).result).toBe(
      'not_checkable',
    )
  })
})

describe('ModelTimeoutsCheck', () => {
  test('warns about the SDK default of 600 s', () => {
    const call = attempt(span({}), 0, 1, 200, {
      'http.request.header.x-stainless-read-timeout': ['600'],
    })
    const finding = judge(new ModelTimeoutsCheck(), view([call]))
    expect(finding.result).toBe('warn')
    expect(finding.evidence[0]).toMatchObject({
      attribute: 'http.request.header.x-stainless-read-timeout',
      value: '600',
    })
  })

  test('passes header and AI SDK timeouts', () => {
    const header = attempt(span({}), 0, 1, 200, {
      'http.request.header.x-stainless-timeout': ['30'],
    })
    const aiSdk = span({ kind: 'model', attributes: { 'ai.settings.timeout': 20_000 } })
    const finding = judge(new ModelTimeoutsCheck(), view([header]), view([aiSdk]))
    expect(finding.result).toBe('pass')
    expect(finding.evidence.map((item) => item.value)).toEqual(['30', '20'])
  })

  test('cannot check calls that show no timeout', () => {
    expect(judge(new ModelTimeoutsCheck(), view([span({ kind: 'model' })])).result).toBe(
      'not_checkable',
    )
  })
})

describe('SecretsCheck', () => {
  test('fails a redaction marker and shows it as stored', () => {
    const tool = span({
      name: 'execute_tool lookup',
      attributes: { 'gen_ai.tool.call.result': 'key [REDACTED:openai-api-key]' },
    })
    const finding = judge(new SecretsCheck(), view([tool]))
    expect(finding.result).toBe('fail')
    expect(finding.evidence[0]).toMatchObject({
      spanId: tool.spanId,
      attribute: 'gen_ai.tool.call.result',
      value: '[REDACTED:openai-api-key]',
    })
  })

  test('fails a readable secret without repeating it', () => {
    const secret = `sk-proj-${'x9_Yz8-Wv7'.repeat(3)}`
    const tool = span({ attributes: { 'http.request.header.authorization': [`Bearer ${secret}`] } })
    const finding = judge(new SecretsCheck(), view([tool]))
    expect(finding.result).toBe('fail')
    expect(finding.evidence[0]!.value).toBe('(bearer-token, hidden)')
    expect(JSON.stringify(finding)).not.toContain(secret)
  })

  test('warns about values that Logfire scrubbed', () => {
    const tool = span({ attributes: { 'gen_ai.tool.call.result': "[Scrubbed due to 'api key']" } })
    expect(judge(new SecretsCheck(), view([tool])).result).toBe('warn')
  })

  test('passes clean spans', () => {
    expect(
      judge(new SecretsCheck(), view([span({ attributes: { note: 'Bearer authentication' } })]))
        .result,
    ).toBe('pass')
  })
})

describe('resource checks', () => {
  const defaultName: CheckResource = {
    id: 9,
    serviceName: 'unknown_service:python',
    attributes: { 'service.name': 'unknown_service:python' },
  }

  test('fail the SDK’s default service name and a missing environment', () => {
    const trace = view([span({ resource: defaultName })])
    const service = judge(new ServiceNameCheck(), trace)
    expect(service.result).toBe('fail')
    expect(service.evidence[0]).toMatchObject({
      attribute: 'service.name',
      value: '"unknown_service:python"',
    })
    expect(judge(new EnvironmentCheck(), trace).result).toBe('fail')
  })

  test('ignore Loupe’s own gateway spans', () => {
    const trace = view([span({ resource: appResource }), attempt(span({}), 0, 1, 200)])
    expect(judge(new ServiceNameCheck(), trace).evidence.map((item) => item.value)).toEqual([
      '"support-desk"',
    ])
    expect(judge(new EnvironmentCheck(), trace).result).toBe('pass')
  })
})
