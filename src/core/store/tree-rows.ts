// Rows of a trace's span tree, for the whole tree and for its pages. The
// statements read these rows in raw mode (arrays instead of objects), because
// better-sqlite3 builds an array of 24 values about twice as fast as an object
// with 24 named properties, and a tree page reads thousands of rows.

import type { TreeSpan } from '../../shared/api'
import type { ErrorClass, OperationKind } from '../../shared/genai'
import { nsDurationMs, spanKindName, statusName } from './span-values'

/**
 * The columns of a TreeRow, in its order. Callers add WHERE and ORDER BY on
 * `s` (spans). Unnormalized spans have no span_genai row, so their GenAI
 * columns are null.
 */
export const TREE_SELECT = `SELECT s.id, s.span_id, s.parent_span_id, s.name, s.kind, s.start_ns,
    s.end_ns, s.status_code, s.pending, r.service_name,
    CASE WHEN s.events IS NULL THEN 0 ELSE json_array_length(s.events) END,
    CASE WHEN s.pending = 1
      THEN json_extract(s.attributes, '$."logfire.pending_parent_id"') END,
    sg.kind, sg.title, sg.model, sg.tool_name, sg.input_tokens, sg.output_tokens, sg.cost_usd,
    sg.error_class, sg.retried, sg.level, sg.span_type, sg.tool_call_id
  FROM spans s JOIN resources r ON r.id = s.resource_id
    LEFT JOIN span_genai sg ON sg.span_row_id = s.id`

/** Positions of the columns of TREE_SELECT in a TreeRow. */
const COLUMN = {
  id: 0,
  spanId: 1,
  parentSpanId: 2,
  name: 3,
  kind: 4,
  startNs: 5,
  endNs: 6,
  statusCode: 7,
  pending: 8,
  serviceName: 9,
  eventCount: 10,
  pendingParentId: 11,
  genaiKind: 12,
  title: 13,
  model: 14,
  toolName: 15,
  inputTokens: 16,
  outputTokens: 17,
  costUsd: 18,
  errorClass: 19,
  retried: 20,
  level: 21,
  spanType: 22,
  toolCallId: 23,
} as const

/** One row of TREE_SELECT, read with safe integers in raw mode. */
export type TreeRow = [
  id: bigint,
  spanId: string,
  parentSpanId: string | null,
  name: string,
  kind: bigint,
  startNs: bigint,
  endNs: bigint,
  statusCode: bigint,
  pending: bigint,
  serviceName: string | null,
  eventCount: bigint,
  pendingParentId: string | null,
  genaiKind: OperationKind | null,
  title: string | null,
  model: string | null,
  toolName: string | null,
  inputTokens: bigint | null,
  outputTokens: bigint | null,
  costUsd: number | null,
  errorClass: ErrorClass | null,
  retried: bigint | null,
  level: bigint | null,
  spanType: string | null,
  toolCallId: string | null,
]

/** Returns the row id and start time of a row, which a tree page cursor records. */
export function treeRowPosition(row: TreeRow): { rowId: bigint; startNs: bigint } {
  return { rowId: row[COLUMN.id], startNs: row[COLUMN.startNs] }
}

export function treeSpan(row: TreeRow, traceStart: bigint, nowNs: bigint): TreeSpan {
  const name = row[COLUMN.name]
  const kind = Number(row[COLUMN.kind])
  const startNs = row[COLUMN.startNs]
  const pending = row[COLUMN.pending] === 1n
  let spanId = row[COLUMN.spanId]
  let parentSpanId = row[COLUMN.parentSpanId]
  let endNs = row[COLUMN.endNs]
  if (pending) {
    // A running span: drawn under its real id and parent, up to now.
    spanId = parentSpanId ?? spanId
    parentSpanId = row[COLUMN.pendingParentId] || null
    endNs = nowNs > startNs ? nowNs : startNs
  }
  return {
    spanId,
    parentSpanId,
    name,
    spanKind: spanKindName(kind),
    spanKindCode: kind,
    startOffsetMs: nsDurationMs(traceStart, startNs),
    durationMs: nsDurationMs(startNs, endNs),
    zeroTime: startNs === 0n || row[COLUMN.endNs] === 0n,
    status: statusName(Number(row[COLUMN.statusCode])),
    serviceName: row[COLUMN.serviceName],
    inProgress: pending,
    eventCount: Number(row[COLUMN.eventCount]),
    kind: row[COLUMN.genaiKind] ?? 'other',
    title: row[COLUMN.title] ?? name,
    model: row[COLUMN.model],
    toolName: row[COLUMN.toolName],
    inputTokens: nullableNumber(row[COLUMN.inputTokens]),
    outputTokens: nullableNumber(row[COLUMN.outputTokens]),
    costUsd: nullableNumber(row[COLUMN.costUsd]),
    errorClass: row[COLUMN.errorClass] ?? 'none',
    retried: row[COLUMN.retried] === 1n,
    level: nullableNumber(row[COLUMN.level]),
    spanType: row[COLUMN.spanType],
    toolCallId: row[COLUMN.toolCallId],
  }
}

function nullableNumber(value: bigint | number | null): number | null {
  return value === null ? null : Number(value)
}
