import { describe, expect, it } from 'vitest'
import { calcPrice } from '@pydantic/genai-prices'
import { priceCall, priceProviderId } from '../../../src/core/genai/pricing'
import { readUsage } from '../../../src/core/genai/usage'

describe('readUsage', () => {
  it('keeps pydantic-ai input that already includes cache reads', () => {
    const { usage } = readUsage({
      'gen_ai.usage.input_tokens': 1180,
      'gen_ai.usage.output_tokens': 96,
      'gen_ai.usage.details.cache_read_tokens': 768,
    })
    expect(usage).toEqual({
      input: 1180,
      output: 96,
      cacheRead: 768,
      cacheWrite: null,
      reasoning: null,
    })
  })

  it('makes OpenInference input inclusive of cache', () => {
    const { usage } = readUsage({
      'llm.token_count.prompt': 120,
      'llm.token_count.completion': 250,
      'llm.token_count.total': 3870,
      'llm.token_count.prompt_details.cache_read': 3000,
      'llm.token_count.prompt_details.cache_write': 500,
    })
    expect(usage.input).toBe(3620)
    expect(usage.output).toBe(250)
  })

  it('reads AI SDK v6 usage and int64 strings', () => {
    const { usage, sources } = readUsage({
      'ai.usage.inputTokens': '3420',
      'ai.usage.outputTokens': 210,
      'ai.usage.inputTokenDetails.cacheReadTokens': 3000,
      'ai.usage.outputTokenDetails.reasoningTokens': 12,
    })
    expect(usage).toEqual({
      input: 3420,
      output: 210,
      cacheRead: 3000,
      cacheWrite: null,
      reasoning: 12,
    })
    expect(sources).toContain('ai.usage.inputTokens')
  })
})

describe('priceProviderId', () => {
  it.each([
    ['openai', 'openai'],
    ['anthropic.messages', 'anthropic'],
    ['gcp.vertex_ai', 'google'],
    ['google-gla', 'google'],
    ['aws.bedrock', 'aws'],
    ['bedrock', 'aws'],
    ['azure.ai.openai', 'azure'],
    ['x_ai', 'x-ai'],
    ['mistral_ai', 'mistral'],
  ])('maps %s to %s', (provider, expected) => {
    expect(priceProviderId(provider)).toBe(expected)
  })
})

const base = { serverAddress: null, startTime: new Date('2026-03-01T00:00:00Z'), overrides: [] }

describe('priceCall', () => {
  it('computes with genai-prices, cache at its own rate', () => {
    const usage = { input: 3420, output: 210, cacheRead: 3000, cacheWrite: null, reasoning: null }
    const cost = priceCall({
      ...base,
      provider: 'anthropic',
      model: 'claude-sonnet-4-5-20250929',
      usage,
      sdkUsd: null,
    })
    const expected = calcPrice(
      { input_tokens: 3420, output_tokens: 210, cache_read_tokens: 3000 },
      'claude-sonnet-4-5-20250929',
      { providerId: 'anthropic' },
    )!.total_price
    expect(cost.source).toBe('computed')
    expect(cost.usd).toBeCloseTo(expected, 12)
    expect(cost.pricedTokens).toEqual({
      input_tokens: 3420,
      output_tokens: 210,
      cache_read_tokens: 3000,
    })
  })

  it('prices repeated lookups as genai-prices does', () => {
    // deepseek-chat has off-peak prices by time of day, so a repeated lookup
    // must still apply the call's time; the others cover each kind of lookup.
    const cases = [
      { provider: 'deepseek', model: 'deepseek-chat', serverAddress: null },
      { provider: 'anthropic', model: 'claude-sonnet-4-5-20250929', serverAddress: null },
      { provider: null, model: 'gpt-4o-mini', serverAddress: 'api.openai.com' },
      { provider: null, model: 'gpt-4o', serverAddress: null },
      { provider: 'openai', model: 'no-such-model-xyz', serverAddress: null },
    ]
    const times = ['2026-03-02T03:00:00Z', '2026-03-02T17:00:00Z', '2026-03-03T01:00:00Z']
    for (const { provider, model, serverAddress } of cases) {
      for (const [round, time] of [...times, ...times].entries()) {
        const usage = {
          input: 1000 + round * 37,
          output: 200 + round,
          cacheRead: null,
          cacheWrite: null,
          reasoning: null,
        }
        const startTime = new Date(time)
        const cost = priceCall({
          ...base,
          provider,
          model,
          serverAddress,
          usage,
          sdkUsd: null,
          startTime,
        })
        const tokens = { input_tokens: usage.input, output_tokens: usage.output }
        const direct =
          (provider
            ? calcPrice(tokens, model, { providerId: provider, timestamp: startTime })
            : null) ??
          (serverAddress
            ? calcPrice(tokens, model, {
                providerApiUrl: `https://${serverAddress}`,
                timestamp: startTime,
              })
            : null) ??
          calcPrice(tokens, model, { timestamp: startTime })
        const label = `${model} at ${time}, round ${round}`
        if (direct === null) {
          expect(cost.source, label).toBe('unpriced')
        } else {
          expect(cost.usd, label).toBeCloseTo(direct.total_price, 12)
          expect(cost.provenance, label).toContain(direct.provider.name)
        }
      }
    }
  })

  it('uses the SDK figure and keeps its own beside it', () => {
    const usage = { input: 1000, output: 100, cacheRead: null, cacheWrite: null, reasoning: null }
    const cost = priceCall({
      ...base,
      provider: 'openai',
      model: 'gpt-4o-mini',
      usage,
      sdkUsd: 0.5,
    })
    expect(cost.source).toBe('sdk')
    expect(cost.usd).toBe(0.5)
    expect(cost.computedUsd).toBeCloseTo(0.00021, 10)
  })

  it('marks an unknown model unpriced, never $0', () => {
    const usage = { input: 56, output: 10, cacheRead: null, cacheWrite: null, reasoning: null }
    const cost = priceCall({ ...base, provider: 'test', model: 'test', usage, sdkUsd: null })
    expect(cost.source).toBe('unpriced')
    expect(cost.usd).toBeNull()
    expect(cost.provenance).toContain('no price for model test')
  })

  it('prefers a user override', () => {
    const usage = { input: 2000, output: 100, cacheRead: 1000, cacheWrite: null, reasoning: null }
    const cost = priceCall({
      ...base,
      provider: 'openai',
      model: 'gpt-4o-mini',
      usage,
      sdkUsd: 0.5,
      overrides: [
        {
          provider: '*',
          model: 'GPT-4o-mini',
          inputPerMTok: 1,
          outputPerMTok: 4,
          cacheReadPerMTok: 0.5,
          cacheWritePerMTok: null,
        },
      ],
    })
    expect(cost.source).toBe('override')
    expect(cost.usd).toBeCloseTo((1000 * 1 + 1000 * 0.5 + 100 * 4) / 1e6, 12)
  })

  it('gives no cost to a call without tokens', () => {
    const usage = { input: null, output: null, cacheRead: null, cacheWrite: null, reasoning: null }
    const cost = priceCall({ ...base, provider: 'openai', model: 'gpt-4o', usage, sdkUsd: null })
    expect(cost.source).toBe('none')
    expect(cost.usd).toBeNull()
  })
})
