// Traces in the OpenInference and OpenLLMetry (Traceloop) conventions, built
// span by span with the OpenTelemetry JS SDK and exported to a real core over
// OTLP/protobuf. The attributes follow what those instrumentations emit:
// flattened, indexed message lists (`llm.input_messages.N.message.*`,
// `gen_ai.prompt.N.*`), their token counts, tool spans with JSON input and
// output, and a provider error recorded the way the Python SDK records it.
// The tests check the normalized kinds, messages, tokens, cost, error class
// and the ingest inspector.

import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SpanJson, TraceDetail } from '../../src/shared/api'
import { ERROR_CLASS_STATUS, type MessagePart } from '../../src/shared/genai'
import { removeDir, startTestCore, type TestCore } from '../helpers/core'
import { priceCall, relativeDifference, showNormalized } from '../helpers/genai'

const SYSTEM = 'You are a home-cooking assistant. Use the recipe tool for exact quantities.'
const PROMPT = 'Shakshuka for two: what do I need and how long does it take?'
const FIRST_TEXT = 'Let me look that up.'
const ANSWER =
  'You need 4 eggs, 400 g tomatoes, 1 red pepper and 1 onion. It takes about 25 minutes.'
const TOOL_INPUT = { dish: 'shakshuka', servings: 2 }
const RECIPE = {
  ingredients: ['4 eggs', '400 g tomatoes', '1 red pepper', '1 onion'],
  minutes: 25,
}
/** A key no convention defines, to show up in the ingest inspector. */
const UNKNOWN_KEY = 'gen_ai.made_up.field'

let loupe: TestCore

beforeAll(async () => {
  loupe = await startTestCore()
})

afterAll(async () => {
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

/**
 * Build one trace with a tracer provider of its own and export it to the
 * core. `build` gets a tracer and a clock: `at(n)` is n milliseconds after
 * the trace's start, so spans sort in the order they are written.
 */
async function sendTrace(
  service: string,
  scope: string,
  build: (tracer: ReturnType<BasicTracerProvider['getTracer']>, at: (ms: number) => number) => void,
): Promise<string> {
  const memory = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [
      new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${loupe.otlpHttpUrl}/v1/traces` })),
      new SimpleSpanProcessor(memory),
    ],
  })
  const start = Date.now() - 10_000
  build(provider.getTracer(scope), (ms) => start + ms)
  await provider.forceFlush()
  const traceIds = new Set(memory.getFinishedSpans().map((s) => s.spanContext().traceId))
  await provider.shutdown()
  expect([...traceIds], 'trace ids of the exported spans').toHaveLength(1)
  return [...traceIds][0]!
}

function childOf(parent: Span) {
  return trace.setSpan(context.active(), parent)
}

function spanNamed(detail: TraceDetail, name: string, index = 0): SpanJson | undefined {
  return detail.spans.filter((s) => s.name === name)[index]
}

function toolResultIds(span: SpanJson | undefined): (string | null)[] {
  return (span?.inputMessages ?? [])
    .flatMap((m) => m.parts)
    .flatMap((p) => (p.type === 'tool_result' ? [p.id] : []))
}

function toolCallIds(messages: SpanJson['inputMessages']): (string | null)[] {
  return (messages ?? [])
    .flatMap((m) => m.parts)
    .flatMap((p) => (p.type === 'tool_call' ? [p.id] : []))
}

describe('OpenInference trace', () => {
  const toolCallId = 'toolu_01OpenInference'
  const model = 'claude-sonnet-4-5-20250929'
  // OpenInference's Anthropic instrumentation sets llm.token_count.prompt to
  // Anthropic's input_tokens, which exclude the cache, so the cache counts
  // exceed it and Loupe adds them back.
  const calls = [
    { prompt: 180, cacheRead: 0, cacheWrite: 2_000, completion: 64 },
    { prompt: 460, cacheRead: 2_000, cacheWrite: 0, completion: 152 },
  ]
  let detail: TraceDetail
  let normalized: boolean

  beforeAll(async () => {
    const traceId = await sendTrace(
      'recipe-agent-phoenix',
      'openinference.instrumentation.anthropic',
      (tracer, at) => {
        const agent = tracer.startSpan(
          'recipe_agent',
          {
            startTime: at(0),
            attributes: {
              'openinference.span.kind': 'AGENT',
              'agent.name': 'recipe_agent',
              'input.value': PROMPT,
              'input.mime_type': 'text/plain',
            },
          },
          context.active(),
        )
        const first = tracer.startSpan(
          'Messages',
          {
            kind: SpanKind.CLIENT,
            startTime: at(10),
            attributes: {
              'openinference.span.kind': 'LLM',
              'llm.model_name': model,
              'llm.provider': 'anthropic',
              'llm.system': 'anthropic',
              'llm.invocation_parameters': JSON.stringify({ max_tokens: 1024 }),
              'llm.tools.0.tool.json_schema': JSON.stringify({
                name: 'lookup_recipe',
                input_schema: { type: 'object', properties: { dish: { type: 'string' } } },
              }),
              'llm.input_messages.0.message.role': 'system',
              'llm.input_messages.0.message.content': SYSTEM,
              'llm.input_messages.1.message.role': 'user',
              'llm.input_messages.1.message.content': PROMPT,
              'llm.output_messages.0.message.role': 'assistant',
              'llm.output_messages.0.message.content': FIRST_TEXT,
              'llm.output_messages.0.message.tool_calls.0.tool_call.id': toolCallId,
              'llm.output_messages.0.message.tool_calls.0.tool_call.function.name': 'lookup_recipe',
              'llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments':
                JSON.stringify(TOOL_INPUT),
              'llm.token_count.prompt': calls[0]!.prompt,
              'llm.token_count.completion': calls[0]!.completion,
              'llm.token_count.total':
                calls[0]!.prompt + calls[0]!.cacheWrite + calls[0]!.completion,
              'llm.token_count.prompt_details.cache_write': calls[0]!.cacheWrite,
            },
          },
          childOf(agent),
        )
        first.setStatus({ code: SpanStatusCode.OK })
        first.end(at(900))

        const tool = tracer.startSpan(
          'lookup_recipe',
          {
            startTime: at(910),
            attributes: {
              'openinference.span.kind': 'TOOL',
              'tool.name': 'lookup_recipe',
              'tool.description': 'Look up a recipe by dish name.',
              'tool.parameters': JSON.stringify({ type: 'object' }),
              'input.value': JSON.stringify(TOOL_INPUT),
              'input.mime_type': 'application/json',
              'output.value': JSON.stringify(RECIPE),
              'output.mime_type': 'application/json',
            },
          },
          childOf(agent),
        )
        tool.end(at(930))

        const second = tracer.startSpan(
          'Messages',
          {
            kind: SpanKind.CLIENT,
            startTime: at(940),
            attributes: {
              'openinference.span.kind': 'LLM',
              'llm.model_name': model,
              'llm.provider': 'anthropic',
              'llm.system': 'anthropic',
              'llm.input_messages.0.message.role': 'system',
              'llm.input_messages.0.message.content': SYSTEM,
              'llm.input_messages.1.message.role': 'user',
              'llm.input_messages.1.message.content': PROMPT,
              'llm.input_messages.2.message.role': 'assistant',
              'llm.input_messages.2.message.content': FIRST_TEXT,
              'llm.input_messages.2.message.tool_calls.0.tool_call.id': toolCallId,
              'llm.input_messages.2.message.tool_calls.0.tool_call.function.name': 'lookup_recipe',
              'llm.input_messages.2.message.tool_calls.0.tool_call.function.arguments':
                JSON.stringify(TOOL_INPUT),
              'llm.input_messages.3.message.role': 'tool',
              'llm.input_messages.3.message.tool_call_id': toolCallId,
              'llm.input_messages.3.message.name': 'lookup_recipe',
              'llm.input_messages.3.message.content': JSON.stringify(RECIPE),
              'llm.output_messages.0.message.role': 'assistant',
              'llm.output_messages.0.message.content': ANSWER,
              'llm.token_count.prompt': calls[1]!.prompt,
              'llm.token_count.completion': calls[1]!.completion,
              'llm.token_count.total':
                calls[1]!.prompt + calls[1]!.cacheRead + calls[1]!.completion,
              'llm.token_count.prompt_details.cache_read': calls[1]!.cacheRead,
              [UNKNOWN_KEY]: 'not part of any convention',
            },
          },
          childOf(agent),
        )
        second.setStatus({ code: SpanStatusCode.OK })
        second.end(at(2_400))

        agent.setAttribute('output.value', ANSWER)
        agent.setStatus({ code: SpanStatusCode.OK })
        agent.end(at(2_410))
      },
    )
    ;({ detail, normalized } = await showNormalized(loupe.dataDir, traceId))
  })

  it('finishes normalization', () => {
    expect(detail.trace.unnormalizedSpans).toBe(0)
    expect(normalized).toBe(true)
  })

  it('detects the convention and kinds', () => {
    for (const span of detail.spans) expect(span.convention, span.name).toBe('openinference')
    expect(spanNamed(detail, 'recipe_agent')?.kind).toBe('agent')
    expect(spanNamed(detail, 'Messages', 0)?.kind).toBe('model')
    expect(spanNamed(detail, 'Messages', 1)?.kind).toBe('model')
    expect(spanNamed(detail, 'lookup_recipe')?.kind).toBe('tool')
    expect(detail.trace.agentName).toBe('recipe_agent')
    expect(detail.trace.modelCalls).toBe(2)
    expect(detail.trace.toolCalls).toBe(1)
    for (const index of [0, 1]) {
      const call = spanNamed(detail, 'Messages', index)
      expect(call?.provider, `call ${index + 1}`).toBe('anthropic')
      expect(call?.model, `call ${index + 1}`).toBe(model)
    }
  })

  it('reads the tool span', () => {
    const tool = spanNamed(detail, 'lookup_recipe')
    expect(tool?.toolName).toBe('lookup_recipe')
    expect(tool?.toolArguments).toEqual(TOOL_INPUT)
    expect(tool?.toolResult).toEqual(RECIPE)
  })

  it('reads the messages', () => {
    const first = spanNamed(detail, 'Messages', 0)
    const second = spanNamed(detail, 'Messages', 1)
    const toolCall: MessagePart = {
      type: 'tool_call',
      id: toolCallId,
      name: 'lookup_recipe',
      arguments: TOOL_INPUT,
    }

    expect(first?.systemInstructions).toEqual([{ type: 'text', content: SYSTEM }])
    expect(first?.inputMessages?.map((m) => m.role)).toEqual(['system', 'user'])
    expect(first?.inputMessages?.[1]?.parts).toEqual([{ type: 'text', content: PROMPT }])
    expect(first?.outputMessages).toHaveLength(1)
    expect(first?.outputMessages?.[0]?.role).toBe('assistant')
    expect(first?.outputMessages?.[0]?.parts).toEqual([
      { type: 'text', content: FIRST_TEXT },
      toolCall,
    ])

    const input = second?.inputMessages ?? []
    expect(input.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool'])
    expect(input[2]?.parts).toEqual([{ type: 'text', content: FIRST_TEXT }, toolCall])
    expect(input[3]?.parts).toEqual([
      {
        type: 'tool_result',
        id: toolCallId,
        name: 'lookup_recipe',
        result: RECIPE,
        isError: false,
      },
    ])
    expect(toolResultIds(second), 'results answer the first call').toEqual(
      toolCallIds(first?.outputMessages ?? null),
    )
    expect(second?.outputMessages?.[0]?.parts).toEqual([{ type: 'text', content: ANSWER }])
  })

  it('counts tokens with the cache included', () => {
    const spans = [spanNamed(detail, 'Messages', 0), spanNamed(detail, 'Messages', 1)]
    const inputs = calls.map((c) => c.prompt + c.cacheRead + c.cacheWrite)
    expect(spans.map((s) => s?.inputTokens)).toEqual(inputs)
    // The completion count, never total - prompt (which would include the cache).
    expect(spans.map((s) => s?.outputTokens)).toEqual(calls.map((c) => c.completion))
    expect(spans.map((s) => s?.cacheReadTokens)).toEqual([null, calls[1]!.cacheRead])
    expect(spans.map((s) => s?.cacheWriteTokens)).toEqual([calls[0]!.cacheWrite, null])
    expect(detail.trace.inputTokens).toBe(inputs[0]! + inputs[1]!)
    expect(detail.trace.outputTokens).toBe(calls[0]!.completion + calls[1]!.completion)
    expect(detail.trace.cacheReadTokens).toBe(calls[1]!.cacheRead)
    expect(detail.trace.cacheWriteTokens).toBe(calls[0]!.cacheWrite)
  })

  it('computes the cost', () => {
    const spans = [spanNamed(detail, 'Messages', 0)!, spanNamed(detail, 'Messages', 1)!]
    const expected = spans.map((span, index) =>
      priceCall(
        {
          inputTokens: calls[index]!.prompt + calls[index]!.cacheRead + calls[index]!.cacheWrite,
          outputTokens: calls[index]!.completion,
          cacheReadTokens: calls[index]!.cacheRead,
          cacheWriteTokens: calls[index]!.cacheWrite,
        },
        model,
        'anthropic',
        new Date(span.startTime),
      ),
    )
    for (const [index, span] of spans.entries()) {
      expect(span.costSource, `call ${index + 1}`).toBe('computed')
      expect(
        relativeDifference(span.costUsd ?? Number.NaN, expected[index]!),
        `call ${index + 1}: costUsd ${span.costUsd} against genai-prices ${expected[index]}`,
      ).toBeLessThanOrEqual(1e-6)
    }
    expect(
      relativeDifference(detail.trace.costUsd ?? Number.NaN, expected[0]! + expected[1]!),
    ).toBeLessThanOrEqual(1e-6)
  })

  it('lists keys in the ingest inspector', () => {
    const first = spanNamed(detail, 'Messages', 0)
    const second = spanNamed(detail, 'Messages', 1)
    expect(second?.inspector?.convention).toBe('openinference')
    expect(second?.inspector?.unknown).toEqual([UNKNOWN_KEY])
    expect(first?.inspector?.unknown).toEqual([])
    for (const span of [first, second]) {
      expect(span?.inspector?.mapped).toEqual(
        expect.arrayContaining([
          'llm.input_messages',
          'llm.output_messages',
          'llm.token_count.prompt',
          'llm.token_count.completion',
          'llm.model_name',
          'llm.provider',
        ]),
      )
    }
    expect(second?.inspector?.mapped).toContain('llm.token_count.prompt_details.cache_read')
    expect(first?.inspector?.mapped).toContain('llm.token_count.prompt_details.cache_write')
  })

  it('classifies no error', () => {
    expect(detail.trace.errorClass).toBe('none')
    expect(detail.trace.error).toBeNull()
  })
})

describe('OpenLLMetry trace', () => {
  const toolCallId = 'call_Xq7RecipeLookup'
  const requestModel = 'gpt-4o-mini'
  const responseModel = 'gpt-4o-mini-2024-07-18'
  // OpenAI counts cached tokens inside the prompt tokens.
  const usage = { input: 1_300, cacheRead: 1_024, output: 42 }
  const rateLimitMessage =
    "Error code: 429 - {'error': {'message': 'Rate limit reached for gpt-4o-mini in organization " +
    "org-recipes on requests per min (RPM): Limit 3, Used 3, Requested 1.', 'type': 'requests', " +
    "'param': None, 'code': 'rate_limit_exceeded'}}"
  const stacktrace =
    'Traceback (most recent call last):\n' +
    '  File "/app/recipes.py", line 41, in answer\n' +
    '    response = client.chat.completions.create(**request)\n' +
    `openai.RateLimitError: ${rateLimitMessage}\n`
  let detail: TraceDetail
  let normalized: boolean

  /** Record a RateLimitError with the event and status that the OpenTelemetry Python SDK writes. */
  function recordRateLimit(span: Span, time: number): void {
    span.addEvent(
      'exception',
      {
        'exception.type': 'RateLimitError',
        'exception.message': rateLimitMessage,
        'exception.stacktrace': stacktrace,
        'exception.escaped': 'False',
      },
      time,
    )
    span.setStatus({ code: SpanStatusCode.ERROR, message: rateLimitMessage })
  }

  beforeAll(async () => {
    const traceId = await sendTrace(
      'recipe-agent-traceloop',
      'opentelemetry.instrumentation.openai.v1',
      (tracer, at) => {
        const workflow = tracer.startSpan(
          'recipe_workflow.workflow',
          {
            startTime: at(0),
            attributes: {
              'traceloop.span.kind': 'workflow',
              'traceloop.entity.name': 'recipe_workflow',
              'traceloop.workflow.name': 'recipe_workflow',
              'traceloop.entity.input': JSON.stringify({ args: [PROMPT], kwargs: {} }),
            },
          },
          context.active(),
        )
        const chat = {
          'llm.request.type': 'chat',
          'gen_ai.system': 'openai',
          'gen_ai.request.model': requestModel,
          'gen_ai.openai.api_base': 'https://api.openai.com/v1/',
          'llm.is_streaming': false,
          'traceloop.workflow.name': 'recipe_workflow',
          'llm.request.functions.0.name': 'lookup_recipe',
          'llm.request.functions.0.description': 'Look up a recipe by dish name.',
          'llm.request.functions.0.parameters': JSON.stringify({ type: 'object' }),
          'gen_ai.prompt.0.role': 'system',
          'gen_ai.prompt.0.content': SYSTEM,
          'gen_ai.prompt.1.role': 'user',
          'gen_ai.prompt.1.content': PROMPT,
        }
        const first = tracer.startSpan(
          'openai.chat',
          {
            kind: SpanKind.CLIENT,
            startTime: at(10),
            attributes: {
              ...chat,
              'gen_ai.response.model': responseModel,
              'gen_ai.response.id': 'chatcmpl-recipe1',
              'gen_ai.completion.0.role': 'assistant',
              'gen_ai.completion.0.finish_reason': 'tool_calls',
              'gen_ai.completion.0.tool_calls.0.id': toolCallId,
              'gen_ai.completion.0.tool_calls.0.name': 'lookup_recipe',
              'gen_ai.completion.0.tool_calls.0.arguments': JSON.stringify(TOOL_INPUT),
              'gen_ai.usage.input_tokens': usage.input,
              'gen_ai.usage.output_tokens': usage.output,
              'gen_ai.usage.cache_read_input_tokens': usage.cacheRead,
              'llm.usage.total_tokens': usage.input + usage.output,
              [UNKNOWN_KEY]: 'not part of any convention',
            },
          },
          childOf(workflow),
        )
        first.setStatus({ code: SpanStatusCode.OK })
        first.end(at(700))

        const tool = tracer.startSpan(
          'lookup_recipe.tool',
          {
            startTime: at(710),
            attributes: {
              'traceloop.span.kind': 'tool',
              'traceloop.entity.name': 'lookup_recipe',
              'traceloop.entity.path': 'recipe_workflow',
              'traceloop.workflow.name': 'recipe_workflow',
              'traceloop.entity.input': JSON.stringify({ args: [], kwargs: TOOL_INPUT }),
              'traceloop.entity.output': JSON.stringify(RECIPE),
            },
          },
          childOf(workflow),
        )
        tool.end(at(720))

        const second = tracer.startSpan(
          'openai.chat',
          {
            kind: SpanKind.CLIENT,
            startTime: at(730),
            attributes: {
              ...chat,
              'gen_ai.prompt.2.role': 'assistant',
              'gen_ai.prompt.2.tool_calls.0.id': toolCallId,
              'gen_ai.prompt.2.tool_calls.0.name': 'lookup_recipe',
              'gen_ai.prompt.2.tool_calls.0.arguments': JSON.stringify(TOOL_INPUT),
              'gen_ai.prompt.3.role': 'tool',
              'gen_ai.prompt.3.tool_call_id': toolCallId,
              'gen_ai.prompt.3.content': JSON.stringify(RECIPE),
              'error.type': 'RateLimitError',
            },
          },
          childOf(workflow),
        )
        recordRateLimit(second, at(790))
        second.end(at(790))

        recordRateLimit(workflow, at(795))
        workflow.end(at(800))
      },
    )
    ;({ detail, normalized } = await showNormalized(loupe.dataDir, traceId))
  })

  it('finishes normalization', () => {
    expect(detail.trace.unnormalizedSpans).toBe(0)
    expect(normalized).toBe(true)
  })

  it('detects the convention and kinds', () => {
    for (const span of detail.spans) expect(span.convention, span.name).toBe('openllmetry')
    expect(spanNamed(detail, 'recipe_workflow.workflow')?.kind).toBe('agent')
    expect(spanNamed(detail, 'openai.chat', 0)?.kind).toBe('model')
    expect(spanNamed(detail, 'openai.chat', 1)?.kind).toBe('model')
    expect(spanNamed(detail, 'lookup_recipe.tool')?.kind).toBe('tool')
    expect(detail.trace.agentName).toBe('recipe_workflow')
    expect(detail.trace.modelCalls).toBe(2)
    expect(detail.trace.toolCalls).toBe(1)
    const first = spanNamed(detail, 'openai.chat', 0)
    expect(first?.provider).toBe('openai')
    expect(first?.model).toBe(responseModel)
    // The failed call got no response, so only the requested model is known.
    expect(spanNamed(detail, 'openai.chat', 1)?.model).toBe(requestModel)
  })

  it('reads the tool span', () => {
    const tool = spanNamed(detail, 'lookup_recipe.tool')
    expect(tool?.toolName).toBe('lookup_recipe')
    expect(tool?.toolArguments).toEqual({ args: [], kwargs: TOOL_INPUT })
    expect(tool?.toolResult).toEqual(RECIPE)
  })

  it('reads the messages', () => {
    const first = spanNamed(detail, 'openai.chat', 0)
    const second = spanNamed(detail, 'openai.chat', 1)
    const toolCall: MessagePart = {
      type: 'tool_call',
      id: toolCallId,
      name: 'lookup_recipe',
      arguments: TOOL_INPUT,
    }

    expect(first?.systemInstructions).toEqual([{ type: 'text', content: SYSTEM }])
    expect(first?.inputMessages?.map((m) => m.role)).toEqual(['system', 'user'])
    expect(first?.inputMessages?.[1]?.parts).toEqual([{ type: 'text', content: PROMPT }])
    expect(first?.outputMessages).toEqual([
      { role: 'assistant', parts: [toolCall], finishReason: 'tool_calls' },
    ])

    const input = second?.inputMessages ?? []
    expect(input.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool'])
    expect(input[2]?.parts).toEqual([toolCall])
    expect(input[3]?.parts).toEqual([
      { type: 'tool_result', id: toolCallId, name: null, result: RECIPE, isError: false },
    ])
    expect(toolResultIds(second), 'results answer the first call').toEqual(
      toolCallIds(first?.outputMessages ?? null),
    )
    expect(second?.outputMessages).toBeNull()
  })

  it('counts tokens of the answered call', () => {
    const first = spanNamed(detail, 'openai.chat', 0)
    const second = spanNamed(detail, 'openai.chat', 1)
    expect(first?.inputTokens).toBe(usage.input)
    expect(first?.outputTokens).toBe(usage.output)
    expect(first?.cacheReadTokens).toBe(usage.cacheRead)
    expect(second?.inputTokens).toBeNull()
    expect(second?.outputTokens).toBeNull()
    expect(detail.trace.inputTokens).toBe(usage.input)
    expect(detail.trace.outputTokens).toBe(usage.output)
    expect(detail.trace.cacheReadTokens).toBe(usage.cacheRead)
  })

  it('computes the cost', () => {
    const first = spanNamed(detail, 'openai.chat', 0)!
    const expected = priceCall(
      { inputTokens: usage.input, outputTokens: usage.output, cacheReadTokens: usage.cacheRead },
      responseModel,
      'openai',
      new Date(first.startTime),
    )
    expect(first.costSource).toBe('computed')
    expect(
      relativeDifference(first.costUsd ?? Number.NaN, expected),
      `costUsd ${first.costUsd} against genai-prices ${expected}`,
    ).toBeLessThanOrEqual(1e-6)
    expect(spanNamed(detail, 'openai.chat', 1)?.costSource).toBe('none')
    expect(relativeDifference(detail.trace.costUsd ?? Number.NaN, expected)).toBeLessThanOrEqual(
      1e-6,
    )
    expect(detail.trace.unpricedCalls).toBe(0)
  })

  it('lists keys in the ingest inspector', () => {
    const first = spanNamed(detail, 'openai.chat', 0)
    const second = spanNamed(detail, 'openai.chat', 1)
    expect(first?.inspector?.convention).toBe('openllmetry')
    expect(first?.inspector?.unknown).toEqual([UNKNOWN_KEY])
    expect(second?.inspector?.unknown).toEqual([])
    expect(first?.inspector?.mapped).toEqual(
      expect.arrayContaining([
        'gen_ai.prompt.N',
        'gen_ai.completion.N',
        'gen_ai.usage.input_tokens',
        'gen_ai.usage.output_tokens',
        'gen_ai.usage.cache_read_input_tokens',
        'gen_ai.system',
        'gen_ai.request.model',
        'gen_ai.response.model',
      ]),
    )
    expect(second?.inspector?.mapped).toContain('gen_ai.prompt.N')
  })

  it('classifies the rate limit as upstream_unavailable', () => {
    const { trace } = detail
    const failed = spanNamed(detail, 'openai.chat', 1)
    expect(trace.status).toBe('error')
    expect(trace.errorClass).toBe('upstream_unavailable')
    expect(trace.error?.errorClass).toBe('upstream_unavailable')
    expect(trace.error?.httpStatus).toBe(ERROR_CLASS_STATUS.upstream_unavailable)
    expect(trace.error?.exceptionType).toBe('RateLimitError')
    expect(trace.error?.message).toBe(rateLimitMessage)
    expect(trace.error?.spanId, 'the model call that raised it').toBe(failed?.spanId)
    expect(trace.error?.providerStatus).toBe(429)
    expect(failed?.errorClass).toBe('upstream_unavailable')
    expect(spanNamed(detail, 'openai.chat', 0)?.errorClass).toBe('none')
  })
})
