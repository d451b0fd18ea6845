// A seeded store of many agent runs built from real SDK traces. A handful
// of traces is captured once through Loupe's mock gateway: pydantic-ai
// agents (OpenAI and Anthropic, a FastAPI app with two routes, a tool that
// fails, a provider that returns 503) and a Vercel AI SDK agent exported by
// OpenTelemetry JS. The seeder then plans thousands of runs (agent, model,
// start time over the last 48 hours, speed) and sends each one as a copy of
// a captured trace over OTLP/HTTP, with fresh trace and span ids.
//
// Every planned run lists what the seeder sent: the agent, the model calls
// with their times and tokens, the tool calls and whether they failed, the
// error class and the HTTP route. Tests compute their expected numbers from
// that plan, never from Loupe.

import { createOpenAI } from '@ai-sdk/openai'
import { context } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { generateText, stepCountIs, tool } from 'ai'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import type { PriceOverride, RunJson, TraceSummary } from '../../src/shared/api'
import {
  agentEnv,
  apiJson,
  postOtlp,
  removeDir,
  repoRoot,
  runCli,
  startTestCore,
  type TestCore,
} from './core'

/** A fake key: the mock gateway accepts any key outside a run. */
const API_KEY = 'sk-test-not-a-real-key'
/** The agent name in every captured trace, replaced by each run's agent. */
export const TEMPLATE_AGENT = 'template_agent'

interface OtlpAnyValue {
  stringValue?: string
  intValue?: string | number
  doubleValue?: number
  boolValue?: boolean
}

interface OtlpKeyValue {
  key: string
  value: OtlpAnyValue
}

interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind?: number
  startTimeUnixNano: string
  endTimeUnixNano: string
  attributes?: OtlpKeyValue[]
  events?: { timeUnixNano?: string }[]
  links?: { traceId: string; spanId: string }[]
  status?: { code?: number; message?: string }
}

interface OtlpResourceSpans {
  resource?: { attributes?: OtlpKeyValue[] }
  scopeSpans: { scope?: { name?: string }; spans: OtlpSpan[] }[]
}

/** An OTLP/JSON ExportTraceServiceRequest, as `loupe export` writes it. */
export interface OtlpTraces {
  resourceSpans: OtlpResourceSpans[]
}

/** A model call of a template, with times relative to the trace's first span start. */
export interface TemplateCall {
  startOffsetNs: bigint
  durationNs: bigint
  inputTokens: number
  outputTokens: number
}

export interface TemplateTool {
  name: string
  startOffsetNs: bigint
  /** The tool span ended with error status. */
  failed: boolean
}

/** One captured trace and what the seeder reads from it. */
export interface SeedTemplate {
  name: string
  body: OtlpTraces
  provider: string
  /** The request and response model names in the body, which each run replaces. */
  models: string[]
  /** The error class that the capture was set up to end with. */
  errorClass: string
  /** The first http.route attribute of a server span in the trace, or null. */
  route: string | null
  /** The top-most agent span's duration. */
  agentDurationNs: bigint
  calls: TemplateCall[]
  tools: TemplateTool[]
}

/** A model call that a seeded run sent. */
export interface SeededCall {
  startNs: bigint
  durationMs: number
  provider: string
  model: string
  inputTokens: number
  outputTokens: number
}

/** A tool call that a seeded run sent. */
export interface SeededTool {
  name: string
  startNs: bigint
  failed: boolean
}

/** One planned run: everything the seeder sends for it. */
export interface SeededRun {
  traceId: string
  template: SeedTemplate
  agentName: string
  model: string
  toolName: string
  /** Start of the trace's first span, in Unix nanoseconds. */
  startNs: bigint
  /** Span offsets and durations of the template are multiplied by speed / 4. */
  speed: bigint
  errorClass: string
  route: string | null
  agentDurationMs: number
  calls: SeededCall[]
  tools: SeededTool[]
}

/** Agent names of the seeded runs. */
export const SEED_AGENTS = ['support_agent', 'research_agent', 'billing_agent', 'triage_agent']

/** The tool name in every captured trace, replaced by each run's tool. */
export const TEMPLATE_TOOL = 'get_forecast'
/** Tool names of the seeded runs. */
export const SEED_TOOLS = ['get_forecast', 'search_docs', 'lookup_order']

/** Models of the seeded runs by provider, with the prices (USD per million tokens) that tests set. */
export const SEED_MODELS: Record<string, { model: string; input: number; output: number }[]> = {
  openai: [
    { model: 'gpt-4o-mini', input: 0.15, output: 0.6 },
    { model: 'gpt-4o', input: 2.5, output: 10 },
    { model: 'gpt-4.1-mini', input: 0.4, output: 1.6 },
  ],
  anthropic: [
    { model: 'claude-3-5-haiku-latest', input: 0.8, output: 4 },
    { model: 'claude-sonnet-4-0', input: 3, output: 15 },
  ],
}

/** Returns the price overrides that make each seeded model's cost exact and known to the test. */
export function seedPrices(): PriceOverride[] {
  return Object.values(SEED_MODELS)
    .flat()
    .map((entry) => ({
      provider: '*',
      model: entry.model,
      inputPerMTok: entry.input,
      outputPerMTok: entry.output,
      cacheReadPerMTok: null,
      cacheWritePerMTok: null,
    }))
}

/** Returns a call's cost in US dollars at the seed prices. */
export function seedCost(call: Pick<SeededCall, 'model' | 'inputTokens' | 'outputTokens'>): number {
  const price = Object.values(SEED_MODELS)
    .flat()
    .find((entry) => entry.model === call.model)
  if (!price) throw new Error(`no seed price for model ${call.model}`)
  return (call.inputTokens * price.input + call.outputTokens * price.output) / 1e6
}

// ---- Reading a captured trace ----------------------------------------------

function attribute(span: OtlpSpan, key: string): OtlpAnyValue | undefined {
  return span.attributes?.find((kv) => kv.key === key)?.value
}

function stringAttribute(span: OtlpSpan, key: string): string | null {
  return attribute(span, key)?.stringValue ?? null
}

function intAttribute(span: OtlpSpan, key: string): number | null {
  const value = attribute(span, key)?.intValue
  return value === undefined ? null : Number(value)
}

interface ScopedSpan {
  span: OtlpSpan
  scope: string
}

function spansOf(body: OtlpTraces): ScopedSpan[] {
  return body.resourceSpans.flatMap((resource) =>
    resource.scopeSpans.flatMap((scope) =>
      scope.spans.map((span) => ({ span, scope: scope.scope?.name ?? '' })),
    ),
  )
}

const MODEL_OPERATIONS = new Set(['ai.generateText.doGenerate', 'ai.streamText.doStream'])

/**
 * Returns whether a span records a model call, in any instrumentation:
 * pydantic-ai's and the provider SDK's `chat` spans (gen_ai.operation.name),
 * the gateway's, and the AI SDK's doGenerate span.
 */
function isModelSpan({ span }: ScopedSpan): boolean {
  return (
    stringAttribute(span, 'gen_ai.operation.name') === 'chat' ||
    MODEL_OPERATIONS.has(stringAttribute(span, 'ai.operationId') ?? '')
  )
}

/**
 * Returns the model calls of a trace, each once: the model-call spans with
 * no model-call span above them. The spans below one (the provider SDK's
 * own span of the request, the gateway's) record the same call again.
 */
function modelCalls(spans: ScopedSpan[]): ScopedSpan[] {
  const byId = new Map(spans.map((entry) => [entry.span.spanId, entry]))
  const below = (entry: ScopedSpan) => {
    const seen = new Set<string>()
    for (let parent = entry.span.parentSpanId; parent && !seen.has(parent);) {
      seen.add(parent)
      const above = byId.get(parent)
      if (above === undefined) return false
      if (isModelSpan(above)) return true
      parent = above.span.parentSpanId
    }
    return false
  }
  return spans.filter((entry) => isModelSpan(entry) && !below(entry))
}

/** OTLP SpanKind SERVER. */
const SPAN_KIND_SERVER = 2

function isToolCall({ span }: ScopedSpan): boolean {
  return (
    stringAttribute(span, 'gen_ai.operation.name') === 'execute_tool' ||
    stringAttribute(span, 'ai.operationId') === 'ai.toolCall'
  )
}

function isAgentRun({ span }: ScopedSpan): boolean {
  return (
    stringAttribute(span, 'gen_ai.operation.name') === 'invoke_agent' ||
    stringAttribute(span, 'ai.operationId') === 'ai.generateText'
  )
}

const duration = (span: OtlpSpan) => BigInt(span.endTimeUnixNano) - BigInt(span.startTimeUnixNano)

/** Reads a captured trace into a template; throws when it lacks an agent run or a model call. */
export function describeTemplate(name: string, body: OtlpTraces, errorClass: string): SeedTemplate {
  const spans = spansOf(body)
  const t0 = spans
    .map(({ span }) => BigInt(span.startTimeUnixNano))
    .reduce((a, b) => (a < b ? a : b))
  const offset = (span: OtlpSpan) => BigInt(span.startTimeUnixNano) - t0
  const agents = spans.filter(isAgentRun).sort((a, b) => Number(offset(a.span) - offset(b.span)))
  const calls = modelCalls(spans)

  if (agents.length === 0 || calls.length === 0) {
    throw new Error(
      `captured trace ${name} has ${agents.length} agent runs and ${calls.length} model calls`,
    )
  }

  const first = calls[0]!.span
  const aiProvider = stringAttribute(first, 'ai.model.provider')
  const provider =
    aiProvider?.split('.')[0] ??
    stringAttribute(first, 'gen_ai.provider.name') ??
    stringAttribute(first, 'gen_ai.system')
  const models = new Set<string>()
  for (const { span } of calls) {
    for (const key of ['gen_ai.request.model', 'gen_ai.response.model', 'ai.model.id']) {
      const model = stringAttribute(span, key)
      if (model) models.add(model)
    }
  }

  const route =
    spans
      .filter(({ span }) => span.kind === SPAN_KIND_SERVER)
      .map(({ span }) => stringAttribute(span, 'http.route'))
      .find((r) => r) ?? null
  return {
    name,
    body,
    provider: provider ?? 'unknown',
    models: [...models].sort((a, b) => b.length - a.length),
    errorClass,
    route,
    agentDurationNs: duration(agents[0]!.span),
    calls: calls.map(({ span }) => ({
      startOffsetNs: offset(span),
      durationNs: duration(span),
      inputTokens:
        intAttribute(span, 'gen_ai.usage.input_tokens') ??
        intAttribute(span, 'ai.usage.inputTokens') ??
        0,
      outputTokens:
        intAttribute(span, 'gen_ai.usage.output_tokens') ??
        intAttribute(span, 'ai.usage.outputTokens') ??
        0,
    })),
    tools: spans.filter(isToolCall).map(({ span }) => ({
      name:
        stringAttribute(span, 'gen_ai.tool.name') ??
        stringAttribute(span, 'ai.toolCall.name') ??
        '',
      startOffsetNs: offset(span),
      failed: span.status?.code === 2,
    })),
  }
}

// ---- Capturing ----------------------------------------------------------------

const FORECAST_TURNS = `
  - match: { toolResults: false }
    times: always
    toolCalls:
      - name: get_forecast
        arguments: { city: Utrecht }
    usage: { inputTokens: 120, outputTokens: 20 }
  - match: { toolResults: true }
    times: always
    text: Sunny in Utrecht.
    usage: { inputTokens: 180, outputTokens: 12 }
`

/** The pydantic-ai captures: a mode of seed_agent.py, a model, a scenario and the expected class. */
const PYTHON_CAPTURES = [
  {
    name: 'pydantic-openai',
    mode: 'turn',
    model: 'openai-chat:gpt-4o-mini',
    scenario: `turns:${FORECAST_TURNS}`,
    errorClass: 'none',
  },
  {
    name: 'pydantic-anthropic',
    mode: 'turn',
    model: 'anthropic:claude-3-5-haiku-latest',
    scenario: `turns:${FORECAST_TURNS}`,
    errorClass: 'none',
  },
  {
    name: 'pydantic-route',
    mode: 'route',
    model: 'openai-chat:gpt-4o-mini',
    scenario: `turns:${FORECAST_TURNS}`,
    errorClass: 'none',
  },
  {
    name: 'pydantic-tool-failed',
    mode: 'turn',
    model: 'openai-chat:gpt-4o-mini',
    scenario: `turns:
  - toolCalls:
      - name: get_forecast
        arguments: { city: Atlantis }
    usage: { inputTokens: 140, outputTokens: 18 }
`,
    errorClass: 'tool_failed',
  },
  {
    name: 'pydantic-upstream-unavailable',
    mode: 'turn',
    model: 'openai-chat:gpt-4o-mini',
    scenario: `turns:
  - times: always
    error: { status: 503, message: The model is overloaded }
`,
    errorClass: 'upstream_unavailable',
  },
]

async function exportTrace(core: TestCore, traceId: string): Promise<OtlpTraces> {
  const reply = await apiJson<OtlpTraces>(core, `/api/traces/${traceId}/export?wait=1`)
  if (reply.status !== 200) throw new Error(`export of trace ${traceId} failed: ${reply.status}`)
  return reply.body
}

/** Checks that Loupe classified a capture as it was set up to end, so a drift in the SDK shows here. */
async function checkClass(core: TestCore, traceId: string, name: string, expected: string) {
  const trace = (await apiJson<TraceSummary>(core, `/api/traces/${traceId}?wait=1`)).body
  if (trace.errorClass !== expected) {
    throw new Error(`captured trace ${name} ended with ${trace.errorClass}, not ${expected}`)
  }
}

async function capturePython(core: TestCore, python: string): Promise<SeedTemplate[]> {
  const templates: SeedTemplate[] = []
  for (const capture of PYTHON_CAPTURES) {
    const scenario = join(core.dataDir, `${capture.name}.yaml`)
    writeFileSync(scenario, capture.scenario)
    const script = join(repoRoot, 'test/interop/seed_agent.py')
    const args = ['run', '--mock', scenario, '--data', core.dataDir, '--', python, script]
    const result = await runCli([...args, capture.mode, capture.model], agentEnv())
    if (result.code !== 0) {
      throw new Error(`capture ${capture.name} failed (${result.code}):\n${result.stderr}`)
    }
    // Captures run one at a time, so the latest run is this one.
    const runs = (await apiJson<RunJson[]>(core, '/api/runs?wait=1')).body
    const run = runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0]
    for (const traceId of run?.traceIds ?? []) {
      const trace = (await apiJson<TraceSummary>(core, `/api/traces/${traceId}?wait=1`)).body
      if (trace.rootName.startsWith('loupe run')) continue
      await checkClass(core, traceId, capture.name, capture.errorClass)
      const body = await exportTrace(core, traceId)
      const name = trace.rootName.startsWith('POST ')
        ? `${capture.name} ${trace.rootName}`
        : capture.name
      templates.push(describeTemplate(name, body, capture.errorClass))
    }
  }
  return templates
}

/** Runs a Vercel AI SDK agent with a tool against the mock gateway, its spans exported by OTel JS. */
async function captureAiSdk(core: TestCore): Promise<SeedTemplate> {
  const contextManager = new AsyncLocalStorageContextManager()
  context.setGlobalContextManager(contextManager.enable())
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'ai-sdk-agent' }),
    spanProcessors: [
      new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${core.otlpHttpUrl}/v1/traces` })),
    ],
  })
  try {
    const openai = createOpenAI({
      baseURL: `${core.otlpHttpUrl}/gateway/openai/v1`,
      apiKey: API_KEY,
    })
    await generateText({
      model: openai.chat('gpt-4o-mini'),
      prompt: 'What is the weather in Utrecht?',
      tools: {
        get_forecast: tool({
          description: 'Forecast for a city.',
          inputSchema: z.object({ city: z.string() }),
          execute: ({ city }) => `sunny in ${city}`,
        }),
      },
      stopWhen: stepCountIs(4),
      experimental_telemetry: {
        isEnabled: true,
        functionId: TEMPLATE_AGENT,
        tracer: provider.getTracer('ai'),
      },
    })
    await provider.forceFlush()
  } finally {
    await provider.shutdown()
    context.disable()
  }
  const traces = (await apiJson<TraceSummary[]>(core, '/api/traces?limit=1000&wait=1')).body
  const trace = traces.find((t) => t.serviceName === 'ai-sdk-agent')
  if (!trace) throw new Error('the AI SDK capture stored no trace of service ai-sdk-agent')
  await checkClass(core, trace.traceId, 'ai-sdk', 'none')
  return describeTemplate('ai-sdk-openai', await exportTrace(core, trace.traceId), 'none')
}

/**
 * Captures the templates on a core of their own, so that the captures and
 * their gateway spans stay out of the seeded store, and stops it.
 */
export async function captureTemplates(python: string): Promise<SeedTemplate[]> {
  const core = await startTestCore()
  try {
    const pythonTemplates = await capturePython(core, python)
    return [...pythonTemplates, await captureAiSdk(core)]
  } finally {
    await core.stop()
    removeDir(core.dataDir)
  }
}

// ---- Planning and sending -----------------------------------------------------

/** Returns a small seeded PRNG (mulberry32), so that a plan is the same on every run of a test. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function hex(next: () => number, bytes: number): string {
  let text = ''
  for (let i = 0; i < bytes; i++)
    text += Math.floor(next() * 256)
      .toString(16)
      .padStart(2, '0')
  return text
}

const HOUR_MS = 3_600_000
/** Runs start at least this long before `nowMs`, so their spans have ended by then. */
const MIN_AGE_MS = 10 * 60_000

/** How often each kind of capture is copied, by template name prefix. */
const TEMPLATE_WEIGHTS: [string, number][] = [
  ['pydantic-openai', 30],
  ['pydantic-anthropic', 15],
  ['pydantic-route', 20],
  ['ai-sdk-openai', 15],
  ['pydantic-tool-failed', 12],
  ['pydantic-upstream-unavailable', 8],
]

export interface PlanOptions {
  runs: number
  /** The end of the seeded period in Unix milliseconds; runs start in the 48 hours before it. */
  nowMs: number
  seed?: number
  /**
   * Start times within this many milliseconds of `nowMs - 24 h` are moved
   * out of that band, so that a query over the last 24 hours run a few
   * minutes later counts the same runs.
   */
  dayEdgeMarginMs?: number
}

function pickTemplate(templates: SeedTemplate[], next: () => number): SeedTemplate {
  const weighted = TEMPLATE_WEIGHTS.flatMap(([prefix, weight]) =>
    templates.filter((t) => t.name.startsWith(prefix)).map((t) => [t, weight] as const),
  )
  const total = weighted.reduce((sum, [, weight]) => sum + weight, 0)
  let pick = next() * total
  for (const [template, weight] of weighted) {
    pick -= weight
    if (pick < 0) return template
  }
  return weighted.at(-1)![0]
}

function startMsOf(options: PlanOptions, next: () => number): number {
  const margin = options.dayEdgeMarginMs ?? 15 * 60_000
  for (;;) {
    const age = MIN_AGE_MS + next() * (48 * HOUR_MS - MIN_AGE_MS)
    if (Math.abs(age - 24 * HOUR_MS) > margin) return options.nowMs - age
  }
}

/** Plans `runs` copies of the templates with varied agents, models, start times and speeds. */
export function planRuns(templates: SeedTemplate[], options: PlanOptions): SeededRun[] {
  const next = random(options.seed ?? 20_260_501)
  const runs: SeededRun[] = []
  for (let i = 0; i < options.runs; i++) {
    const template = pickTemplate(templates, next)
    const models = SEED_MODELS[template.provider]
    if (!models) throw new Error(`no seed models for provider ${template.provider}`)
    const model = models[Math.floor(next() * models.length)]!.model
    const agentName = SEED_AGENTS[Math.floor(next() * SEED_AGENTS.length)]!
    const toolName = SEED_TOOLS[Math.floor(next() * SEED_TOOLS.length)]!
    const startNs = BigInt(Math.round(startMsOf(options, next))) * 1_000_000n
    // 2 to 12 quarters: from half to three times the captured speed.
    const speed = BigInt(2 + Math.floor(next() * 11))
    const scaled = (ns: bigint) => (ns * speed) / 4n
    runs.push({
      traceId: hex(next, 16),
      template,
      agentName,
      model,
      toolName,
      startNs,
      speed,
      errorClass: template.errorClass,
      route: template.route,
      agentDurationMs: Number(scaled(template.agentDurationNs)) / 1e6,
      calls: template.calls.map((call) => {
        const start = startNs + scaled(call.startOffsetNs)
        const end = startNs + scaled(call.startOffsetNs + call.durationNs)
        return {
          startNs: start,
          durationMs: Number(end - start) / 1e6,
          provider: template.provider,
          model,
          inputTokens: call.inputTokens,
          outputTokens: call.outputTokens,
        }
      }),
      tools: template.tools.map((t) => ({
        name: toolName,
        startNs: startNs + scaled(t.startOffsetNs),
        failed: t.failed,
      })),
    })
  }
  return runs
}

/**
 * Returns the OTLP/JSON of one run: the template with the run's agent, tool
 * and model names, fresh span ids, and times moved to the run's start and
 * scaled by its speed. The loupe.run.id resource attribute is left out,
 * because the copies belong to no run.
 */
export function renderRun(run: SeededRun, salt: string): OtlpTraces {
  let text = JSON.stringify(run.template.body)
    .replaceAll(TEMPLATE_AGENT, run.agentName)
    .replaceAll(TEMPLATE_TOOL, run.toolName)
  for (const model of run.template.models) text = text.replaceAll(model, run.model)
  const body = JSON.parse(text) as OtlpTraces
  const spans = spansOf(body).map(({ span }) => span)
  const t0 = spans.map((s) => BigInt(s.startTimeUnixNano)).reduce((a, b) => (a < b ? a : b))
  const time = (value: string) => String(run.startNs + ((BigInt(value) - t0) * run.speed) / 4n)
  const ids = new Map<string, string>()
  spans.forEach((span, index) => {
    ids.set(span.spanId, `${salt}${index.toString(16).padStart(4, '0')}`.padStart(16, '0'))
  })
  for (const span of spans) {
    span.traceId = run.traceId
    span.spanId = ids.get(span.spanId)!
    if (span.parentSpanId) span.parentSpanId = ids.get(span.parentSpanId) ?? span.parentSpanId
    span.startTimeUnixNano = time(span.startTimeUnixNano)
    span.endTimeUnixNano = time(span.endTimeUnixNano)
    for (const event of span.events ?? []) {
      if (event.timeUnixNano) event.timeUnixNano = time(event.timeUnixNano)
    }
    span.links = []
  }
  for (const resource of body.resourceSpans) {
    if (resource.resource?.attributes) {
      resource.resource.attributes = resource.resource.attributes.filter(
        (kv) => kv.key !== 'loupe.run.id',
      )
    }
  }
  return body
}

/** Sends the runs over OTLP/HTTP JSON, `batch` traces per request; throws on a non-200 reply. */
export async function sendRuns(otlpHttpUrl: string, runs: SeededRun[], batch = 40): Promise<void> {
  for (let at = 0; at < runs.length; at += batch) {
    const resourceSpans = runs
      .slice(at, at + batch)
      .flatMap(
        (run, index) => renderRun(run, (at + index).toString(16).padStart(8, '0')).resourceSpans,
      )
    const reply = await postOtlp(otlpHttpUrl, '/v1/traces', JSON.stringify({ resourceSpans }), {
      'Content-Type': 'application/json',
    })
    if (reply.status !== 200) {
      throw new Error(
        `OTLP export of runs ${at} to ${at + batch} failed: ${reply.status} ${reply.body}`,
      )
    }
  }
}

export interface SeededStore {
  runs: SeededRun[]
  templates: SeedTemplate[]
  /** The end of the seeded period in Unix milliseconds. */
  nowMs: number
}

/**
 * Captures the templates, sets the seed prices on `loupe`, sends `runs`
 * planned runs to it and waits until it has normalized them.
 */
export async function seedStore(
  loupe: TestCore,
  python: string,
  options: { runs: number; seed?: number },
): Promise<SeededStore> {
  const templates = await captureTemplates(python)
  for (const price of seedPrices()) {
    const reply = await apiJson(loupe, '/api/prices', {
      method: 'PUT',
      body: JSON.stringify(price),
    })
    if (reply.status !== 200)
      throw new Error(`price override for ${price.model} failed: ${reply.status}`)
  }
  const nowMs = Date.now()
  const runs = planRuns(templates, { runs: options.runs, nowMs, seed: options.seed })
  await sendRuns(loupe.otlpHttpUrl, runs)
  await loupe.core.whenNormalized()
  return { runs, templates, nowMs }
}
