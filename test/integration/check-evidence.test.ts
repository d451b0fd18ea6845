// The evidence lines of `loupe check` on traces of the Vercel AI SDK (its
// MockLanguageModelV3 replaces the provider), exported by the OpenTelemetry
// JS SDK to a real core from two services: recipe-api sets its deployment
// environment and billing-worker does not.

import type { LanguageModelV3GenerateResult } from '@ai-sdk/provider'
import { context } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { generateText } from 'ai'
import { MockLanguageModelV3 } from 'ai/test'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CheckFinding, CheckReport } from '../../src/shared/check'
import { removeDir, runCli, startTestCore, type TestCore } from '../helpers/core'
import { showNormalized } from '../helpers/genai'

const MODEL_ID = 'gpt-4o-mini-2024-07-18'

function answeringModel(): MockLanguageModelV3 {
  const result: LanguageModelV3GenerateResult = {
    content: [{ type: 'text', text: 'Done.' }],
    finishReason: { unified: 'stop', raw: 'stop' },
    usage: {
      inputTokens: { total: 20, noCache: 20, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: 2, text: 2, reasoning: undefined },
    },
    response: { id: 'chatcmpl-check', modelId: MODEL_ID, timestamp: new Date() },
    warnings: [],
  }
  return new MockLanguageModelV3({
    provider: 'openai.chat',
    modelId: MODEL_ID,
    doGenerate: [result],
  })
}

let loupe: TestCore
const providers: BasicTracerProvider[] = []

/** Runs one AI SDK call under `functionId` from a service with `resource` and returns its trace id. */
async function runAgent(functionId: string, resource: Record<string, string>): Promise<string> {
  const memory = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [
      new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${loupe.otlpHttpUrl}/v1/traces` })),
      new SimpleSpanProcessor(memory),
    ],
  })
  providers.push(provider)
  await generateText({
    model: answeringModel(),
    prompt: 'Plan dinner.',
    experimental_telemetry: { isEnabled: true, functionId, tracer: provider.getTracer('ai') },
  })
  await provider.forceFlush()
  const traceId = memory.getFinishedSpans()[0]!.spanContext().traceId
  const stored = await showNormalized(loupe.dataDir, traceId, 20_000)
  expect(stored.normalized, `normalization of ${traceId}`).toBe(true)
  return traceId
}

function findingOf(report: CheckReport, id: string): CheckFinding {
  const finding = report.checks.find((check) => check.id === id)
  expect(finding, `check ${id} in the report`).toBeDefined()
  return finding!
}

beforeAll(async () => {
  loupe = await startTestCore()
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  await runAgent('recipe-bot', {
    'service.name': 'recipe-api',
    'deployment.environment.name': 'staging',
  })
  await runAgent('billing-bot', { 'service.name': 'billing-worker' })
}, 60_000)

afterAll(async () => {
  for (const provider of providers) await provider.shutdown()
  context.disable()
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

describe('loupe check evidence', () => {
  it('names the agent name attribute', async () => {
    const json = await runCli(['check', '--since', '1h', '--json', '--data', loupe.dataDir])
    const names = findingOf(JSON.parse(json.stdout) as CheckReport, 'agent-names')
    expect(names.result).toBe('pass')
    const evidence = names.evidence.map((item) => `${item.attribute} = ${item.value}`).sort()
    expect(evidence).toEqual([
      'ai.telemetry.functionId = "billing-bot"',
      'ai.telemetry.functionId = "recipe-bot"',
    ])

    const text = await runCli(['check', '--since', '1h', '--data', loupe.dataDir])
    expect(text.stdout).toContain(
      'ai.telemetry.functionId = "recipe-bot": Agent recipe-bot is named.',
    )
    expect(text.stdout).not.toContain('(missing): Agent')
  })

  it('fails environment on the unset service only', async () => {
    const json = await runCli(['check', '--since', '1h', '--json', '--data', loupe.dataDir])
    const environment = findingOf(JSON.parse(json.stdout) as CheckReport, 'environment')
    expect(environment.result).toBe('fail')
    expect(environment.finding).toBe(
      '1 service sent spans without a deployment environment: billing-worker.',
    )
    expect(environment.evidence.map((item) => item.note)).toEqual([
      'Service billing-worker sent no environment; set environment= in logfire.configure() or ' +
        'deployment.environment.name in OTEL_RESOURCE_ATTRIBUTES.',
    ])

    const text = await runCli(['check', '--since', '1h', '--data', loupe.dataDir])
    const failed = text.stdout.slice(text.stdout.indexOf('FAILED'), text.stdout.indexOf('PASSED'))
    expect(failed).toContain('environment: The deployment environment is set')
    expect(failed).not.toContain('recipe-api')
  })
})
