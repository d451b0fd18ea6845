// `loupe check` and GET /api/check on traces from real pydantic-ai agents
// under `loupe run --mock`. The first agent is unnamed, and its tool leaks an
// API key and an e-mail address (test/interop/check_agent.py). The FastAPI
// example with a user id passes. A FastAPI service answers a provider's 429
// with 500 (test/interop/check_service.py). The checks run through the
// running core, then on the folder alone once the core has stopped.

import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SpanJson, TraceDetail } from '../../src/shared/api'
import type { CheckFinding, CheckId, CheckReport } from '../../src/shared/check'
import {
  agentEnv,
  apiJson,
  removeDir,
  repoRoot,
  runCli,
  startTestCore,
  type CliResult,
  type TestCore,
} from '../helpers/core'
import {
  hasAgentRun,
  rootSpan,
  startExample,
  traceIdOf,
  waitForTrace,
  type ExampleService,
} from '../helpers/fastapi-example'
import { missingPythonMessage, testPython } from '../helpers/python'

const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)

/** The fake key and address that check_agent.py's tool returns. */
const LEAKED_KEY = 'sk-test-0123456789abcdefghijklmnop'
const OWNER_EMAIL = 'jane.doe@acme.internal'

/** Runs a script of test/interop under `loupe run --mock SCENARIO` and returns the JSON line it printed. */
async function runAgent(
  loupe: TestCore,
  script: string,
  scenario: string,
): Promise<{ traceId: string; status?: number }> {
  const result = await runCli(
    [
      'run',
      '--mock',
      join(repoRoot, scenario),
      '--data',
      loupe.dataDir,
      '--',
      python!,
      join(repoRoot, 'test/interop', script),
    ],
    agentEnv(),
  )
  expect(result.code, result.stderr).toBe(0)
  const line = result.stdout.split('\n').find((text) => text.startsWith('{"'))
  expect(line, result.stdout).toBeDefined()
  return JSON.parse(line!) as { traceId: string; status?: number }
}

function checkOf(report: CheckReport, id: CheckId): CheckFinding {
  const finding = report.checks.find((check) => check.id === id)
  expect(finding, `check ${id} in the report`).toBeDefined()
  return finding!
}

function resultsOf(report: CheckReport): Record<string, string> {
  return Object.fromEntries(report.checks.map((check) => [check.id, check.result]))
}

function spanNamed(detail: TraceDetail, predicate: (span: SpanJson) => boolean): SpanJson {
  const span = detail.spans.find(predicate)
  expect(span).toBeDefined()
  return span!
}

async function checkJson(args: string[]): Promise<{ result: CliResult; report: CheckReport }> {
  const result = await runCli(['check', ...args, '--json'])
  return { result, report: JSON.parse(result.stdout) as CheckReport }
}

describe.skipIf(!python)('loupe check on traces from real agents', () => {
  let loupe: TestCore
  let coreStopped = false
  let service: ExampleService | null = null
  let leak: TraceDetail
  let wrongStatus: TraceDetail

  beforeAll(async () => {
    loupe = await startTestCore()
    const leakRun = await runAgent(loupe, 'check_agent.py', 'test/fixtures/check/leaked-key.yaml')
    leak = await waitForTrace(loupe, leakRun.traceId, {
      until: (detail) => detail.spans.some((span) => span.kind === 'tool'),
    })
    const serviceRun = await runAgent(
      loupe,
      'check_service.py',
      'test/fixtures/gateway-scenarios/rate-limit.yaml',
    )
    expect(serviceRun.status).toBe(500)
    wrongStatus = await waitForTrace(loupe, serviceRun.traceId, {
      until: (detail) => detail.spans.filter((span) => span.kind === 'model').length >= 4,
    })
  })

  afterAll(async () => {
    if (service && service.loupe.exitCode === null) await service.interrupt()
    if (loupe && !coreStopped) await loupe.stop()
    if (loupe) removeDir(loupe.dataDir)
  })

  it('reports unnamed agent and leaked key', async () => {
    const { result, report } = await checkJson([leak.trace.traceId, '--data', loupe.dataDir])
    expect(result.code).toBe(1)
    expect(report.traceId).toBe(leak.trace.traceId)
    expect(report.tracesChecked).toBe(1)

    const agent = spanNamed(leak, (span) => span.kind === 'agent')
    const names = checkOf(report, 'agent-names')
    expect(names.result).toBe('fail')
    expect(names.evidence).toHaveLength(1)
    expect(names.evidence[0]).toMatchObject({
      traceId: leak.trace.traceId,
      spanId: agent.spanId,
      attribute: 'gen_ai.agent.name',
      value: '"agent"',
    })

    const tool = spanNamed(leak, (span) => span.kind === 'tool')
    const secrets = checkOf(report, 'secrets')
    expect(secrets.result).toBe('fail')
    const marked = secrets.evidence.map((item) => [item.spanId, item.attribute, item.value])
    expect(marked).toContainEqual([
      tool.spanId,
      'gen_ai.tool.call.result',
      '[REDACTED:openai-api-key]',
    ])
    // The tool result travels on in the next model request and in the run's messages.
    expect(marked).toContainEqual([
      agent.spanId,
      'pydantic_ai.all_messages',
      '[REDACTED:openai-api-key]',
    ])
    const secondCall = leak.spans.filter((span) => span.kind === 'model')[1]!
    expect(marked).toContainEqual([
      secondCall.spanId,
      'gen_ai.input.messages',
      '[REDACTED:openai-api-key]',
    ])

    const personal = checkOf(report, 'personal-data')
    expect(personal.result).toBe('fail')
    expect(personal.evidence.map((item) => [item.spanId, item.value])).toContainEqual([
      tool.spanId,
      'j***@acme.internal',
    ])
    expect(result.stdout).not.toContain(LEAKED_KEY)
    expect(result.stdout).not.toContain(OWNER_EMAIL)
  })

  it('text report lists failures first', async () => {
    const result = await runCli(['check', leak.trace.traceId, '--data', loupe.dataDir])
    expect(result.code).toBe(1)
    const agent = spanNamed(leak, (span) => span.kind === 'agent')
    const tool = spanNamed(leak, (span) => span.kind === 'tool')
    const failed = result.stdout.slice(
      result.stdout.indexOf('FAILED'),
      result.stdout.indexOf('WARNINGS'),
    )
    expect(failed).toContain('agent-names: Every agent is named')
    expect(failed).toContain(`span ${agent.spanId} (invoke_agent agent)`)
    expect(failed).toContain('secrets: No API keys or bearer tokens in telemetry')
    expect(failed).toContain(`span ${tool.spanId} (execute_tool lookup_account)`)
    expect(failed).toContain('gen_ai.tool.call.result = [REDACTED:openai-api-key]')
    expect(result.stdout).toMatch(/\n3 failed, 1 warning, 9 not checkable, 2 passed$/m)
    expect(result.stdout).not.toContain(LEAKED_KEY)
  })

  it('passes the FastAPI example', async () => {
    service = await startExample({ python: python!, dataDir: loupe.dataDir })
    const response = await fetch(`${service.baseUrl}/chat`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-User-Id': 'traveller-7' },
      body: JSON.stringify({ message: 'Brief me on Lisbon.' }),
    })
    expect(response.status).toBe(200)
    const traceId = traceIdOf(response)
    const detail = await waitForTrace(loupe, traceId, { until: hasAgentRun })

    const { result, report } = await checkJson([traceId, '--data', loupe.dataDir])
    expect(result.code).toBe(0)
    expect(resultsOf(report)).toEqual({
      'agent-names': 'pass',
      'usage-limits': 'not_checkable',
      'model-timeouts': 'pass',
      'service-name': 'pass',
      environment: 'pass',
      instrumentation: 'pass',
      'user-ids': 'pass',
      secrets: 'pass',
      'personal-data': 'pass',
      'error-status': 'not_checkable',
      'rate-limit-retries': 'not_checkable',
      'container-user': 'not_checkable',
      'user-id-source': 'not_checkable',
      'rollback-plan': 'not_checkable',
      'secrets-management': 'not_checkable',
    })
    expect(checkOf(report, 'user-ids').evidence[0]).toMatchObject({
      attribute: 'user.id',
      value: '"traveller-7"',
    })
    expect(checkOf(report, 'service-name').evidence[0]!.value).toBe('"fastapi-agent"')
    expect(checkOf(report, 'environment').evidence[0]!.value).toBe('"development"')
    // The example sets a model timeout of 30 s; the gateway records the header the SDK sent.
    expect(checkOf(report, 'model-timeouts').evidence[0]).toMatchObject({
      attribute: 'http.request.header.x-stainless-read-timeout',
      value: '30',
    })
    expect(checkOf(report, 'instrumentation').evidence[0]!.spanId).toBe(rootSpan(detail).spanId)

    const text = await runCli(['check', traceId, '--data', loupe.dataDir])
    expect(text.code).toBe(0)
    const notCheckable = text.stdout.slice(
      text.stdout.indexOf('NOT CHECKABLE'),
      text.stdout.indexOf('PASSED'),
    )
    for (const id of ['usage-limits', 'container-user', 'user-id-source', 'rollback-plan']) {
      expect(notCheckable).toContain(`${id}: `)
    }
    expect(text.stdout).not.toContain('FAILED')
    expect(text.stdout).toMatch(/\n0 failed, 0 warnings, 7 not checkable, 8 passed$/m)
  })

  it('reports a wrongly mapped error class', async () => {
    const { result, report } = await checkJson([wrongStatus.trace.traceId, '--data', loupe.dataDir])
    expect(result.code).toBe(1)
    const server = rootSpan(wrongStatus)
    const agent = spanNamed(wrongStatus, (span) => span.kind === 'agent')
    const status = checkOf(report, 'error-status')
    expect(status.result).toBe('fail')
    expect(status.evidence[0]).toMatchObject({
      spanId: server.spanId,
      attribute: 'http.status_code',
      value: '500',
      note: `upstream_unavailable from invoke_agent support_agent (${agent.spanId}) should be answered with 503, not 500.`,
    })
    expect(report.counts.fail).toBe(1)

    // The OpenAI client waited the Retry-After of 50 ms that the mock sent with each 429.
    const retries = checkOf(report, 'rate-limit-retries')
    expect(retries.result).toBe('pass')
    expect(retries.evidence).toHaveLength(2)
    for (const item of retries.evidence) expect(parseFloat(item.value!)).toBeGreaterThanOrEqual(45)
    expect(checkOf(report, 'model-timeouts').evidence[0]!.value).toBe('20')
    expect(checkOf(report, 'user-ids').result).toBe('pass')
  })

  it('API checks a window, rejects bad queries', async () => {
    const window = await apiJson<CheckReport>(loupe, '/api/check?since=1h&wait=1')
    expect(window.status).toBe(200)
    expect(window.body.since).toBe('1h')
    // Three agent traces, and the root traces of the two runs that have ended.
    expect(window.body.tracesChecked).toBeGreaterThanOrEqual(5)
    const agent = spanNamed(leak, (span) => span.kind === 'agent')
    expect(checkOf(window.body, 'agent-names').evidence.map((item) => item.spanId)).toEqual([
      agent.spanId,
    ])
    expect(checkOf(window.body, 'error-status').result).toBe('fail')

    const both = await apiJson<{ error: string }>(
      loupe,
      `/api/check?trace=${leak.trace.traceId}&since=1h`,
    )
    expect(both.status).toBe(400)
    expect(both.body.error).toBe('give either trace= or since=, not both')
    const unknown = await apiJson<{ error: string }>(loupe, `/api/check?trace=${'f'.repeat(32)}`)
    expect(unknown.status).toBe(404)
    expect(unknown.body.error).toBe(`trace ${'f'.repeat(32)} not found`)
    const malformed = await apiJson<{ error: string }>(loupe, '/api/check?trace=xyz')
    expect(malformed.status).toBe(400)
    expect(malformed.body.error).toBe('invalid trace id "xyz"; expected 32 hex digits')
    const badWindow = await apiJson<{ error: string }>(loupe, '/api/check?since=soon')
    expect(badWindow.status).toBe(400)
    expect(badWindow.body.error).toMatch(/^invalid duration "soon"/)
  })

  it('exits 2 on bad arguments', async () => {
    const cases: [string[], RegExp][] = [
      [['--since', 'soon'], /invalid --since "soon": use a number and a unit/],
      [[leak.trace.traceId, '--since', '1h'], /give a trace id or --since, not both/],
      [['f'.repeat(32)], /trace f{32} not found/],
      [['not-a-trace'], /invalid trace id "not-a-trace"/],
      [['--colour'], /unknown option --colour/],
      [['--data', join(loupe.dataDir, 'missing')], /no Loupe data folder at .*missing/],
    ]
    for (const [args, message] of cases) {
      const dataArgs = args.includes('--data') ? [] : ['--data', loupe.dataDir]
      const result = await runCli(['check', ...args, ...dataArgs])
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.stderr).toMatch(message)
      expect(result.stdout).toBe('')
    }
  })

  it('checks the folder without a core', async () => {
    if (service) await service.interrupt()
    await loupe.stop()
    coreStopped = true
    const { result, report } = await checkJson(['--since', '1h', '--data', loupe.dataDir])
    expect(result.code).toBe(1)
    expect(report.tracesChecked).toBeGreaterThanOrEqual(5)
    expect(report.unnormalizedSpans).toBe(0)
    expect(checkOf(report, 'agent-names').result).toBe('fail')
    expect(checkOf(report, 'secrets').result).toBe('fail')
    expect(checkOf(report, 'error-status').result).toBe('fail')
    expect(result.stdout).not.toContain(LEAKED_KEY)
  })
})
