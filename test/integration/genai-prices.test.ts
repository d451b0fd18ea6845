// Price overrides through the API reprice runs that are already stored. An
// AI SDK run with prompt caching
// (test/fixtures/cases/c36-ai-sdk-generate-text.json) is imported into a
// core and its computed cost is read. Then `PUT /api/prices` and
// `DELETE /api/prices` change and restore it. The expected figures are
// worked out by hand from the stored token counts.

import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SpanJson, TraceDetail } from '../../src/shared/api'
import { fixturesDir, removeDir, runCli, startTestCore, type TestCore } from '../helpers/core'
import { priceCall, relativeDifference } from '../helpers/genai'

const TRACE_ID = '36ad5d4e36ad5d4e36ad5d4e36ad5d4e'
const PROVIDER = 'anthropic'
const MODEL = 'claude-sonnet-4-5-20250929'

/** USD per million tokens, round so that the expected costs are easy to check. */
const OVERRIDE = {
  provider: PROVIDER,
  model: MODEL,
  inputPerMTok: 2,
  outputPerMTok: 10,
  cacheReadPerMTok: 0.5,
  cacheWritePerMTok: 4,
}

let loupe: TestCore
let token: string

beforeAll(async () => {
  loupe = await startTestCore()
  token = loupe.core.discovery.token
  const imported = await runCli([
    'import',
    join(fixturesDir, 'cases/c36-ai-sdk-generate-text.json'),
    '--data',
    loupe.dataDir,
  ])
  expect(imported.code, imported.stderr).toBe(0)
})

afterAll(async () => {
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

async function api(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${loupe.uiUrl}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: response.status, json: (await response.json()) as Record<string, unknown> }
}

/** The trace once normalization has caught up (`?wait=1`). */
async function fullTrace(): Promise<TraceDetail> {
  const { status, json } = await api('GET', `/api/traces/${TRACE_ID}/full?wait=1`)
  expect(status).toBe(200)
  const detail = json as unknown as TraceDetail
  expect(detail.trace.unnormalizedSpans).toBe(0)
  return detail
}

function modelCalls(detail: TraceDetail): SpanJson[] {
  return detail.spans.filter((s) => s.kind === 'model')
}

/** Cost of one call at the override's prices, from its stored token buckets. */
function overrideUsd(
  call: SpanJson,
  prices: { input: number; output: number; cacheRead: number; cacheWrite: number },
): number {
  const cacheRead = call.cacheReadTokens ?? 0
  const cacheWrite = call.cacheWriteTokens ?? 0
  const uncached = (call.inputTokens ?? 0) - cacheRead - cacheWrite
  return (
    (uncached * prices.input +
      cacheRead * prices.cacheRead +
      cacheWrite * prices.cacheWrite +
      (call.outputTokens ?? 0) * prices.output) /
    1e6
  )
}

describe('price overrides', () => {
  let computedUsd: number

  it('starts with the computed cost', async () => {
    const detail = await fullTrace()
    const calls = modelCalls(detail)
    expect(calls).toHaveLength(2)
    // The stored buckets that the overrides below are priced from (case c36).
    expect(calls.map((c) => [c.inputTokens, c.cacheReadTokens, c.cacheWriteTokens])).toEqual([
      [3_150, 0, 3_000],
      [3_420, 3_000, 0],
    ])
    expect(calls.map((c) => c.outputTokens)).toEqual([85, 210])
    for (const call of calls) {
      expect(call.model, call.spanId).toBe(MODEL)
      expect(call.costSource, call.spanId).toBe('computed')
    }
    const expected = calls
      .map((call) =>
        priceCall(
          {
            inputTokens: call.inputTokens!,
            outputTokens: call.outputTokens!,
            cacheReadTokens: call.cacheReadTokens!,
            cacheWriteTokens: call.cacheWriteTokens!,
          },
          MODEL,
          PROVIDER,
          new Date(call.startTime),
        ),
      )
      .reduce((total, usd) => total + usd, 0)
    expect(detail.trace.costUsd).not.toBeNull()
    computedUsd = detail.trace.costUsd!
    expect(relativeDifference(computedUsd, expected)).toBeLessThanOrEqual(1e-6)
  })

  it('reprices stored calls with an override', async () => {
    const saved = await api('PUT', '/api/prices', OVERRIDE)
    expect(saved.status, JSON.stringify(saved.json)).toBe(200)
    expect(saved.json.overrides).toEqual([OVERRIDE])

    const detail = await fullTrace()
    const calls = modelCalls(detail)
    // Call 1: 150 uncached, 3,000 cache writes, 85 out. Call 2: 420 uncached, 3,000 cache reads, 210 out.
    const byHand = [(150 * 2 + 3_000 * 4 + 85 * 10) / 1e6, (420 * 2 + 3_000 * 0.5 + 210 * 10) / 1e6]
    expect(byHand[0]! + byHand[1]!).toBeCloseTo(0.01759, 12)
    for (const [index, call] of calls.entries()) {
      const label = `model call ${index + 1} (${call.spanId})`
      expect(call.costSource, label).toBe('override')
      expect(call.cost?.source, label).toBe('override')
      expect(relativeDifference(call.costUsd ?? Number.NaN, byHand[index]!), label).toBeLessThan(
        1e-9,
      )
      expect(
        relativeDifference(
          call.costUsd ?? Number.NaN,
          overrideUsd(call, { input: 2, output: 10, cacheRead: 0.5, cacheWrite: 4 }),
        ),
        label,
      ).toBeLessThan(1e-9)
      // Loupe's own figure stays available beside the override.
      expect(call.cost?.computedUsd, label).not.toBeNull()
    }
    expect(relativeDifference(detail.trace.costUsd ?? Number.NaN, 0.01759)).toBeLessThan(1e-9)
  })

  it('bills cache tokens at the input price without cache prices', async () => {
    const saved = await api('PUT', '/api/prices', {
      provider: PROVIDER,
      model: MODEL,
      inputPerMTok: 2,
      outputPerMTok: 10,
    })
    expect(saved.status, JSON.stringify(saved.json)).toBe(200)
    expect(saved.json.overrides).toEqual([
      { ...OVERRIDE, cacheReadPerMTok: null, cacheWritePerMTok: null },
    ])

    const detail = await fullTrace()
    // Call 1: 3,150 in and 85 out; call 2: 3,420 in and 210 out, all input at $2.
    const byHand = (3_150 * 2 + 85 * 10 + 3_420 * 2 + 210 * 10) / 1e6
    for (const call of modelCalls(detail)) expect(call.costSource, call.spanId).toBe('override')
    expect(relativeDifference(detail.trace.costUsd ?? Number.NaN, byHand)).toBeLessThan(1e-9)
  })

  it('restores the computed cost on DELETE', async () => {
    const query = new URLSearchParams({ provider: PROVIDER, model: MODEL })
    const deleted = await api('DELETE', `/api/prices?${query}`)
    expect(deleted.status, JSON.stringify(deleted.json)).toBe(200)
    expect(deleted.json.overrides).toEqual([])

    const detail = await fullTrace()
    for (const call of modelCalls(detail)) expect(call.costSource, call.spanId).toBe('computed')
    expect(detail.trace.costUsd).toBe(computedUsd)

    const again = await api('DELETE', `/api/prices?${query}`)
    expect(again.status).toBe(404)
    expect(again.json.error).toMatch(/no price override/)
  })

  it.each([
    ['a negative price', { ...OVERRIDE, inputPerMTok: -1 }, /inputPerMTok/],
    [
      'a missing output price',
      { provider: PROVIDER, model: MODEL, inputPerMTok: 2 },
      /outputPerMTok/,
    ],
    ['a price given as text', { ...OVERRIDE, cacheReadPerMTok: '0.5' }, /cacheReadPerMTok/],
    ['an empty model', { ...OVERRIDE, model: ' ' }, /\bmodel\b/],
    ['an empty provider', { ...OVERRIDE, provider: '' }, /\bprovider\b/],
    ['a body that is not JSON', '{"provider": "anthropic",', /JSON/],
  ])('rejects %s with 400', async (_case, body, field) => {
    const rejected = await api('PUT', '/api/prices', body)
    expect(rejected.status).toBe(400)
    expect(String(rejected.json.error)).toMatch(field)

    const { json } = await api('GET', '/api/prices')
    expect(json.overrides, 'nothing was saved').toEqual([])
  })
})
