// Reads the traces that a readiness check looks at: raw spans with the
// normalizer's kind, agent name and error class, their resources and scopes,
// the trace's log records, and the gateway's stored headers of its model calls.

import type Database from 'better-sqlite3'
import type { AttributeMap, JsonValue, SpanKindName, SpanStatus } from '../../shared/api'
import type { ErrorClass, ErrorEvidence, OperationKind } from '../../shared/genai'
import { spanKindName, statusName } from '../store/queries'

export interface CheckResource {
  id: number
  serviceName: string | null
  attributes: AttributeMap
}

export interface CheckSpan {
  traceId: string
  spanId: string
  parentSpanId: string | null
  name: string
  spanKind: SpanKindName
  startNs: bigint
  endNs: bigint
  status: SpanStatus
  statusMessage: string
  attributes: AttributeMap
  events: { name: string; attributes: AttributeMap }[]
  resource: CheckResource
  scopeName: string
  /** The normalizer's operation kind; 'other' while the span is not normalized. */
  kind: OperationKind
  normalized: boolean
  agentName: string | null
  errorClass: ErrorClass
  error: ErrorEvidence | null
}

export interface CheckLog {
  spanId: string | null
  body: JsonValue
  attributes: AttributeMap
}

/** Headers of one model call as the gateway stored them with its exchange (record and live modes). */
export interface StoredExchange {
  spanId: string
  requestHeaders: Record<string, string>
  responseHeaders: Record<string, string>
}

export interface CheckTrace {
  traceId: string
  rootSpanId: string | null
  spans: CheckSpan[]
  logs: CheckLog[]
  exchanges: StoredExchange[]
}

interface SpanRow {
  trace_id: string
  span_id: string
  parent_span_id: string | null
  name: string
  kind: bigint
  start_ns: bigint
  end_ns: bigint
  status_code: bigint
  status_message: string
  attributes: string
  events: string | null
  resource_id: bigint
  scope_id: bigint
  sg_kind: OperationKind | null
  sg_agent_name: string | null
  sg_error_class: ErrorClass | null
  sg_error: string | null
}

/** Reads traces from the store for the checks. Integers are read as bigint, so times stay exact. */
export class CheckTraceReader {
  private readonly statements
  private readonly resources = new Map<bigint, CheckResource>()
  private readonly scopes = new Map<bigint, string>()

  constructor(db: Database.Database) {
    const prepare = (sql: string) => db.prepare(sql).safeIntegers(true)
    this.statements = {
      trace: prepare('SELECT trace_id, root_span_id FROM traces WHERE trace_id = ?'),
      window: prepare(
        'SELECT trace_id, root_span_id FROM traces WHERE start_ns >= ? ORDER BY start_ns DESC LIMIT ?',
      ),
      windowCount: prepare('SELECT count(*) AS n FROM traces WHERE start_ns >= ?'),
      spans: prepare(
        `SELECT s.trace_id, s.span_id, s.parent_span_id, s.name, s.kind, s.start_ns, s.end_ns,
           s.status_code, s.status_message, s.attributes, s.events, s.resource_id, s.scope_id,
           sg.kind AS sg_kind, sg.agent_name AS sg_agent_name, sg.error_class AS sg_error_class,
           sg.error AS sg_error
         FROM spans s LEFT JOIN span_genai sg ON sg.span_row_id = s.id
         WHERE s.trace_id = ? AND s.pending = 0 ORDER BY s.start_ns, s.id`,
      ),
      logs: prepare(
        'SELECT span_id, body, attributes FROM logs WHERE trace_id = ? ORDER BY time_ns, id',
      ),
      exchanges: prepare(
        'SELECT span_id, request_headers, response_headers FROM gateway_exchanges WHERE trace_id = ?',
      ),
      resource: prepare('SELECT id, service_name, attributes FROM resources WHERE id = ?'),
      scope: prepare('SELECT name FROM scopes WHERE id = ?'),
    }
  }

  /** Returns the stored trace id and root of a trace, or null when it is not stored. */
  findTrace(traceId: string): { traceId: string; rootSpanId: string | null } | null {
    const row = this.statements.trace.get(traceId) as
      { trace_id: string; root_span_id: string | null } | undefined
    return row ? { traceId: row.trace_id, rootSpanId: row.root_span_id } : null
  }

  /** Returns the newest traces that started at or after `startNs`, at most `limit`, and how many there are in all. */
  listWindow(
    startNs: bigint,
    limit: number,
  ): { traces: { traceId: string; rootSpanId: string | null }[]; total: number } {
    const rows = this.statements.window.all(startNs, limit) as {
      trace_id: string
      root_span_id: string | null
    }[]
    const total = Number((this.statements.windowCount.get(startNs) as { n: bigint }).n)
    return {
      traces: rows.map((row) => ({ traceId: row.trace_id, rootSpanId: row.root_span_id })),
      total,
    }
  }

  readTrace(traceId: string, rootSpanId: string | null): CheckTrace {
    const spans = (this.statements.spans.all(traceId) as SpanRow[]).map((row) => this.span(row))
    const logs = (
      this.statements.logs.all(traceId) as {
        span_id: string | null
        body: string
        attributes: string
      }[]
    ).map((row) => ({
      spanId: row.span_id,
      body: JSON.parse(row.body) as JsonValue,
      attributes: JSON.parse(row.attributes) as AttributeMap,
    }))
    const exchanges = (
      this.statements.exchanges.all(traceId) as {
        span_id: string
        request_headers: string
        response_headers: string | null
      }[]
    ).map((row) => ({
      spanId: row.span_id,
      requestHeaders: lowerCaseKeys(JSON.parse(row.request_headers) as Record<string, string>),
      responseHeaders: lowerCaseKeys(
        row.response_headers === null
          ? {}
          : (JSON.parse(row.response_headers) as Record<string, string>),
      ),
    }))
    return { traceId, rootSpanId, spans, logs, exchanges }
  }

  private span(row: SpanRow): CheckSpan {
    const events = row.events
      ? (JSON.parse(row.events) as { name: string; attributes: AttributeMap }[])
      : []
    return {
      traceId: row.trace_id,
      spanId: row.span_id,
      parentSpanId: row.parent_span_id,
      name: row.name,
      spanKind: spanKindName(Number(row.kind)),
      startNs: row.start_ns,
      endNs: row.end_ns,
      status: statusName(Number(row.status_code)),
      statusMessage: row.status_message,
      attributes: JSON.parse(row.attributes) as AttributeMap,
      events: events.map((event) => ({ name: event.name, attributes: event.attributes })),
      resource: this.resource(row.resource_id),
      scopeName: this.scope(row.scope_id),
      kind: row.sg_kind ?? 'other',
      normalized: row.sg_kind !== null,
      agentName: row.sg_agent_name,
      errorClass: row.sg_error_class ?? 'none',
      error: row.sg_error === null ? null : (JSON.parse(row.sg_error) as ErrorEvidence),
    }
  }

  private resource(id: bigint): CheckResource {
    let resource = this.resources.get(id)
    if (!resource) {
      const row = this.statements.resource.get(id) as {
        id: bigint
        service_name: string | null
        attributes: string
      }
      resource = {
        id: Number(row.id),
        serviceName: row.service_name,
        attributes: JSON.parse(row.attributes) as AttributeMap,
      }
      this.resources.set(id, resource)
    }
    return resource
  }

  private scope(id: bigint): string {
    let name = this.scopes.get(id)
    if (name === undefined) {
      name = (this.statements.scope.get(id) as { name: string }).name
      this.scopes.set(id, name)
    }
    return name
  }
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  const lower: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) lower[name.toLowerCase()] = String(value)
  return lower
}
