// Token usage of one model call, with input normalized to include cache reads
// and writes. pydantic-ai, the OTel GenAI conventions and AI SDK v6 already
// count cache tokens in the input; OpenInference and some Anthropic-style
// instrumentations do not, which shows as cache counts larger than the input.

import type { AttributeMap } from '../../shared/api'
import type { TokenUsage } from '../../shared/genai'
import { numberAt } from './values'

export interface UsageReading {
  usage: TokenUsage
  /** Attribute keys the counts were read from (for the ingest inspector). */
  sources: string[]
}

const INPUT_KEYS = [
  'gen_ai.usage.input_tokens',
  'gen_ai.usage.prompt_tokens',
  'ai.usage.inputTokens',
  'ai.usage.promptTokens',
  'llm.token_count.prompt',
]
const OUTPUT_KEYS = [
  'gen_ai.usage.output_tokens',
  'gen_ai.usage.completion_tokens',
  'ai.usage.outputTokens',
  'ai.usage.completionTokens',
  'llm.token_count.completion',
]
const CACHE_READ_KEYS = [
  'gen_ai.usage.cache_read.input_tokens',
  'gen_ai.usage.details.cache_read_tokens',
  'gen_ai.usage.cache_read_input_tokens',
  'ai.usage.inputTokenDetails.cacheReadTokens',
  'ai.usage.cachedInputTokens',
  'llm.token_count.prompt_details.cache_read',
]
const CACHE_WRITE_KEYS = [
  'gen_ai.usage.cache_creation.input_tokens',
  'gen_ai.usage.details.cache_write_tokens',
  'gen_ai.usage.cache_creation_input_tokens',
  'ai.usage.inputTokenDetails.cacheWriteTokens',
  'llm.token_count.prompt_details.cache_write',
]
const REASONING_KEYS = [
  'gen_ai.usage.reasoning.output_tokens',
  'gen_ai.usage.details.reasoning_tokens',
  'gen_ai.usage.reasoning_tokens',
  'ai.usage.outputTokenDetails.reasoningTokens',
  'ai.usage.reasoningTokens',
  'llm.token_count.completion_details.reasoning',
]

/** Run totals that agent spans repeat; never added to the model calls' sums. */
export const AGGREGATE_USAGE_PREFIXES = ['gen_ai.aggregated_usage.']

function firstKey(attributes: AttributeMap, keys: string[]): string | null {
  return keys.find((key) => numberAt(attributes, key) !== null) ?? null
}

export function readUsage(attributes: AttributeMap): UsageReading {
  const sources: string[] = []
  const read = (keys: string[]): number | null => {
    const key = firstKey(attributes, keys)
    if (key === null) return null
    sources.push(key)
    return numberAt(attributes, key)
  }
  let input = read(INPUT_KEYS)
  const output = read(OUTPUT_KEYS)
  const cacheRead = read(CACHE_READ_KEYS)
  const cacheWrite = read(CACHE_WRITE_KEYS)
  const reasoning = read(REASONING_KEYS)
  const cached = (cacheRead ?? 0) + (cacheWrite ?? 0)
  if (input !== null && cached > input) {
    // The producer counted input without cache: make it inclusive.
    input += cached
  }
  return { usage: { input, output, cacheRead, cacheWrite, reasoning }, sources }
}

export function hasTokens(usage: TokenUsage): boolean {
  return (usage.input ?? 0) > 0 || (usage.output ?? 0) > 0
}
