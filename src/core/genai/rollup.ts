// Rollup of a whole trace: where each error originated and its class, the
// agent runs' and the trace's totals. Totals count model-call spans only:
// the run totals that agent spans repeat (gen_ai.aggregated_usage.*, AI SDK
// root usage) are never added, and a model call seen by two instrumentations
// (one nested in the other) is counted once.

import type { ErrorClass, ErrorEvidence, OperationKind } from '../../shared/genai'
import { ERROR_CLASS_STATUS } from '../../shared/genai'
import {
  classifyError,
  providerStatus,
  shortType,
  toolNamedInMessage,
  type RecordedError,
} from './errors'

export interface RollupSpan {
  spanId: string
  parentSpanId: string | null
  kind: OperationKind
  agentName: string | null
  model: string | null
  toolName: string | null
  inputTokens: number | null
  outputTokens: number | null
  cacheReadTokens: number | null
  cacheWriteTokens: number | null
  reasoningTokens: number | null
  costUsd: number | null
  costSource: string
  error: RecordedError | null
  retried: boolean
}

export interface SpanVerdict {
  errorClass: ErrorClass
  evidence: ErrorEvidence | null
  counted: boolean
}

export interface TraceRollup {
  agentName: string | null
  models: string[]
  modelCalls: number
  toolCalls: number
  toolRetries: number
  /** Model calls that failed while the run went on, and failed HTTP attempts that a client retried within one call. */
  modelRetries: number
  inputTokens: number
  outputTokens: number
  cacheReadTokens: number
  cacheWriteTokens: number
  reasoningTokens: number
  costUsd: number | null
  unpricedCalls: number
  errorClass: ErrorClass
  error: ErrorEvidence | null
}

/** Maximum parent chain length followed; deeper (or cyclic) chains are cut there. */
const MAX_DEPTH = 10_000

export function rollupTrace(
  spans: RollupSpan[],
  rootSpanId: string | null,
): { verdicts: SpanVerdict[]; trace: TraceRollup } {
  const byId = new Map<string, number>()
  spans.forEach((span, index) => {
    if (!byId.has(span.spanId)) byId.set(span.spanId, index)
  })
  const children = new Map<number, number[]>()
  spans.forEach((span, index) => {
    const parent = span.parentSpanId === null ? undefined : byId.get(span.parentSpanId)
    if (parent === undefined || parent === index) return
    const list = children.get(parent)
    if (list) list.push(index)
    else children.set(parent, [index])
  })
  const depth = depths(spans, byId)
  const ancestors = spans.map((span, index) =>
    span.kind === 'model' ? modelAncestor(spans, byId, index) : null,
  )
  const nestedModel = ancestors.map((ancestor) => ancestor !== null)

  const verdicts: SpanVerdict[] = spans.map((span, index) => {
    const counted = !nestedModel[index]
    if (!span.error || span.retried) return { errorClass: 'none', evidence: null, counted }
    const origin = findOrigin(spans, children, depth, index)
    return { ...classify(spans, index, origin), counted }
  })

  const trace = totals(spans, verdicts, depth)
  const rootIndex = rootSpanId === null ? undefined : byId.get(rootSpanId)
  const failedRoot =
    rootIndex !== undefined
      ? rootIndex
      : // No root yet: the top-most failing span takes its place.
        spans
          .map((_, index) => index)
          .filter((index) => verdicts[index]!.evidence !== null)
          .sort((a, b) => depth[a]! - depth[b]!)[0]
  if (failedRoot !== undefined && verdicts[failedRoot]!.evidence) {
    trace.errorClass = verdicts[failedRoot]!.errorClass
    trace.error = verdicts[failedRoot]!.evidence
  }
  trace.modelRetries = spans.filter(
    (span, index) =>
      span.kind === 'model' &&
      span.error !== null &&
      verdicts[index]!.counted &&
      span.spanId !== trace.error?.spanId,
  ).length
  trace.modelRetries += nestedRetries(spans, ancestors)
  return { verdicts, trace }
}

function depths(spans: RollupSpan[], byId: Map<string, number>): number[] {
  return spans.map((span) => {
    let d = 0
    let parent = span.parentSpanId
    const seen = new Set<string>([span.spanId])
    while (parent !== null && d < MAX_DEPTH) {
      const index = byId.get(parent)
      if (index === undefined || seen.has(parent)) break
      seen.add(parent)
      d++
      parent = spans[index]!.parentSpanId
    }
    return d
  })
}

/** Returns the index of the nearest model-call ancestor of a span, or null when it has none. */
function modelAncestor(
  spans: RollupSpan[],
  byId: Map<string, number>,
  index: number,
): number | null {
  const seen = new Set<number>([index])
  let parent = spans[index]!.parentSpanId
  for (let steps = 0; parent !== null && steps < MAX_DEPTH; steps++) {
    const at = byId.get(parent)
    if (at === undefined || seen.has(at)) return null
    if (spans[at]!.kind === 'model') return at
    seen.add(at)
    parent = spans[at]!.parentSpanId
  }
  return null
}

/**
 * Counts the failed attempts inside model calls that the client retried:
 * the failed nested calls under each model call (HTTP attempts that the
 * provider SDK repeated, as the gateway or an HTTP instrumentation records
 * them), less the last one when the model call failed as well.
 */
function nestedRetries(spans: RollupSpan[], ancestors: (number | null)[]): number {
  const failedByCall = new Map<number, number>()
  spans.forEach((span, index) => {
    const ancestor = ancestors[index]
    if (span.kind !== 'model' || ancestor == null || span.error === null) return
    failedByCall.set(ancestor, (failedByCall.get(ancestor) ?? 0) + 1)
  })
  let retries = 0
  for (const [call, failed] of failedByCall) {
    retries += Math.max(0, failed - (spans[call]!.error ? 1 : 0))
  }
  return retries
}

/**
 * Find the deepest span under `index` that recorded the same exception type. An
 * exception that propagates is recorded again on every span it leaves, and
 * the innermost one is where it was raised.
 */
function findOrigin(
  spans: RollupSpan[],
  children: Map<number, number[]>,
  depth: number[],
  index: number,
): number {
  const type = shortType(spans[index]!.error!.type)
  if (!type) return index
  let origin = index
  const stack = [...(children.get(index) ?? [])]
  const seen = new Set<number>([index])
  while (stack.length > 0) {
    const at = stack.pop()!
    if (seen.has(at)) continue
    seen.add(at)
    const error = spans[at]!.error
    if (
      error &&
      !spans[at]!.retried &&
      shortType(error.type) === type &&
      depth[at]! > depth[origin]!
    )
      origin = at
    for (const child of children.get(at) ?? []) stack.push(child)
  }
  return origin
}

function classify(
  spans: RollupSpan[],
  index: number,
  originIndex: number,
): Omit<SpanVerdict, 'counted'> {
  const span = spans[index]!
  const origin = spans[originIndex]!
  const error = span.error!
  const errorClass = classifyError(error, origin.kind)
  return {
    errorClass,
    evidence: {
      errorClass,
      httpStatus: ERROR_CLASS_STATUS[errorClass],
      exceptionType: error.type,
      message: error.message,
      providerStatus: providerStatus(error),
      spanId: origin.spanId,
      toolName: origin.kind === 'tool' ? origin.toolName : toolNamedInMessage(error.message),
    },
  }
}

function totals(spans: RollupSpan[], verdicts: SpanVerdict[], depth: number[]): TraceRollup {
  const trace: TraceRollup = {
    agentName: null,
    models: [],
    modelCalls: 0,
    toolCalls: 0,
    toolRetries: 0,
    modelRetries: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costUsd: null,
    unpricedCalls: 0,
    errorClass: 'none',
    error: null,
  }
  let agentDepth = Infinity
  spans.forEach((span, index) => {
    if (span.kind === 'agent' && span.agentName && depth[index]! < agentDepth) {
      trace.agentName = span.agentName
      agentDepth = depth[index]!
    }
    if (span.kind === 'tool') {
      trace.toolCalls++
      if (span.retried) trace.toolRetries++
    }
    if (span.kind !== 'model' || !verdicts[index]!.counted) return
    trace.modelCalls++
    if (span.model && !trace.models.includes(span.model)) trace.models.push(span.model)
    trace.inputTokens += span.inputTokens ?? 0
    trace.outputTokens += span.outputTokens ?? 0
    trace.cacheReadTokens += span.cacheReadTokens ?? 0
    trace.cacheWriteTokens += span.cacheWriteTokens ?? 0
    trace.reasoningTokens += span.reasoningTokens ?? 0
    if (span.costUsd !== null) trace.costUsd = (trace.costUsd ?? 0) + span.costUsd
    if (span.costSource === 'unpriced') trace.unpricedCalls++
  })
  return trace
}
