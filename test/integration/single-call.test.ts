// Single model call: a stored call with two tool results is rebuilt as an
// editable Chat Completions request, edited, and run against the mock; the
// gateway receives both tool results with their original ids.

import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JsonValue, RunJson, SpanJson, TraceDetail } from '../../src/shared/api'
import {
  fixturesDir,
  removeDir,
  repoRoot,
  runCli,
  startTestCore,
  type TestCore,
  apiJson,
  agentEnv,
} from '../helpers/core'
import { missingPythonMessage, testPython } from '../helpers/python'

const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)

let loupe: TestCore

beforeAll(async () => {
  loupe = await startTestCore()
})

afterAll(async () => {
  await loupe.stop()
  removeDir(loupe.dataDir)
})

/** Calls the test core's API. */
function api<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  return apiJson<T>(loupe, path, init)
}

async function spansOf(traceIds: string[]): Promise<SpanJson[]> {
  const spans: SpanJson[] = []
  for (const traceId of traceIds) {
    spans.push(...(await api<TraceDetail>(`/api/traces/${traceId}/full?wait=1`)).body.spans)
  }
  return spans.sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1))
}

type ChatRequest = { model: string; messages: { [key: string]: JsonValue }[]; tools?: unknown[] }

describe.skipIf(!python)('a single model call', () => {
  let run: RunJson

  it('records an agent run with two tool results', async () => {
    const result = await runCli(
      [
        'run',
        '--json',
        '--data',
        loupe.dataDir,
        '--mock',
        join(fixturesDir, 'gateway-scenarios/parallel-tools.yaml'),
        '--',
        python!,
        join(repoRoot, 'test/interop/replay_agent.py'),
        'openai-chat:gpt-4o-mini',
      ],
      agentEnv({ FORECAST_FIXED: '1' }),
    )
    expect(result.code).toBe(0)
    run = JSON.parse(result.stdout.slice(result.stdout.indexOf('{\n'))) as RunJson
    expect(run.toolCalls).toBe(2)
  })

  it('reruns the call with an edit and keeps the tool result ids', async () => {
    const gateway = (await spansOf(run.traceIds)).filter(
      (span) => span.attributes['loupe.gateway.api'] !== undefined,
    )
    const second = gateway[1]!
    const rebuilt = await api<{ request: ChatRequest }>(
      `/api/traces/${second.traceId}/spans/${second.spanId}/call`,
    )
    expect(rebuilt.status).toBe(200)
    const request = rebuilt.body.request
    const assistant = request.messages.find((message) => message.role === 'assistant')!
    const callIds = (assistant.tool_calls as { id: string }[]).map((call) => call.id)
    expect(callIds).toHaveLength(2)
    const toolMessages = request.messages.filter((message) => message.role === 'tool')
    expect(toolMessages.map((message) => message.tool_call_id)).toEqual(callIds)
    expect(toolMessages.map((message) => message.content)).toEqual(['sunny in Atlantis', '40'])
    expect(request.tools).toHaveLength(2)

    const user = request.messages.find((message) => message.role === 'user')!
    user.content = 'What is the weather in Atlantis today?'
    const rerun = await api<{ status: number; traceId: string; reply: { choices: unknown[] } }>(
      '/api/calls',
      { method: 'POST', body: JSON.stringify({ request, mode: 'mock' }) },
    )
    expect(rerun.status).toBe(200)
    expect(rerun.body.status).toBe(200)
    expect(rerun.body.reply.choices).toHaveLength(1)

    // The gateway's span of the new call shows what it received.
    const [received] = (await spansOf([rerun.body.traceId])).filter(
      (span) => span.attributes['loupe.gateway.api'] !== undefined,
    )
    const messages = JSON.parse(received!.attributes['gen_ai.input.messages'] as string) as {
      role: string
      parts: { type: string; id?: string; content?: string }[]
    }[]
    const results = messages.flatMap((message) =>
      message.parts.filter((part) => part.type === 'tool_call_response'),
    )
    expect(results.map((part) => part.id)).toEqual(callIds)
    expect(messages.find((message) => message.role === 'user')!.parts[0]!.content).toBe(
      'What is the weather in Atlantis today?',
    )
  })

  it('rebuilds the request of the agent’s own model span', async () => {
    const agentCall = (await spansOf(run.traceIds)).find(
      (span) => span.kind === 'model' && span.attributes['loupe.gateway.api'] === undefined,
    )!
    const rebuilt = await api<{ request: ChatRequest }>(
      `/api/traces/${agentCall.traceId}/spans/${agentCall.spanId}/call`,
    )
    expect(rebuilt.status).toBe(200)
    expect(rebuilt.body.request.messages[0]).toEqual({
      role: 'system',
      content: 'You answer questions about the weather.',
    })
    expect(rebuilt.body.request.tools).toHaveLength(2)
  })

  it('rejects a span that is not a model call', async () => {
    const tool = (await spansOf(run.traceIds)).find((span) => span.kind === 'tool')!
    const response = await api<{ error: string }>(
      `/api/traces/${tool.traceId}/spans/${tool.spanId}/call`,
    )
    expect(response.status).toBe(422)
    expect(response.body.error).toBe(`span ${tool.spanId} is a tool span, not a model call`)
  })
})
