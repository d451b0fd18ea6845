// Read side of the store: turns rows into the JSON the API serves and the
// CLI prints (the types in shared/api.ts). Every statement reads integers as
// bigint, so nanosecond timestamps stay exact.

import type Database from 'better-sqlite3'
import type {
  AttributeMap,
  ExceptionGroup,
  JsonValue,
  ResourceJson,
  ScopeJson,
  SpanEventJson,
  SpanJson,
  SpanLinkJson,
  TraceDetail,
  TraceSummary,
  TraceTree,
  TreeSpan,
} from '../../shared/api'
import type { LogEntryJson } from '../../shared/logs'
import type { GenAiEvent } from '../genai/messages'
import { normalizeSpan } from '../genai/normalize'
import { groupExceptions } from './exceptions'
import { LogSearch } from './log-search'
import {
  SPAN_GENAI_COLUMNS,
  spanGenaiFields,
  TRACE_GENAI_COLUMNS,
  traceGenaiFields,
  type SpanContent,
} from './genai-json'
import { nsDurationMs, spanKindName, statusName } from './span-values'
import { TREE_SELECT, treeSpan, type TreeRow } from './tree-rows'

export { nsDurationMs, spanKindName, statusName } from './span-values'

export const TRACE_SELECT = `SELECT t.*, ${TRACE_GENAI_COLUMNS}
  FROM traces t LEFT JOIN trace_genai tg ON tg.trace_id = t.trace_id`

const SPAN_SELECT = `SELECT s.*, ${SPAN_GENAI_COLUMNS}
  FROM spans s LEFT JOIN span_genai sg ON sg.span_row_id = s.id`

/** Format Unix nanoseconds as ISO 8601 (millisecond precision; the exact value travels beside it). */
export function nsToIso(ns: bigint): string {
  const ms = Number(ns / 1_000_000n)
  const date = new Date(ms)
  return Number.isNaN(date.getTime()) ? new Date(0).toISOString() : date.toISOString()
}

/** Normalize a trace id typed by a user: any case, surrounding spaces. */
export function normalizeTraceId(input: string): string {
  return input.trim().toLowerCase()
}

export interface TraceRow {
  trace_id: string
  root_span_id: string | null
  root_status: bigint
  name: string
  service_name: string | null
  start_ns: bigint
  end_ns: bigint
  span_count: bigint
  error_count: bigint
  in_progress_count: bigint
  updated_ms: bigint
}

interface SpanRow {
  id: bigint
  trace_id: string
  span_id: string
  parent_span_id: string | null
  name: string
  kind: bigint
  start_ns: bigint
  end_ns: bigint
  status_code: bigint
  status_message: string
  trace_state: string
  flags: bigint
  attributes: string
  attribute_types: string | null
  dropped_attributes_count: bigint
  events: string | null
  dropped_events_count: bigint
  links: string | null
  dropped_links_count: bigint
  resource_id: bigint
  scope_id: bigint
  pending: bigint
}

export interface ListOptions {
  limit?: number
  /** Only traces that started before this time (Unix ns), for paging. */
  beforeNs?: bigint
}

export class TraceQueries {
  private readonly db: Database.Database
  private readonly statements
  private readonly logSearch: LogSearch

  constructor(db: Database.Database) {
    this.db = db
    this.logSearch = new LogSearch(db)
    const prepare = (sql: string) => db.prepare(sql).safeIntegers(true)
    this.statements = {
      list: prepare(`${TRACE_SELECT} ORDER BY t.start_ns DESC LIMIT ?`),
      listBefore: prepare(`${TRACE_SELECT} WHERE t.start_ns < ? ORDER BY t.start_ns DESC LIMIT ?`),
      trace: prepare(`${TRACE_SELECT} WHERE t.trace_id = ?`),
      spans: prepare(`${SPAN_SELECT} WHERE s.trace_id = ? ORDER BY s.start_ns, s.id`),
      span: prepare(`${SPAN_SELECT} WHERE s.trace_id = ? AND s.span_id = ? AND s.pending = 0`),
      pendingFor: prepare(
        'SELECT * FROM spans WHERE trace_id = ? AND parent_span_id = ? AND pending = 1',
      ),
      tree: prepare(`${TREE_SELECT} WHERE s.trace_id = ? ORDER BY s.start_ns, s.id`).raw(true),
      resource: prepare('SELECT * FROM resources WHERE id = ?'),
      scope: prepare('SELECT * FROM scopes WHERE id = ?'),
      spanLogEvents: prepare(
        `SELECT event_name, attributes, body FROM logs
         WHERE trace_id = ? AND span_id = ? ORDER BY time_ns, id`,
      ),
      exceptions: prepare(
        `SELECT span_id, events FROM spans
         WHERE trace_id = ? AND pending = 0 AND events LIKE '%"exception"%' ORDER BY start_ns, id`,
      ),
      counts: prepare(
        'SELECT count(*) AS traces, coalesce(sum(span_count), 0) AS spans FROM traces',
      ),
    }
  }

  listTraces(options: ListOptions = {}): TraceSummary[] {
    const limit = options.limit ?? 100
    const rows = (
      options.beforeNs === undefined
        ? this.statements.list.all(limit)
        : this.statements.listBefore.all(options.beforeNs, limit)
    ) as TraceRow[]
    return rows.map(traceSummary)
  }

  getTrace(traceId: string): TraceSummary | null {
    const row = this.statements.trace.get(normalizeTraceId(traceId)) as TraceRow | undefined
    return row ? traceSummary(row) : null
  }

  getTree(traceId: string): TraceTree | null {
    const trace = this.getTrace(traceId)
    if (!trace) return null
    const traceStart = BigInt(trace.startTimeUnixNano)
    const nowNs = BigInt(Date.now()) * 1_000_000n
    const rows = this.statements.tree.all(trace.traceId) as TreeRow[]
    const spans: TreeSpan[] = rows.map((row) => treeSpan(row, traceStart, nowNs))
    return { trace, spans }
  }

  /** Return the stored spans with this id in the trace (normally one), or its in-progress stand-in. */
  getSpans(traceId: string, spanId: string): SpanJson[] {
    const id = normalizeTraceId(traceId)
    const span = spanId.trim().toLowerCase()
    const rows = this.statements.span.all(id, span) as SpanRow[]
    const context = new RowContext(this.statements)
    if (rows.length > 0) return rows.map((row) => context.spanJson(row))
    const pending = this.statements.pendingFor.all(id, span) as SpanRow[]
    return pending.map((row) => context.spanJson(row))
  }

  getTraceDetail(traceId: string): TraceDetail | null {
    const trace = this.getTrace(traceId)
    if (!trace) return null
    const context = new RowContext(this.statements)
    const rows = this.statements.spans.all(trace.traceId) as SpanRow[]
    return { trace, spans: rows.map((row) => context.spanJson(row)) }
  }

  /** Returns the trace's OTLP log records and Logfire logs, oldest first. */
  getLogs(traceId: string): LogEntryJson[] {
    return this.logSearch.traceLogs(normalizeTraceId(traceId))
  }

  getExceptions(traceId: string): ExceptionGroup[] {
    const rows = this.statements.exceptions.all(normalizeTraceId(traceId)) as {
      span_id: string
      events: string | null
    }[]
    return groupExceptions(rows.map((row) => ({ spanId: row.span_id, events: row.events })))
  }

  counts(): { traces: number; spans: number } {
    const row = this.statements.counts.get() as { traces: bigint; spans: bigint }
    return { traces: Number(row.traces), spans: Number(row.spans) }
  }

  /** Raw rows of a trace for export, with their resources and scopes. */
  exportRows(traceId: string): { rows: SpanRow[]; context: RowContext } | null {
    const trace = this.getTrace(traceId)
    if (!trace) return null
    const rows = (this.statements.spans.all(trace.traceId) as SpanRow[]).filter(
      (row) => row.pending === 0n,
    )
    return { rows, context: new RowContext(this.statements) }
  }

  get database(): Database.Database {
    return this.db
  }
}

export type { SpanRow }

export interface StoredResource {
  json: ResourceJson
  attributeTypes: string | null
  serviceName: string | null
}

export interface StoredScope {
  json: ScopeJson
  attributeTypes: string | null
}

/** Resolves resource and scope ids to their JSON once per request. */
export class RowContext {
  private readonly resources = new Map<bigint, StoredResource>()
  private readonly scopes = new Map<bigint, StoredScope>()

  constructor(
    private readonly statements: {
      resource: Database.Statement
      scope: Database.Statement
      spanLogEvents: Database.Statement
    },
  ) {}

  /** GenAI events that arrived as OTLP log records with this span's ids. */
  logEvents(traceId: string, spanId: string): GenAiEvent[] {
    const rows = this.statements.spanLogEvents.all(traceId, spanId) as {
      event_name: string
      attributes: string
      body: string
    }[]
    const events: GenAiEvent[] = []
    for (const row of rows) {
      const attributes = JSON.parse(row.attributes) as AttributeMap
      const name =
        row.event_name ||
        (typeof attributes['event.name'] === 'string' ? attributes['event.name'] : '')
      if (!name.startsWith('gen_ai.')) continue
      const body = JSON.parse(row.body) as JsonValue
      const fields =
        typeof body === 'object' && body !== null && !Array.isArray(body)
          ? { ...attributes, ...body }
          : { ...attributes, content: body }
      events.push({ name, fields })
    }
    return events
  }

  resource(id: bigint): StoredResource {
    let resource = this.resources.get(id)
    if (!resource) {
      const row = this.statements.resource.get(id) as {
        attributes: string
        attribute_types: string | null
        dropped_attributes_count: bigint
        schema_url: string
        service_name: string | null
      }
      resource = {
        json: {
          attributes: JSON.parse(row.attributes) as AttributeMap,
          droppedAttributesCount: Number(row.dropped_attributes_count),
          schemaUrl: row.schema_url,
        },
        attributeTypes: row.attribute_types,
        serviceName: row.service_name,
      }
      this.resources.set(id, resource)
    }
    return resource
  }

  scope(id: bigint): StoredScope {
    let scope = this.scopes.get(id)
    if (!scope) {
      const row = this.statements.scope.get(id) as {
        name: string
        version: string
        attributes: string
        attribute_types: string | null
        dropped_attributes_count: bigint
        schema_url: string
      }
      scope = {
        json: {
          name: row.name,
          version: row.version,
          attributes: JSON.parse(row.attributes) as AttributeMap,
          droppedAttributesCount: Number(row.dropped_attributes_count),
          schemaUrl: row.schema_url,
        },
        attributeTypes: row.attribute_types,
      }
      this.scopes.set(id, scope)
    }
    return scope
  }

  spanJson(row: SpanRow): SpanJson {
    const resource = this.resource(row.resource_id)
    const attributes = JSON.parse(row.attributes) as AttributeMap
    const pending = row.pending === 1n
    const kind = Number(row.kind)
    const events = row.events ? (JSON.parse(row.events) as StoredEvent[]) : []
    const links = row.links ? (JSON.parse(row.links) as StoredLink[]) : []
    const json: SpanJson = {
      traceId: row.trace_id,
      spanId: row.span_id,
      parentSpanId: row.parent_span_id,
      name: row.name,
      spanKind: spanKindName(kind),
      spanKindCode: kind,
      startTime: nsToIso(row.start_ns),
      startTimeUnixNano: row.start_ns.toString(),
      endTimeUnixNano: row.end_ns.toString(),
      durationMs: nsDurationMs(row.start_ns, row.end_ns),
      status: statusName(Number(row.status_code)),
      statusMessage: row.status_message,
      traceState: row.trace_state,
      flags: Number(row.flags),
      serviceName: resource.serviceName,
      attributes,
      droppedAttributesCount: Number(row.dropped_attributes_count),
      events: events.map(eventJson),
      droppedEventsCount: Number(row.dropped_events_count),
      links: links.map(linkJson),
      droppedLinksCount: Number(row.dropped_links_count),
      resource: resource.json,
      scope: this.scope(row.scope_id).json,
      inProgress: false,
      ...spanGenaiFields(
        row as unknown as Record<string, unknown>,
        row.name,
        spanContent(
          row,
          attributes,
          events,
          this.scope(row.scope_id).json.name,
          this.logEvents(row.trace_id, row.span_id),
        ),
      ),
    }
    if (pending) return inProgressSpan(json, attributes)
    return json
  }
}

/** An event as stored in `spans.events`. */
export interface StoredEvent {
  timeUnixNano: string
  name: string
  attributes: AttributeMap
  attributeTypes?: Record<string, unknown>
  droppedAttributesCount: number
}

/** A link as stored in `spans.links`. */
export interface StoredLink {
  traceId: string
  spanId: string
  traceState: string
  flags: number
  attributes: AttributeMap
  attributeTypes?: Record<string, unknown>
  droppedAttributesCount: number
}

function spanContent(
  row: SpanRow,
  attributes: AttributeMap,
  events: StoredEvent[],
  scopeName: string,
  logEvents: GenAiEvent[],
): SpanContent {
  const span = normalizeSpan({
    name: row.name,
    scopeName,
    attributes,
    events,
    logEvents,
    statusCode: Number(row.status_code),
    statusMessage: row.status_message,
  })
  return {
    toolArguments: span.toolArguments,
    toolResult: span.toolResult,
    systemInstructions: span.conversation.systemInstructions,
    inputMessages: span.conversation.inputMessages,
    outputMessages: span.conversation.outputMessages,
  }
}

function eventJson(event: StoredEvent): SpanEventJson {
  return {
    name: event.name,
    time: nsToIso(BigInt(event.timeUnixNano)),
    timeUnixNano: event.timeUnixNano,
    attributes: event.attributes,
    droppedAttributesCount: event.droppedAttributesCount,
  }
}

function linkJson(link: StoredLink): SpanLinkJson {
  return {
    traceId: link.traceId,
    spanId: link.spanId,
    traceState: link.traceState,
    attributes: link.attributes,
    droppedAttributesCount: link.droppedAttributesCount,
  }
}

/**
 * Show a Logfire pending span as the real span it marks (its parent), which
 * has started but not ended, under that span's id and parent.
 */
function inProgressSpan(json: SpanJson, attributes: AttributeMap): SpanJson {
  const realParent = attributes['logfire.pending_parent_id']
  return {
    ...json,
    spanId: json.parentSpanId ?? json.spanId,
    parentSpanId: typeof realParent === 'string' && realParent !== '' ? realParent : null,
    inProgress: true,
  }
}

export function traceSummary(row: TraceRow): TraceSummary {
  return {
    traceId: row.trace_id,
    rootSpanId: row.root_span_id,
    rootName: row.name,
    serviceName: row.service_name,
    startTime: nsToIso(row.start_ns),
    startTimeUnixNano: row.start_ns.toString(),
    endTimeUnixNano: row.end_ns.toString(),
    durationMs: nsDurationMs(row.start_ns, row.end_ns),
    spanCount: Number(row.span_count),
    errorCount: Number(row.error_count),
    status: row.root_span_id ? statusName(Number(row.root_status)) : 'unset',
    complete: row.root_span_id !== null,
    inProgressCount: Number(row.in_progress_count),
    updatedAt: new Date(Number(row.updated_ms)).toISOString(),
    ...traceGenaiFields(
      row as unknown as Record<string, unknown>,
      Number(row.span_count),
      row.name,
    ),
  }
}
