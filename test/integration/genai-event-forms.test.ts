// The older forms of GenAI content, sent by the real OpenTelemetry JS SDK:
// per-message events as OTLP log records tied to the chat span (semconv 1.28
// to 1.36), the 1.26 span events, and pydantic-ai's version-1 `events`
// attribute. Each must read back as the same conversation.

import { context, trace } from '@opentelemetry/api'
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs'
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SpanJson, TraceDetail } from '../../src/shared/api'
import { cliJson, removeDir, startTestCore, type TestCore } from '../helpers/core'

let loupe: TestCore
let tracerProvider: BasicTracerProvider
let loggerProvider: LoggerProvider

beforeAll(async () => {
  loupe = await startTestCore()
  tracerProvider = new BasicTracerProvider({
    spanProcessors: [
      new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${loupe.otlpHttpUrl}/v1/traces` })),
    ],
  })
  loggerProvider = new LoggerProvider({
    processors: [
      new SimpleLogRecordProcessor({
        exporter: new OTLPLogExporter({ url: `${loupe.otlpHttpUrl}/v1/logs` }),
      }),
    ],
  })
})

afterAll(async () => {
  await tracerProvider.shutdown()
  await loggerProvider.shutdown()
  await loupe.stop()
  removeDir(loupe.dataDir)
})

async function chatSpan(
  name: string,
  attributes: Record<string, string | number>,
  emit?: (span: ReturnType<ReturnType<BasicTracerProvider['getTracer']>['startSpan']>) => void,
): Promise<SpanJson> {
  const span = tracerProvider.getTracer('event-forms').startSpan(name, { attributes })
  emit?.(span)
  span.end()
  await tracerProvider.forceFlush()
  await loggerProvider.forceFlush()
  const detail = await cliJson<TraceDetail>([
    'show',
    span.spanContext().traceId,
    '--json',
    '--data',
    loupe.dataDir,
  ])
  return detail.spans[0]!
}

const base = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.system': 'openai',
  'gen_ai.request.model': 'gpt-4o-mini',
  'gen_ai.usage.input_tokens': 30,
  'gen_ai.usage.output_tokens': 12,
}

describe('GenAI event forms', () => {
  it('reads per-message log records', async () => {
    const logger = loggerProvider.getLogger('event-forms')
    const span = await chatSpan('chat gpt-4o-mini', base, (s) => {
      const ctx = trace.setSpan(context.active(), s)
      logger.emit({
        eventName: 'gen_ai.system.message',
        body: { content: 'Be brief.' },
        context: ctx,
      })
      logger.emit({
        eventName: 'gen_ai.user.message',
        body: { content: 'Weather in Paris?' },
        context: ctx,
      })
      logger.emit({
        attributes: { 'event.name': 'gen_ai.choice' },
        body: {
          index: 0,
          finish_reason: 'stop',
          message: { role: 'assistant', content: 'Rainy, 14 °C.' },
        },
        context: ctx,
      })
    })
    expect(span.kind).toBe('model')
    expect(span.systemInstructions).toEqual([{ type: 'text', content: 'Be brief.' }])
    expect(span.inputMessages?.map((m) => [m.role, m.parts])).toEqual([
      ['system', [{ type: 'text', content: 'Be brief.' }]],
      ['user', [{ type: 'text', content: 'Weather in Paris?' }]],
    ])
    expect(span.outputMessages).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'text', content: 'Rainy, 14 °C.' }],
        finishReason: 'stop',
      },
    ])
    expect(span.inputTokens).toBe(30)
    expect(span.costSource).toBe('computed')
  })

  it('reads 1.26 content span events', async () => {
    const span = await chatSpan('chat gpt-4o-mini', base, (s) => {
      s.addEvent('gen_ai.content.prompt', {
        'gen_ai.prompt': JSON.stringify([{ role: 'user', content: 'Hi there' }]),
      })
      s.addEvent('gen_ai.content.completion', {
        'gen_ai.completion': JSON.stringify([{ role: 'assistant', content: 'Hello!' }]),
      })
    })
    expect(span.inputMessages?.[0]?.parts).toEqual([{ type: 'text', content: 'Hi there' }])
    expect(span.outputMessages?.[0]?.parts).toEqual([{ type: 'text', content: 'Hello!' }])
  })

  it('reads the pydantic-ai version-1 events attribute', async () => {
    const events = [
      { 'event.name': 'gen_ai.user.message', role: 'user', content: 'Where is order 5521?' },
      {
        'event.name': 'gen_ai.assistant.message',
        role: 'assistant',
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'lookup_order', arguments: '{"order_id":"5521"}' },
          },
        ],
      },
      {
        'event.name': 'gen_ai.tool.message',
        role: 'tool',
        id: 'call_1',
        name: 'lookup_order',
        content: 'shipped',
      },
      {
        'event.name': 'gen_ai.choice',
        index: 0,
        message: { role: 'assistant', content: 'It has shipped.' },
      },
    ]
    const span = await chatSpan('chat gpt-4o', {
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      events: JSON.stringify(events),
    })
    expect(span.kind).toBe('model')
    const parts = span.inputMessages!.flatMap((m) => m.parts)
    expect(parts).toContainEqual({
      type: 'tool_call',
      id: 'call_1',
      name: 'lookup_order',
      arguments: { order_id: '5521' },
    })
    expect(parts).toContainEqual({
      type: 'tool_result',
      id: 'call_1',
      name: 'lookup_order',
      result: 'shipped',
      isError: false,
    })
    expect(span.outputMessages?.[0]?.parts).toEqual([{ type: 'text', content: 'It has shipped.' }])
  })
})
