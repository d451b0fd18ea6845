// Helpers of the tests that call the mock model gateway through real provider
// clients. Every client sends the weather task of test/interop/clients/weather.json,
// and a test records each model call in one form (ClientCall) as its client
// returned it. The checks here compare those calls with what their user
// expects, and with the gateway spans that Loupe stored for them.

import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect } from 'vitest'
import { z } from 'zod'
import type { JsonValue, SpanJson, TraceDetail } from '../../src/shared/api'
import { repoRoot, type TestCore } from './core'

const execFileAsync = promisify(execFile)

export const clientsDir = join(repoRoot, 'test/interop/clients')

export interface ToolDefinition {
  name: string
  description: string
  parameters: JsonValue
}

export interface WeatherFixture {
  prompt: string
  tools: ToolDefinition[]
  /** The structured output format: a name and a JSON Schema. */
  report: { name: string; schema: JsonValue }
}

export const weather = JSON.parse(
  readFileSync(join(clientsDir, 'weather.json'), 'utf8'),
) as WeatherFixture

export function toolSchema(name: string): JsonValue {
  const tool = weather.tools.find((t) => t.name === name)
  if (!tool) throw new Error(`weather.json has no tool ${name}`)
  return tool.parameters
}

export type JsonObject = { [key: string]: JsonValue }

export interface ClientToolCall {
  id: string
  name: string
  arguments: JsonObject
  /** The tool's result that the client sent back, when it ran the tool. */
  result?: string
}

/** One model call as the client SDK returned it to its user. */
export interface ClientCall {
  /** The response's id: chatcmpl-…, resp_… or msg_…. */
  responseId: string
  model: string
  stream: boolean
  text: string | null
  toolCalls: ClientToolCall[]
  /** Token counts as the SDK reports them. `total` is null for an API that reports no total. */
  usage: { input: number; output: number; total: number | null }
  finishReason: string | null
}

/** The report of one scenario of a test/interop/clients script (see weather.py). */
export interface ScenarioReport {
  traceId: string
  calls?: ClientCall[]
  details?: Record<string, unknown>
  /** The Python traceback, when the scenario raised. */
  error?: string
}

export interface ClientScriptReport {
  scenarios: Record<string, ScenarioReport>
}

/** Returns the problems of `value` against a JSON Schema, or [] when it is valid. */
export function schemaProblems(schema: JsonValue, value: unknown): string[] {
  const validator = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0])
  const result = validator.safeParse(value)
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
}

/** Makes a new W3C traceparent, with its trace id and parent span id. */
export function newTraceparent(): { traceId: string; spanId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex')
  const spanId = randomBytes(8).toString('hex')
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` }
}

/** Environment without OTel, Logfire, OpenAI or Anthropic settings inherited from the machine. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(OTEL_|LOGFIRE_|OPENAI_|ANTHROPIC_)/.test(key)) env[key] = value
  }
  return { ...env, ...extra }
}

/** Runs a script of test/interop/clients and returns the JSON of its last output line. */
export async function runClientScript<T>(
  python: string,
  script: string,
  args: string[],
): Promise<T> {
  const { stdout } = await execFileAsync(python, [join(clientsDir, script), ...args], {
    env: cleanEnv(),
    timeout: 90_000,
  })
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as T
}

/** Returns a scenario's report, or fails with the traceback of the scenario's exception. */
export function scenarioOf(
  report: ClientScriptReport,
  name: string,
): { traceId: string; calls: ClientCall[]; details: Record<string, unknown> } {
  const scenario = report.scenarios[name]
  if (!scenario) throw new Error(`the report has no scenario ${name}`)
  if (scenario.error !== undefined) throw new Error(`scenario ${name} raised:\n${scenario.error}`)
  return { traceId: scenario.traceId, calls: scenario.calls!, details: scenario.details ?? {} }
}

/**
 * Reads a trace through the core's API once its spans are normalized,
 * polling `GET /api/traces/:id/full?wait=1` for up to `timeoutMs`.
 */
export async function fetchTrace(
  loupe: TestCore,
  traceId: string,
  timeoutMs = 10_000,
): Promise<TraceDetail> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const response = await fetch(`${loupe.uiUrl}/api/traces/${traceId}/full?wait=1`, {
      headers: { Authorization: `Bearer ${loupe.core.discovery.token}` },
    })
    if (response.ok) {
      const detail = (await response.json()) as TraceDetail
      if (detail.trace.unnormalizedSpans === 0) return detail
    } else if (response.status !== 404) {
      throw new Error(`GET trace ${traceId} returned ${response.status}: ${await response.text()}`)
    }
    if (Date.now() >= deadline) {
      throw new Error(`trace ${traceId} was not stored and normalized within ${timeoutMs} ms`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Returns the gateway's spans of a trace, in start order. */
export function gatewaySpans(detail: TraceDetail): SpanJson[] {
  return detail.spans
    .filter((span) => span.serviceName === 'loupe-gateway')
    .sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1))
}

/** Returns the tool calls of a span's output messages, as Loupe shows them. */
export function spanToolCalls(
  span: SpanJson,
): { id: string | null; name: string; arguments: JsonValue }[] {
  return (span.outputMessages ?? [])
    .flatMap((message) => message.parts)
    .flatMap((part) =>
      part.type === 'tool_call'
        ? [{ id: part.id, name: part.name, arguments: part.arguments }]
        : [],
    )
}

/** Returns the text of a span's output messages, or null when they have none. */
export function spanText(span: SpanJson): string | null {
  const texts = (span.outputMessages ?? [])
    .flatMap((message) => message.parts)
    .flatMap((part) => (part.type === 'text' ? [part.content] : []))
  return texts.length > 0 ? texts.join('') : null
}

/** Returns the tool definitions that the gateway received with a call, by name. */
export function offeredSchemas(span: SpanJson): Map<string, JsonValue> {
  const raw = span.attributes['gen_ai.tool.definitions']
  if (typeof raw !== 'string') return new Map()
  const definitions = JSON.parse(raw) as { name: string; parameters: JsonValue }[]
  return new Map(definitions.map((d) => [d.name, d.parameters]))
}

/**
 * Checks that a call requested each offered tool once, in order, with
 * arguments valid against the tool's schema in weather.json.
 */
export function expectToolCallsValid(call: ClientCall, offered: string[]): void {
  expect(call.toolCalls.map((c) => c.name)).toEqual(offered)
  for (const toolCall of call.toolCalls) {
    expect(toolCall.id, `${toolCall.name} call id`).not.toBe('')
    const problems = schemaProblems(toolSchema(toolCall.name), toolCall.arguments)
    expect(problems, `${toolCall.name} arguments`).toEqual([])
  }
}

/** Returns the mock's reply text to a turn whose tool results are back. */
export function expectedAnswer(results: { name: string; result: string }[]): string {
  const listed = results.map((r) => `${r.name} returned ${r.result}`).join('; ')
  return `Mock answer from the Loupe gateway: ${listed}.`
}

/** Checks the usage an SDK reported: tokens in both directions, and a consistent total. */
export function expectUsageReported(call: ClientCall): void {
  expect(call.usage.input, `${call.responseId} input tokens`).toBeGreaterThan(0)
  expect(call.usage.output, `${call.responseId} output tokens`).toBeGreaterThan(0)
  if (call.usage.total !== null) {
    expect(call.usage.total, `${call.responseId} total tokens`).toBe(
      call.usage.input + call.usage.output,
    )
  }
}

/**
 * Checks a tool-calling turn of two calls as its user sees it: the first
 * calls each offered tool with valid arguments, and the second replies with
 * text built from the tool results that the client sent back.
 */
export function expectToolTurn(
  calls: ClientCall[],
  offered: string[],
  finishReasons: { toolCalls: string; answer: string },
): void {
  expect(calls).toHaveLength(2)
  const [first, second] = calls as [ClientCall, ClientCall]
  expectToolCallsValid(first, offered)
  expect(first.text).toBeNull()
  expect(first.finishReason).toBe(finishReasons.toolCalls)
  const results = first.toolCalls.map((c) => ({ name: c.name, result: c.result! }))
  expect(second.toolCalls).toEqual([])
  expect(second.text).toBe(expectedAnswer(results))
  expect(second.finishReason).toBe(finishReasons.answer)
  for (const call of calls) expectUsageReported(call)
  // The second call reads the tool calls and their results too.
  expect(second.usage.input).toBeGreaterThan(first.usage.input)
}

/**
 * Checks that the trace contains one gateway span for each call, matched by
 * response id, with the call's API, streaming flag, model, token counts,
 * text and tool calls.
 */
export function expectCallsStored(detail: TraceDetail, calls: ClientCall[], api: string): void {
  const spans = gatewaySpans(detail)
  expect(spans.map((s) => s.attributes['gen_ai.response.id'])).toEqual(
    calls.map((c) => c.responseId),
  )
  calls.forEach((call, index) => {
    const span = spans[index]!
    const label = `span of ${call.responseId}`
    expect(span.kind, label).toBe('model')
    expect(span.status, label).not.toBe('error')
    expect(span.attributes['loupe.gateway.api'], label).toBe(api)
    expect(span.attributes['loupe.gateway.stream'], label).toBe(call.stream)
    expect(span.model, label).toBe(call.model)
    expect(span.inputTokens, label).toBe(call.usage.input)
    expect(span.outputTokens, label).toBe(call.usage.output)
    expect(spanText(span), label).toBe(call.text)
    expect(spanToolCalls(span), label).toEqual(
      call.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments })),
    )
  })
}
