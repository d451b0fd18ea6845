// Sessions from a real pydantic-ai agent instrumented with the Logfire
// Python SDK (test/interop/session_agent.py). Runs that share a
// conversation id or a session id are one session, in the order they ran.
// A scrubbed session id groups nothing.

import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TraceDetail } from '../../src/shared/api'
import type {
  SessionDetail,
  SessionPage,
  SessionSummary,
  TraceSessionJson,
} from '../../src/shared/sessions'
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

type RunName = 'first' | 'second' | 'third' | 'fourth' | 'scrubbed' | 'alone'

let loupe: TestCore
let conversations: Record<RunName, string>

beforeAll(async () => {
  if (!python) return
  loupe = await startTestCore()
  const { stdout } = await execFileAsync(
    python,
    [join(repoRoot, 'test/interop/session_agent.py')],
    {
      env: agentEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: loupe.otlpHttpUrl,
        LOGFIRE_SEND_TO_LOGFIRE: 'false',
      }),
      timeout: 90_000,
    },
  )
  conversations = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<RunName, string>
  await loupe.core.whenNormalized()
})

afterAll(async () => {
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

function newestFirst(a: bigint, b: bigint): number {
  if (a > b) return -1
  if (a < b) return 1
  return 0
}

async function sessionList(query = ''): Promise<SessionSummary[]> {
  const { status, body } = await apiJson<SessionPage>(loupe, `/api/sessions?wait=1${query}`)
  expect(status).toBe(200)
  return body.sessions
}

describe.skipIf(!python)('sessions of a pydantic-ai agent', () => {
  it('carries the conversation id on', () => {
    expect(conversations.first).toBe('conv-parcel-42')
    expect(conversations.second).toBe('conv-parcel-42')
    expect(conversations.alone).not.toBe('conv-parcel-42')
  })

  it('groups two runs of one conversation', async () => {
    const { status, body } = await apiJson<SessionDetail>(loupe, '/api/sessions/conv-parcel-42')
    expect(status).toBe(200)
    expect(body.session.runs).toBe(2)
    expect(body.session.source).toBe('gen_ai.conversation.id')
    expect(body.session.agents).toEqual(['support_agent'])
    expect(body.session.services).toEqual(['interop-sessions'])
    expect(body.session.modelCalls).toBe(2)
    expect(body.session.errors).toBe(0)
    expect(body.runs).toHaveLength(2)
    expect(body.truncated).toBe(false)
    const [first, second] = body.runs
    expect(BigInt(first!.startTimeUnixNano)).toBeLessThan(BigInt(second!.startTimeUnixNano))
    expect(body.session.firstTime).toBe(first!.startTime)
    expect(body.session.inputTokens).toBe(first!.inputTokens + second!.inputTokens)
    expect(body.session.outputTokens).toBe(first!.outputTokens + second!.outputTokens)
    expect(body.session.inputTokens).toBeGreaterThan(0)
    for (const run of body.runs) expect(run.agentName).toBe('support_agent')
  })

  it('reads the prompt of each run in order', async () => {
    const { body } = await apiJson<SessionDetail>(loupe, '/api/sessions/conv-parcel-42')
    const prompts: string[] = []
    for (const run of body.runs) {
      const detail = await apiJson<TraceDetail>(loupe, `/api/traces/${run.traceId}/full`)
      const model = detail.body.spans.find((span) => span.kind === 'model')!
      const users = (model.inputMessages ?? []).filter((message) => message.role === 'user')
      const last = users.at(-1)!.parts.find((part) => part.type === 'text')
      prompts.push(last && 'content' in last ? String(last.content) : '')
    }
    expect(prompts).toEqual(['Where is my parcel?', 'And when is the refund due?'])
  })

  it('groups runs by Logfire baggage session_id', async () => {
    const { body } = await apiJson<SessionDetail>(loupe, '/api/sessions/web-session-7')
    expect(body.session.runs).toBe(2)
    expect(body.session.source).toBe('session_id')
    // The baggage id outranks the conversation id that pydantic-ai generated for each run.
    const sessions = await sessionList()
    const ids = sessions.map((session) => session.sessionId)
    expect(ids).not.toContain(conversations.third)
    expect(ids).not.toContain(conversations.fourth)
  })

  it('ignores a scrubbed session id', async () => {
    const sessions = await sessionList()
    const ids = sessions.map((session) => session.sessionId)
    expect(ids.filter((id) => id.startsWith('[Scrubbed'))).toEqual([])
    expect(ids).not.toContain('scrubbed-session')
    const own = sessions.find((session) => session.sessionId === conversations.scrubbed)
    expect(own?.runs).toBe(1)
  })

  it('lists each session once, newest first', async () => {
    const sessions = await sessionList()
    expect(sessions.map((session) => session.sessionId).sort()).toEqual(
      ['conv-parcel-42', 'web-session-7', conversations.scrubbed, conversations.alone].sort(),
    )
    expect(sessions[0]!.sessionId).toBe(conversations.alone)
    const lastTimes = sessions.map((session) => BigInt(session.lastTimeUnixNano))
    expect([...lastTimes].sort(newestFirst)).toEqual(lastTimes)
  })

  it('filters and pages the list', async () => {
    const multi = await sessionList('&minRuns=2')
    expect(multi.map((session) => session.sessionId).sort()).toEqual([
      'conv-parcel-42',
      'web-session-7',
    ])
    expect((await sessionList('&text=PARCEL')).map((session) => session.sessionId)).toEqual([
      'conv-parcel-42',
    ])
    const first = await apiJson<SessionPage>(loupe, '/api/sessions?limit=3')
    expect(first.body.sessions).toHaveLength(3)
    expect(first.body.nextBefore).not.toBeNull()
    const rest = await apiJson<SessionPage>(
      loupe,
      `/api/sessions?limit=3&before=${encodeURIComponent(first.body.nextBefore!)}`,
    )
    expect(rest.body.sessions).toHaveLength(1)
    expect(rest.body.nextBefore).toBeNull()
    const all = [...first.body.sessions, ...rest.body.sessions].map((session) => session.sessionId)
    expect(new Set(all).size).toBe(4)
  })

  it('names the session of a trace', async () => {
    const { body } = await apiJson<SessionDetail>(loupe, '/api/sessions/conv-parcel-42')
    const traceId = body.runs[1]!.traceId
    const { status, body: own } = await apiJson<TraceSessionJson>(
      loupe,
      `/api/traces/${traceId}/session`,
    )
    expect(status).toBe(200)
    expect(own.session?.sessionId).toBe('conv-parcel-42')
    expect(own.session?.runs).toBe(2)
  })

  it('rejects bad parameters and unknown ids', async () => {
    const missing = await apiJson<{ error: string }>(loupe, '/api/sessions/no-such-session')
    expect(missing.status).toBe(404)
    expect(missing.body.error).toBe('session no-such-session not found')
    const badRuns = await apiJson<{ error: string }>(loupe, '/api/sessions?minRuns=0')
    expect(badRuns.status).toBe(400)
    expect(badRuns.body.error).toMatch(/^invalid minRuns=0/)
    const badCursor = await apiJson<{ error: string }>(loupe, '/api/sessions?before=yesterday')
    expect(badCursor.status).toBe(400)
    expect(badCursor.body.error).toMatch(/^invalid before=yesterday/)
  })
})
