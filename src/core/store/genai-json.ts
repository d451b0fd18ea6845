// The GenAI part of the API's trace and span JSON, read from the
// normalizer's tables (trace_genai, span_genai). Rows not normalized yet get
// neutral values, and `unnormalizedSpans` says how many are still to come.

import type { IngestInspection, JsonValue, SpanJson, TraceSummary } from '../../shared/api'
import type {
  Convention,
  Cost,
  CostSource,
  ErrorClass,
  ErrorEvidence,
  Message,
  MessagePart,
  OperationKind,
} from '../../shared/genai'

/** Columns of trace_genai, prefixed `tg_` so they do not clash with traces'. */
export const TRACE_GENAI_COLUMNS = `tg.root_title AS tg_root_title, tg.agent_name AS tg_agent_name, tg.models AS tg_models,
  tg.model_calls AS tg_model_calls, tg.tool_calls AS tg_tool_calls, tg.tool_retries AS tg_tool_retries,
  tg.model_retries AS tg_model_retries,
  tg.input_tokens AS tg_input_tokens, tg.output_tokens AS tg_output_tokens,
  tg.cache_read_tokens AS tg_cache_read_tokens, tg.cache_write_tokens AS tg_cache_write_tokens,
  tg.reasoning_tokens AS tg_reasoning_tokens, tg.cost_usd AS tg_cost_usd,
  tg.unpriced_calls AS tg_unpriced_calls, tg.error_class AS tg_error_class, tg.error AS tg_error,
  tg.normalized_spans AS tg_normalized_spans`

/** Columns of span_genai, prefixed `sg_`. */
export const SPAN_GENAI_COLUMNS = `sg.kind AS sg_kind, sg.convention AS sg_convention, sg.title AS sg_title,
  sg.provider AS sg_provider, sg.model AS sg_model, sg.agent_name AS sg_agent_name,
  sg.tool_name AS sg_tool_name, sg.tool_call_id AS sg_tool_call_id, sg.input_tokens AS sg_input_tokens,
  sg.output_tokens AS sg_output_tokens, sg.cache_read_tokens AS sg_cache_read_tokens,
  sg.cache_write_tokens AS sg_cache_write_tokens, sg.reasoning_tokens AS sg_reasoning_tokens,
  sg.cost_usd AS sg_cost_usd, sg.cost_source AS sg_cost_source, sg.cost AS sg_cost,
  sg.error_class AS sg_error_class, sg.error AS sg_error, sg.retried AS sg_retried, sg.level AS sg_level,
  sg.detail AS sg_detail`

type Row = Record<string, unknown>

function count(value: unknown): number {
  return value === null || value === undefined ? 0 : Number(value)
}

function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value)
}

function parsed<T>(value: unknown): T | null {
  return typeof value === 'string' ? (JSON.parse(value) as T) : null
}

type TraceGenai = Pick<
  TraceSummary,
  | 'title'
  | 'agentName'
  | 'models'
  | 'modelCalls'
  | 'toolCalls'
  | 'toolRetries'
  | 'modelRetries'
  | 'inputTokens'
  | 'outputTokens'
  | 'cacheReadTokens'
  | 'cacheWriteTokens'
  | 'reasoningTokens'
  | 'costUsd'
  | 'unpricedCalls'
  | 'errorClass'
  | 'error'
  | 'unnormalizedSpans'
>

export function traceGenaiFields(row: Row, spanCount: number, rootName: string): TraceGenai {
  return {
    title: (row.tg_root_title as string | null) ?? rootName,
    agentName: (row.tg_agent_name as string | null) ?? null,
    models: parsed<string[]>(row.tg_models) ?? [],
    modelCalls: count(row.tg_model_calls),
    toolCalls: count(row.tg_tool_calls),
    toolRetries: count(row.tg_tool_retries),
    modelRetries: count(row.tg_model_retries),
    inputTokens: count(row.tg_input_tokens),
    outputTokens: count(row.tg_output_tokens),
    cacheReadTokens: count(row.tg_cache_read_tokens),
    cacheWriteTokens: count(row.tg_cache_write_tokens),
    reasoningTokens: count(row.tg_reasoning_tokens),
    costUsd: nullableNumber(row.tg_cost_usd),
    unpricedCalls: count(row.tg_unpriced_calls),
    errorClass: ((row.tg_error_class as ErrorClass | null) ?? 'none') as ErrorClass,
    error: parsed<ErrorEvidence>(row.tg_error),
    unnormalizedSpans: Math.max(0, spanCount - count(row.tg_normalized_spans)),
  }
}

type SpanGenai = Pick<
  SpanJson,
  | 'kind'
  | 'convention'
  | 'title'
  | 'provider'
  | 'model'
  | 'agentName'
  | 'toolName'
  | 'toolCallId'
  | 'toolArguments'
  | 'toolResult'
  | 'systemInstructions'
  | 'inputMessages'
  | 'outputMessages'
  | 'inputTokens'
  | 'outputTokens'
  | 'cacheReadTokens'
  | 'cacheWriteTokens'
  | 'reasoningTokens'
  | 'costUsd'
  | 'costSource'
  | 'cost'
  | 'errorClass'
  | 'error'
  | 'retried'
  | 'level'
  | 'inspector'
>

interface Detail {
  inspector: Omit<IngestInspection, 'convention'>
}

/** A span's messages and tool payloads, read from its raw attributes when it is shown. */
export interface SpanContent {
  toolArguments: JsonValue | null
  toolResult: JsonValue | null
  systemInstructions: MessagePart[] | null
  inputMessages: Message[] | null
  outputMessages: Message[] | null
}

export function spanGenaiFields(row: Row, name: string, content: SpanContent): SpanGenai {
  const detail = parsed<Detail>(row.sg_detail)
  return {
    kind: ((row.sg_kind as OperationKind | null) ?? 'other') as OperationKind,
    convention: ((row.sg_convention as SpanJson['convention'] | null) ??
      'none') as SpanJson['convention'],
    title: (row.sg_title as string | null) ?? name,
    provider: (row.sg_provider as string | null) ?? null,
    model: (row.sg_model as string | null) ?? null,
    agentName: (row.sg_agent_name as string | null) ?? null,
    toolName: (row.sg_tool_name as string | null) ?? null,
    toolCallId: (row.sg_tool_call_id as string | null) ?? null,
    ...content,
    inputTokens: nullableNumber(row.sg_input_tokens),
    outputTokens: nullableNumber(row.sg_output_tokens),
    cacheReadTokens: nullableNumber(row.sg_cache_read_tokens),
    cacheWriteTokens: nullableNumber(row.sg_cache_write_tokens),
    reasoningTokens: nullableNumber(row.sg_reasoning_tokens),
    costUsd: nullableNumber(row.sg_cost_usd),
    costSource: ((row.sg_cost_source as CostSource | null) ?? 'none') as CostSource,
    cost: parsed<Cost>(row.sg_cost),
    errorClass: ((row.sg_error_class as ErrorClass | null) ?? 'none') as ErrorClass,
    error: parsed<ErrorEvidence>(row.sg_error),
    retried: count(row.sg_retried) === 1,
    level: nullableNumber(row.sg_level),
    inspector: detail
      ? {
          convention: ((row.sg_convention as Convention | null) ?? 'none') as Convention,
          mapped: detail.inspector.mapped,
          unknown: detail.inspector.unknown,
          truncated: detail.inspector.truncated ?? [],
        }
      : null,
  }
}
