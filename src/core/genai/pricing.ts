// Cost of one model call: a user's price override, else the SDK's own figure,
// else Loupe's computation with @pydantic/genai-prices and its bundled price
// data (no network). Cache reads and writes are priced at their own rates
// and are part of the inclusive input count, so they are never billed twice.

import { calcPrice, type Provider } from '@pydantic/genai-prices'
import type { PriceOverride } from '../../shared/api'
import type { Cost, TokenUsage } from '../../shared/genai'
import { PRICE_DATA } from './price-data'

export type { PriceOverride } from '../../shared/api'

/** Provider names used by SDKs, mapped to genai-prices provider ids. */
const PROVIDER_IDS: [RegExp, string][] = [
  [/^(gcp\.|google|vertex|gemini)/, 'google'],
  [/^(aws\.|bedrock|amazon)/, 'aws'],
  [/^(azure|az\.)/, 'azure'],
  [/^(x_ai|xai|x-ai|grok)/, 'x-ai'],
  [/^mistral/, 'mistral'],
  [/^together/, 'together'],
]

/**
 * Map a provider name as SDKs send it (`gcp.vertex_ai`, `aws.bedrock`,
 * AI SDK's `anthropic.messages`) to the id genai-prices uses.
 */
export function priceProviderId(provider: string | null): string | null {
  if (!provider) return null
  const lower = provider.toLowerCase()
  for (const [pattern, id] of PROVIDER_IDS) {
    if (pattern.test(lower)) return id
  }
  return lower.split('.')[0]!
}

export interface PricingInput {
  provider: string | null
  model: string | null
  usage: TokenUsage
  /** Cost the SDK attached to the span (`operation.cost`, `llm.cost.total`). */
  sdkUsd: number | null
  /** `server.address` of the call, which genai-prices can match on. */
  serverAddress: string | null
  startTime: Date
  overrides: PriceOverride[]
}

function pricedTokens(usage: TokenUsage): Record<string, number> {
  const tokens: Record<string, number> = {
    input_tokens: usage.input ?? 0,
    output_tokens: usage.output ?? 0,
  }
  if (usage.cacheRead) tokens.cache_read_tokens = usage.cacheRead
  if (usage.cacheWrite) tokens.cache_write_tokens = usage.cacheWrite
  return tokens
}

function findOverride(input: PricingInput): PriceOverride | null {
  const provider = priceProviderId(input.provider)
  const model = input.model?.toLowerCase() ?? null
  if (!model) return null
  return (
    input.overrides.find(
      (o) =>
        o.model.toLowerCase() === model &&
        (o.provider === '*' || priceProviderId(o.provider) === provider),
    ) ?? null
  )
}

function overrideCost(override: PriceOverride, usage: TokenUsage): number {
  const cacheRead = usage.cacheRead ?? 0
  const cacheWrite = usage.cacheWrite ?? 0
  const uncached = Math.max(0, (usage.input ?? 0) - cacheRead - cacheWrite)
  const perToken = (perMTok: number) => perMTok / 1e6
  return (
    uncached * perToken(override.inputPerMTok) +
    cacheRead * perToken(override.cacheReadPerMTok ?? override.inputPerMTok) +
    cacheWrite * perToken(override.cacheWritePerMTok ?? override.inputPerMTok) +
    (usage.output ?? 0) * perToken(override.outputPerMTok)
  )
}

/**
 * Matches of earlier lookups, by attempt and model name: the provider with
 * only the matched model, or null for no match. Finding the provider and model
 * scans the whole price data and builds regular expressions, which took most
 * of the time of pricing a call. The match does not depend on the tokens or
 * the time, so later calls price against the one model only, which still
 * applies its time-dependent prices.
 */
const matches = new Map<string, Provider | null>()
const MAX_MATCHES = 1000

/** Returns calcPrice's result for one lookup, finding the provider and model once per lookup and model. */
function calcPriceOnce(
  usage: Record<string, number>,
  model: string,
  lookup: string,
  options: NonNullable<Parameters<typeof calcPrice>[2]>,
): ReturnType<typeof calcPrice> {
  // litellm names the provider inside the model name, which calcPrice splits
  // only when it looks the provider up itself.
  const key = options.providerId === 'litellm' ? null : `${lookup}\n${model}`
  const known = key === null ? undefined : matches.get(key)
  if (known === null) return null
  if (known !== undefined) {
    return calcPrice(usage, model, { provider: known, timestamp: options.timestamp })
  }
  const result = calcPrice(usage, model, options)
  if (key !== null) {
    if (matches.size >= MAX_MATCHES) matches.clear()
    matches.set(
      key,
      result
        ? { ...result.provider, models: [result.model], fallback_model_providers: undefined }
        : null,
    )
  }
  return result
}

interface Computed {
  usd: number | null
  provenance: string
}

function compute(input: PricingInput): Computed {
  if (!input.model) return { usd: null, provenance: 'no model name on the span' }
  const usage = pricedTokens(input.usage)
  const providerId = priceProviderId(input.provider)
  const attempts: { label: string; options: NonNullable<Parameters<typeof calcPrice>[2]> }[] = []
  if (providerId)
    attempts.push({
      label: `provider ${providerId}`,
      options: { providerId, timestamp: input.startTime },
    })
  if (input.serverAddress) {
    attempts.push({
      label: `API ${input.serverAddress}`,
      options: { providerApiUrl: `https://${input.serverAddress}`, timestamp: input.startTime },
    })
  }
  attempts.push({ label: 'model name alone', options: { timestamp: input.startTime } })
  for (const attempt of attempts) {
    let result: ReturnType<typeof calcPrice>
    try {
      result = calcPriceOnce(usage, input.model, attempt.label, attempt.options)
    } catch (error) {
      return {
        usd: null,
        provenance: `genai-prices rejected the usage: ${(error as Error).message}`,
      }
    }
    if (result) {
      return {
        usd: result.total_price,
        provenance: `${result.provider.name} / ${result.model.name ?? result.model.id} (matched by ${attempt.label}), ${PRICE_DATA}`,
      }
    }
  }
  return {
    usd: null,
    provenance:
      `no price for model ${input.model}${input.provider ? ` of provider ${input.provider}` : ''} in ${PRICE_DATA}; ` +
      'add a price override to price it',
  }
}

/** Price one model call. A call without tokens has no cost (source `none`), never $0 by guess. */
export function priceCall(input: PricingInput): Cost {
  const tokens = pricedTokens(input.usage)
  const hasTokens = (input.usage.input ?? 0) > 0 || (input.usage.output ?? 0) > 0
  const computed = hasTokens
    ? compute(input)
    : { usd: null, provenance: 'no token counts on the span' }
  const override = hasTokens ? findOverride(input) : null
  if (override) {
    return {
      usd: overrideCost(override, input.usage),
      source: 'override',
      provenance: `your price for ${override.provider} / ${override.model}`,
      computedUsd: computed.usd,
      sdkUsd: input.sdkUsd,
      pricedTokens: tokens,
    }
  }
  if (input.sdkUsd !== null) {
    return {
      usd: input.sdkUsd,
      source: 'sdk',
      provenance: `sent by the SDK; Loupe's figure: ${computed.provenance}`,
      computedUsd: computed.usd,
      sdkUsd: input.sdkUsd,
      pricedTokens: tokens,
    }
  }
  if (!hasTokens) {
    return {
      usd: null,
      source: 'none',
      provenance: computed.provenance,
      computedUsd: null,
      sdkUsd: null,
      pricedTokens: tokens,
    }
  }
  return {
    usd: computed.usd,
    source: computed.usd === null ? 'unpriced' : 'computed',
    provenance: computed.provenance,
    computedUsd: computed.usd,
    sdkUsd: null,
    pricedTokens: tokens,
  }
}
