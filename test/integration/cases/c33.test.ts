// Case c33: prompt-cache token accounting in two traces of one protobuf body:
// a Pydantic AI run on Bedrock, whose input tokens include cache reads and
// writes, and one OpenInference LLM span, whose prompt count excludes them.
// This file checks receiving and storing. Token, cache and cost accounting
// belongs to GenAI normalization.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TraceDetail } from '../../../src/shared/api'
import {
  asHttp,
  expectSpansStoredAsSent,
  listTraces,
  partialSuccessOf,
  readSentSpans,
  sendCase,
  sendEmptyExport,
  showTrace,
  spanNamed,
  type HttpCaseResponse,
} from '../../helpers/cases'
import { removeDir, startTestCore, type TestCore } from '../../helpers/core'

const AGENT_TRACE = '33a0cace33a0cace33a0cace33a0cace'
const OPENINFERENCE_TRACE = '33b0cace33b0cace33b0cace33b0cace'
const MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0'

let loupe: TestCore
let response: HttpCaseResponse
let agent: TraceDetail
let openInference: TraceDetail

beforeAll(async () => {
  loupe = await startTestCore()
  response = asHttp((await sendCase(loupe, 'c33'))[0])
  agent = await showTrace(loupe, AGENT_TRACE)
  openInference = await showTrace(loupe, OPENINFERENCE_TRACE)
})

afterAll(async () => {
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

describe('c33 cache accounting request', () => {
  it('accepts with protobuf 200', () => {
    expect(response.status).toBe(200)
    expect(response.contentType).toBe('application/x-protobuf')
    expect(partialSuccessOf(response)).toBeNull()
  })

  it('stores both traces', async () => {
    const traces = await listTraces(loupe)
    expect(traces.map((t) => t.traceId).sort()).toEqual([AGENT_TRACE, OPENINFERENCE_TRACE])
  })

  it('stores every span as sent', () => {
    expectSpansStoredAsSent(
      [...agent.spans, ...openInference.spans],
      readSentSpans('c33-cache-accounting.json'),
    )
  })
})

describe('c33 Pydantic AI Bedrock run', () => {
  it('stores the agent and two chats', () => {
    expect(agent.spans).toHaveLength(3)
    const root = spanNamed(agent.spans, 'invoke_agent contract_reviewer')
    expect(root.parentSpanId).toBeNull()
    const chats = agent.spans.filter((s) => s.name === `chat ${MODEL}`)
    expect(chats).toHaveLength(2)
    for (const chat of chats) {
      expect(chat.parentSpanId, chat.spanId).toBe(root.spanId)
      expect(chat.attributes['gen_ai.provider.name'], chat.spanId).toBe('bedrock')
    }
  })

  it('summarizes the run', () => {
    expect(agent.trace.rootName).toBe('invoke_agent contract_reviewer')
    expect(agent.trace.serviceName).toBe('contract-desk')
    expect(agent.trace.spanCount).toBe(3)
    expect(agent.trace.status).toBe('unset')
    expect(agent.trace.errorCount).toBe(0)
  })

  it('keeps the usage attributes', () => {
    const chats = agent.spans.filter((s) => s.name === `chat ${MODEL}`)
    const [first, second] = chats
    expect(first!.attributes['gen_ai.usage.input_tokens']).toBe(5200)
    expect(first!.attributes['gen_ai.usage.cache_creation.input_tokens']).toBe(4800)
    expect(first!.attributes['operation.cost']).toBe(0.026235)
    expect(second!.attributes['gen_ai.usage.input_tokens']).toBe(5650)
    expect(second!.attributes['gen_ai.usage.cache_read.input_tokens']).toBe(4800)
    expect(second!.attributes['operation.cost']).toBe(0.011319)
  })
})

describe('c33 OpenInference LLM span', () => {
  it('stores one root span', () => {
    expect(openInference.spans).toHaveLength(1)
    const span = openInference.spans[0]!
    expect(span.name).toBe('ChatBedrockConverse')
    expect(span.parentSpanId).toBeNull()
    expect(span.status).toBe('ok')
    expect(openInference.trace.rootName).toBe('ChatBedrockConverse')
    expect(openInference.trace.serviceName).toBe('contract-desk-lc')
    expect(openInference.trace.status).toBe('ok')
  })

  it('keeps the token counts', () => {
    const attributes = openInference.spans[0]!.attributes
    expect(attributes['llm.token_count.prompt']).toBe(120)
    expect(attributes['llm.token_count.completion']).toBe(250)
    expect(attributes['llm.token_count.total']).toBe(3870)
    expect(attributes['llm.token_count.prompt_details.cache_read']).toBe(3000)
    expect(attributes['llm.token_count.prompt_details.cache_write']).toBe(500)
  })

  it('keeps the flattened messages', () => {
    const attributes = openInference.spans[0]!.attributes
    expect(attributes['llm.input_messages.0.message.role']).toBe('user')
    expect(attributes['llm.input_messages.0.message.content']).toBe(
      'Summarize clause 14.2 of SC-3381 in one sentence.',
    )
    expect(attributes['llm.output_messages.0.message.role']).toBe('assistant')
    expect(attributes['llm.output_messages.0.message.content']).toBe(
      'Either party may end the contract for convenience with 90 days written notice.',
    )
  })
})

describe('c33 receiver afterwards', () => {
  it('still accepts an export', async () => {
    const response = await sendEmptyExport(loupe)
    expect(response.status).toBe(200)
  })
})
