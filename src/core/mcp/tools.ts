// The tools of `loupe mcp`: search_traces, show_trace, get_span and query.
// Each returns text for a model to read. Expected failures (a bad id, no
// store, a rejected query) come back as tool errors whose message names
// the next step.

import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { Logger } from 'pino'
import { z } from 'zod'
import type { JsonValue, QueryRequest, QueryResult } from '../../shared/api'
import { ERROR_CLASS_STATUS, type ErrorClass } from '../../shared/genai'
import { isCalendarDate, MAX_UNIX_MS } from '../../shared/trace-filter'
import { QueryError } from '../query/statement'
import { StoreError } from '../store/database'
import { outlineTrace } from './outline'
import { searchTraces, type TraceSearchHit } from './search'
import { checkSpanId, checkTraceId, ToolError, type ReadOnlyStore } from './store'
import { formatCost, formatDuration, oneLine } from './text'

export interface ToolContext {
  store: ReadOnlyStore
  log: Logger
  /** Runs one read-only SQL statement with the SQL explorer's checks and limits. */
  query: (request: QueryRequest) => Promise<QueryResult>
}

const ERROR_CLASSES = Object.keys(ERROR_CLASS_STATUS) as [ErrorClass, ...ErrorClass[]]

const READ_ONLY = { readOnlyHint: true, openWorldHint: false } as const

const traceIdField = z.string().describe('trace id: 32 hexadecimal digits')

export function registerTools(server: McpServer, context: ToolContext): void {
  server.registerTool(
    'search_traces',
    {
      title: 'Search traces',
      description:
        'Find traces of LLM agent runs, newest first. text matches span names, attributes, ' +
        'prompts, replies, tool arguments and results, and log records (case-insensitive ' +
        'substring). Each result line gives the trace id, start, duration, status, error class, ' +
        'agent, models, calls, tokens and cost, and where the text matched.',
      inputSchema: {
        text: z.string().min(1).optional().describe('substring to find'),
        since: z
          .string()
          .optional()
          .describe(
            'only traces that started after this: a duration back from now (30m, 24h, 7d) or an ISO 8601 time',
          ),
        error_class: z
          .enum([...ERROR_CLASSES, 'any'])
          .optional()
          .describe("only traces that ended with this error class; 'any' for every failure"),
        agent: z.string().min(1).optional().describe('only traces of this agent name'),
        service: z.string().min(1).optional().describe('only traces of this service.name'),
        limit: z.number().int().min(1).max(200).default(20).describe('maximum traces returned'),
      },
      annotations: { title: 'Search traces', ...READ_ONLY },
    },
    (input) =>
      runTool(context, 'search_traces', () => {
        const hits = searchTraces(context.store.open(), {
          text: input.text,
          sinceNs: input.since === undefined ? undefined : parseSince(input.since),
          errorClass: input.error_class,
          agent: input.agent,
          service: input.service,
          limit: input.limit,
        })
        return formatHits(hits, input.limit)
      }),
  )

  server.registerTool(
    'show_trace',
    {
      title: 'Show a trace',
      description:
        'Show one trace as a compact span tree: totals (agent, models, tokens, cost, error ' +
        'class), then one line per span with its id, timing and figures, and short excerpts of ' +
        'model inputs and outputs, tool arguments and results, and errors. Large traces list ' +
        'errors, agent runs, model and tool calls first. Use get_span for one span in full.',
      inputSchema: {
        trace_id: traceIdField,
        max_spans: z
          .number()
          .int()
          .min(1)
          .max(2000)
          .default(100)
          .describe('maximum spans listed (their ancestors are added)'),
        max_text_chars: z
          .number()
          .int()
          .min(20)
          .max(5000)
          .default(300)
          .describe('longest excerpt of a message, argument or result, in characters'),
      },
      annotations: { title: 'Show a trace', ...READ_ONLY },
    },
    (input) =>
      runTool(context, 'show_trace', () => {
        const traceId = checkTraceId(input.trace_id)
        const queries = context.store.open()
        const tree = queries.getTree(traceId)
        if (!tree) throw notFound(traceId, context.store.dataDir)
        return outlineTrace(tree, {
          maxSpans: input.max_spans,
          maxTextChars: input.max_text_chars,
          spanDetail: (spanId) => queries.getSpans(traceId, spanId)[0] ?? null,
        })
      }),
  )

  server.registerTool(
    'get_span',
    {
      title: 'Get a span',
      description:
        'Return one span in full as JSON: attributes, events, links, resource, scope, and the ' +
        'normalized GenAI fields (messages, tool arguments and result, tokens, cost, error). ' +
        'Several spans are returned when an SDK reused the span id.',
      inputSchema: {
        trace_id: traceIdField,
        span_id: z.string().describe('span id: 16 hexadecimal digits, as show_trace lists it'),
        max_value_chars: z
          .number()
          .int()
          .min(0)
          .default(20_000)
          .describe('cut string values longer than this many characters; 0 returns them whole'),
      },
      annotations: { title: 'Get a span', ...READ_ONLY },
    },
    (input) =>
      runTool(context, 'get_span', () => {
        const traceId = checkTraceId(input.trace_id)
        const spanId = checkSpanId(input.span_id)
        const queries = context.store.open()
        const spans = queries.getSpans(traceId, spanId)
        if (spans.length === 0) {
          if (!queries.getTrace(traceId)) throw notFound(traceId, context.store.dataDir)
          throw new ToolError(
            `span ${spanId} not found in trace ${traceId}; list its spans with show_trace`,
          )
        }
        const value = (spans.length === 1 ? spans[0] : spans) as unknown as JsonValue
        const cut = input.max_value_chars === 0 ? value : cutStrings(value, input.max_value_chars)
        return JSON.stringify(cut, null, 1)
      }),
  )

  server.registerTool(
    'query',
    {
      title: 'Query with SQL',
      description:
        'Run one read-only SQLite SELECT over the views records (one row per span: span_name, ' +
        'message, start_timestamp, duration in seconds, level, attributes as JSON readable ' +
        'with ->>, trace_id, span_id), traces, agent_runs (cost_usd, tokens, error_class), ' +
        'model_calls, tool_calls and logs. List the columns of a view with ' +
        "SELECT name FROM pragma_table_info('agent_runs'). Helpers: percentile(x, p). " +
        "Times are UTC text comparable with datetime('now', '-1 day').",
      inputSchema: {
        sql: z.string().min(1).describe('one SELECT, WITH, EXPLAIN or VALUES statement'),
        limit: z.number().int().min(1).max(10_000).default(200).describe('maximum rows returned'),
        timeout_ms: z
          .number()
          .int()
          .min(1)
          .max(60_000)
          .default(5_000)
          .describe('time limit in milliseconds, after which the query is stopped'),
      },
      annotations: { title: 'Query with SQL', ...READ_ONLY },
    },
    (input) =>
      runTool(context, 'query', async () => {
        context.store.checkExists()
        const result = await context.query({
          sql: input.sql,
          limitRows: input.limit,
          timeoutMs: input.timeout_ms,
        })
        return formatRows(result)
      }),
  )
}

/**
 * Runs a tool body and wraps its text in a result. Expected failures become
 * tool errors with their message. Others are logged and returned as an
 * internal error, and the store is reopened on the next call.
 */
async function runTool(
  context: ToolContext,
  tool: string,
  body: () => string | Promise<string>,
): Promise<CallToolResult> {
  try {
    const text = await body()
    context.log.debug({ tool, chars: text.length }, 'tool call returned')
    return { content: [{ type: 'text', text }] }
  } catch (error) {
    if (error instanceof ToolError || error instanceof QueryError || error instanceof StoreError) {
      context.log.info({ tool }, `tool call failed: ${error.message}`)
      if (error instanceof StoreError) context.store.close()
      return { content: [{ type: 'text', text: error.message }], isError: true }
    }
    context.log.error({ err: error, tool }, 'tool call failed unexpectedly')
    context.store.close()
    return {
      content: [{ type: 'text', text: `internal error: ${(error as Error).message}` }],
      isError: true,
    }
  }
}

function notFound(traceId: string, dataDir: string): ToolError {
  return new ToolError(
    `trace ${traceId} not found in the store at ${dataDir}; find trace ids with search_traces`,
  )
}

const SINCE_UNITS_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
}

/**
 * Parses `since` (a duration back from now such as 24h, or an ISO 8601 time)
 * into Unix nanoseconds. A duration that reaches before 1970 gives 0.
 */
export function parseSince(value: string, nowMs = Date.now()): bigint {
  const text = value.trim()
  const duration = /^(\d+(?:\.\d+)?)\s*([smhdw])$/i.exec(text)
  let ms: number
  if (duration) {
    ms = Math.max(0, nowMs - Number(duration[1]) * SINCE_UNITS_MS[duration[2]!.toLowerCase()]!)
  } else {
    if (/^\d{4}-\d{2}-\d{2}/.test(text) && !isCalendarDate(text)) {
      throw new ToolError(`invalid since ${JSON.stringify(value)}: not a calendar date`)
    }
    ms = Date.parse(text)
    if (Number.isNaN(ms)) {
      throw new ToolError(
        `invalid since ${JSON.stringify(value)}: give a duration such as 30m, 24h or 7d, ` +
          'or an ISO 8601 time such as 2026-03-02T00:00:00Z',
      )
    }
    if (ms < 0 || ms > MAX_UNIX_MS) {
      throw new ToolError(
        `invalid since ${JSON.stringify(value)}: give a time between 1970-01-01 and ` +
          `${new Date(MAX_UNIX_MS).toISOString()}, the range of signed 64-bit Unix nanoseconds`,
      )
    }
  }
  return BigInt(Math.floor(ms)) * 1_000_000n
}

function formatHits(hits: TraceSearchHit[], limit: number): string {
  if (hits.length === 0) {
    return 'No traces match. Widen the search: drop a filter, use a shorter text, or an earlier since.'
  }
  const lines = hits.map(({ trace, match }) => {
    const figures = [
      trace.startTime,
      formatDuration(trace.durationMs),
      trace.status === 'error' ? 'ERROR' : trace.status,
      `error class ${trace.errorClass}`,
    ]
    if (trace.agentName) figures.push(`agent ${trace.agentName}`)
    if (trace.models.length > 0) figures.push(`models ${trace.models.join(', ')}`)
    if (trace.modelCalls > 0 || trace.toolCalls > 0) {
      figures.push(`${trace.modelCalls} model calls, ${trace.toolCalls} tool calls`)
    }
    if (trace.inputTokens > 0 || trace.outputTokens > 0) {
      figures.push(`tokens ${trace.inputTokens} in, ${trace.outputTokens} out`)
    }
    if (trace.costUsd !== null) figures.push(formatCost(trace.costUsd))
    if (trace.serviceName) figures.push(`service ${trace.serviceName}`)
    let line = `${trace.traceId} ${oneLine(trace.title, 100)}\n  ${figures.join(', ')}`
    if (match) {
      const where = match.spanId
        ? `span ${match.spanId}${match.spanName ? ` (${oneLine(match.spanName, 60)})` : ''}`
        : 'trace'
      line += `\n  match in ${where}, ${match.field}: ${match.snippet}`
    }
    return line
  })
  const more =
    hits.length === limit
      ? `\n(${limit} shown, the limit; more may match: raise limit or narrow the search)`
      : ''
  return `${hits.length} trace${hits.length === 1 ? '' : 's'}, newest first:\n${lines.join('\n')}${more}`
}

/** Formats query rows as a header line and one JSON array per row. */
function formatRows(result: QueryResult): string {
  const lines = [`columns: ${JSON.stringify(result.columns)}`]
  for (const row of result.rows) lines.push(JSON.stringify(row))
  const count = `${result.rows.length} row${result.rows.length === 1 ? '' : 's'}`
  lines.push(
    result.truncated
      ? `(${count}, cut at the row limit; raise limit or aggregate in SQL)`
      : `(${count}, ${Math.round(result.elapsedMs)} ms)`,
  )
  return lines.join('\n')
}

/** Returns a copy of `value` with strings longer than `maxChars` cut and marked. */
function cutStrings(value: JsonValue, maxChars: number): JsonValue {
  if (typeof value === 'string') {
    if (value.length <= maxChars) return value
    return `${value.slice(0, maxChars)}… [cut ${value.length - maxChars} chars; call get_span with max_value_chars=0 for the whole value]`
  }
  if (Array.isArray(value)) return value.map((item) => cutStrings(item, maxChars))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, cutStrings(item, maxChars)]),
    )
  }
  return value
}
