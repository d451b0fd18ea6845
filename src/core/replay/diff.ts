// Run diff: two runs (or traces) side by side as sequences of steps, model
// calls and tool calls in the order they started, aligned by position. The
// first step that differs is the first divergence. Each step reports what
// changed, and the totals report token, cost and duration differences.

import type { JsonValue, RunDiffJson, RunDiffSide, RunDiffStep, SpanJson } from '../../shared/api'
import { canonicalJson, fingerprintOf, modelCallSpans, storedFingerprintMessages } from './cassette'
import { differences } from './player'

/** One model call or tool call of a run, reduced to what the diff compares. */
interface Step {
  kind: 'model' | 'tool'
  spanId: string
  /** Model name, or tool name. */
  name: string
  /** For a model call: the request fingerprint. */
  request: ReturnType<typeof fingerprintOf> | null
  /** A model call's reply text and tool calls, or a tool call's arguments and outcome, as text. */
  summary: string
  details: Record<string, string>
}

function jsonText(value: JsonValue | null | undefined): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'string') {
    try {
      return canonicalJson(JSON.parse(value) as JsonValue)
    } catch {
      return JSON.stringify(value)
    }
  }
  return canonicalJson(value)
}

function modelStep(span: SpanJson): Step {
  const output =
    span.outputMessages?.find((m) => m.role === 'assistant') ?? span.outputMessages?.[0]
  const text = output?.parts.flatMap((p) => (p.type === 'text' ? [p.content] : [])).join('') ?? ''
  const calls = (output?.parts ?? []).flatMap((p) =>
    p.type === 'tool_call' ? [`${p.name}(${jsonText(p.arguments)})`] : [],
  )
  const failed = span.status === 'error'
  const reply = failed
    ? `error: ${span.statusMessage || span.error?.message || 'failed'}`
    : [text && `text ${JSON.stringify(text)}`, ...calls.map((c) => `calls ${c}`)]
        .filter(Boolean)
        .join(', ')
  return {
    kind: 'model',
    spanId: span.spanId,
    name: span.model ?? span.name,
    request: fingerprintOf(storedFingerprintMessages(span.inputMessages ?? []), null),
    summary: reply || 'no reply recorded',
    details: { reply: reply || 'no reply recorded' },
  }
}

function toolStep(span: SpanJson): Step {
  const args = jsonText(span.toolArguments)
  const outcome = span.error
    ? `raised ${span.error.exceptionType ?? 'an error'}: ${span.error.message ?? ''}`.trim()
    : `returned ${jsonText(span.toolResult)}`
  const name = span.toolName ?? span.name
  return {
    kind: 'tool',
    spanId: span.spanId,
    name,
    request: null,
    summary: `${name}(${args}) ${outcome}`,
    details: { arguments: args, outcome },
  }
}

/** Lists a run's steps: its model calls (as the cassette picks them) and tool calls, by start time. */
function stepsOf(spans: SpanJson[]): Step[] {
  const models = modelCallSpans(spans).spans
  const tools = spans.filter((span) => span.kind === 'tool')
  return [...models, ...tools]
    .sort((a, b) => {
      const difference = BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)
      if (difference < 0n) return -1
      return difference > 0n ? 1 : 0
    })
    .map((span) => (span.kind === 'tool' ? toolStep(span) : modelStep(span)))
}

/** Lists how step b differs from step a. */
function stepChanges(a: Step, b: Step): string[] {
  if (a.kind !== b.kind) return [`a ${a.kind} call became a ${b.kind} call`]
  const changes: string[] = []
  // Model names are not compared: a replay answers with the requested name, a provider with a dated one.
  if (a.kind === 'tool' && a.name !== b.name) changes.push(`tool ${a.name} became ${b.name}`)
  if (a.request && b.request) changes.push(...differences(a.request, b.request))
  for (const key of Object.keys(a.details)) {
    if (a.details[key] !== b.details[key]) {
      changes.push(`${key} changed: ${a.details[key]} → ${b.details[key]}`)
    }
  }
  return changes
}

/** Compares two runs' spans; `sides` carries each run's id and totals. */
export function diffRuns(
  spansA: SpanJson[],
  spansB: SpanJson[],
  sides: { a: RunDiffSide; b: RunDiffSide },
): RunDiffJson {
  const stepsA = stepsOf(spansA)
  const stepsB = stepsOf(spansB)
  const steps: RunDiffStep[] = []
  for (let index = 0; index < Math.max(stepsA.length, stepsB.length); index++) {
    const a = stepsA[index]
    const b = stepsB[index]
    if (a && b) {
      const changes = stepChanges(a, b)
      steps.push({
        index: index + 1,
        kind: a.kind === b.kind ? a.kind : 'changed',
        status: changes.length === 0 ? 'same' : 'changed',
        a: a.summary,
        b: b.summary,
        spanA: a.spanId,
        spanB: b.spanId,
        changes,
      })
    } else {
      const only = (a ?? b)!
      steps.push({
        index: index + 1,
        kind: only.kind,
        status: a ? 'missing' : 'added',
        a: a?.summary ?? null,
        b: b?.summary ?? null,
        spanA: a?.spanId ?? null,
        spanB: b?.spanId ?? null,
        changes: [a ? `only in ${sides.a.id}` : `only in ${sides.b.id}`],
      })
    }
  }
  const first = steps.find((step) => step.status !== 'same') ?? null
  return { a: sides.a, b: sides.b, firstDivergence: first?.index ?? null, steps }
}
