// Helpers for tests of GenAI normalization: wait until the core has
// normalized a trace, and price a model call with genai-prices.

import { calcPrice, type Usage } from '@pydantic/genai-prices'
import type { SpanJson, TraceDetail } from '../../src/shared/api'
import { cliJson } from './core'

export interface ShownTrace {
  detail: TraceDetail
  /** False when spans still awaited normalization at the deadline. */
  normalized: boolean
}

/**
 * Poll `loupe show TRACE --json` until `trace.unnormalizedSpans` is 0 or
 * `timeoutMs` passes. The core normalizes after it acknowledges an export, so
 * a trace read right after the exporter flushed may not be final yet. On
 * timeout this returns the last detail read, so the caller's assertions show
 * which figure is missing.
 */
export async function showNormalized(
  dataDir: string,
  traceId: string,
  timeoutMs = 5_000,
  intervalMs = 100,
): Promise<ShownTrace> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const detail = await cliJson<TraceDetail>(['show', traceId, '--json', '--data', dataDir])
    if (detail.trace.unnormalizedSpans === 0) return { detail, normalized: true }
    if (Date.now() >= deadline) return { detail, normalized: false }
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

/** Token counts of one model call. `inputTokens` includes cache reads and writes. */
export interface CallUsage {
  inputTokens: number
  outputTokens: number
  cacheReadTokens: number
  cacheWriteTokens?: number
}

/**
 * Price one model call in USD with the price data bundled in
 * @pydantic/genai-prices. Throws when genai-prices has no price for the model.
 */
export function priceCall(
  usage: CallUsage,
  modelId: string,
  providerId: string,
  timestamp?: Date,
): number {
  const priced: Usage = { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens }
  if (usage.cacheReadTokens > 0) priced['cache_read_tokens'] = usage.cacheReadTokens
  if ((usage.cacheWriteTokens ?? 0) > 0) priced['cache_write_tokens'] = usage.cacheWriteTokens
  const result = calcPrice(priced, modelId, { providerId, timestamp })
  if (result === null) throw new Error(`genai-prices has no price for ${providerId} ${modelId}`)
  return result.total_price
}

/** |actual - expected| / |expected|, or |actual| when `expected` is 0. */
export function relativeDifference(actual: number, expected: number): number {
  const difference = Math.abs(actual - expected)
  return expected === 0 ? difference : difference / Math.abs(expected)
}

/** Order spans by start time (for `Array.prototype.sort`). */
export function byStartTime(a: SpanJson, b: SpanJson): number {
  const difference = BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)
  if (difference < 0n) return -1
  if (difference > 0n) return 1
  return 0
}

/** True when `ancestorId` is on the parent chain of `span` within `spans`. */
export function descendsFrom(spans: SpanJson[], span: SpanJson, ancestorId: string): boolean {
  const byId = new Map(spans.map((s) => [s.spanId, s]))
  const seen = new Set<string>()
  let parentId = span.parentSpanId
  while (parentId !== null && !seen.has(parentId)) {
    if (parentId === ancestorId) return true
    seen.add(parentId)
    parentId = byId.get(parentId)?.parentSpanId ?? null
  }
  return false
}
