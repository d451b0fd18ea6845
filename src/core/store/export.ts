// Export of a stored trace as one OTLP/JSON ExportTraceServiceRequest, with
// every attribute in its original OTLP type, so that importing the file into
// another Loupe (or sending it to any OTLP receiver) gives the same spans.

import type { AttributeMap } from '../../shared/api'
import { toOtlpJsonKeyValues } from '../otlp/attributes'
import type { OtlpJsonAnyValue } from '../otlp/model'
import type { RowContext, SpanRow, StoredEvent, StoredLink, TraceQueries } from './queries'

type OtlpTypes = Record<string, OtlpJsonAnyValue> | null

interface ScopeSpansJson {
  scope: object
  schemaUrl: string
  spans: object[]
}

/** Build the OTLP/JSON request for a trace, or null when the trace is unknown. */
export function exportTraceAsOtlpJson(queries: TraceQueries, traceId: string): object | null {
  const found = queries.exportRows(traceId)
  if (!found) return null
  const { rows, context } = found
  const byResource = new Map<bigint, Map<bigint, ScopeSpansJson>>()
  for (const row of rows) {
    let scopes = byResource.get(row.resource_id)
    if (!scopes) {
      scopes = new Map()
      byResource.set(row.resource_id, scopes)
    }
    let scopeSpans = scopes.get(row.scope_id)
    if (!scopeSpans) {
      scopeSpans = scopeSpansJson(context, row.scope_id)
      scopes.set(row.scope_id, scopeSpans)
    }
    scopeSpans.spans.push(spanJson(row))
  }
  const resourceSpans = [...byResource].map(([resourceId, scopes]) => {
    const resource = context.resource(resourceId)
    return {
      resource: {
        attributes: keyValues(resource.json.attributes, resource.attributeTypes),
        droppedAttributesCount: resource.json.droppedAttributesCount,
      },
      schemaUrl: resource.json.schemaUrl,
      scopeSpans: [...scopes.values()],
    }
  })
  return { resourceSpans }
}

function scopeSpansJson(context: RowContext, scopeId: bigint): ScopeSpansJson {
  const scope = context.scope(scopeId)
  return {
    scope: {
      name: scope.json.name,
      version: scope.json.version,
      attributes: keyValues(scope.json.attributes, scope.attributeTypes),
      droppedAttributesCount: scope.json.droppedAttributesCount,
    },
    schemaUrl: scope.json.schemaUrl,
    spans: [],
  }
}

function spanJson(row: SpanRow): object {
  const events = row.events ? (JSON.parse(row.events) as StoredEvent[]) : []
  const links = row.links ? (JSON.parse(row.links) as StoredLink[]) : []
  return {
    traceId: row.trace_id,
    spanId: row.span_id,
    parentSpanId: row.parent_span_id ?? '',
    traceState: row.trace_state,
    flags: Number(row.flags),
    name: row.name,
    kind: Number(row.kind),
    startTimeUnixNano: row.start_ns.toString(),
    endTimeUnixNano: row.end_ns.toString(),
    attributes: keyValues(JSON.parse(row.attributes) as AttributeMap, row.attribute_types),
    droppedAttributesCount: Number(row.dropped_attributes_count),
    events: events.map((event) => ({
      timeUnixNano: event.timeUnixNano,
      name: event.name,
      attributes: toOtlpJsonKeyValues(
        event.attributes,
        (event.attributeTypes ?? null) as OtlpTypes,
      ),
      droppedAttributesCount: event.droppedAttributesCount,
    })),
    droppedEventsCount: Number(row.dropped_events_count),
    links: links.map((link) => ({
      traceId: link.traceId,
      spanId: link.spanId,
      traceState: link.traceState,
      flags: link.flags,
      attributes: toOtlpJsonKeyValues(link.attributes, (link.attributeTypes ?? null) as OtlpTypes),
      droppedAttributesCount: link.droppedAttributesCount,
    })),
    droppedLinksCount: Number(row.dropped_links_count),
    status: { code: Number(row.status_code), message: row.status_message },
  }
}

function keyValues(values: AttributeMap, typesJson: string | null) {
  return toOtlpJsonKeyValues(values, typesJson ? (JSON.parse(typesJson) as OtlpTypes) : null)
}
