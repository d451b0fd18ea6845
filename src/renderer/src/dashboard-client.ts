// Calls of the SQL explorer and dashboards API (POST /api/query,
// GET /api/query/schema, /api/dashboards and its pinned charts).

import type { QueryRequest, QueryResult } from '../../shared/api'
import type {
  DashboardJson,
  PinnedChart,
  PinnedChartInput,
  QuerySchemaJson,
} from '../../shared/dashboards'
import type { ApiClient } from './api'

/** Runs one read-only SQL statement; rejects with the core's message (such as the time limit's). */
export function runQuery(
  client: ApiClient,
  request: QueryRequest,
  signal?: AbortSignal,
): Promise<QueryResult> {
  return client.request('api/query', { method: 'POST', body: JSON.stringify(request), signal })
}

export function getQuerySchema(client: ApiClient, signal?: AbortSignal): Promise<QuerySchemaJson> {
  return client.request('api/query/schema', { signal })
}

/** Returns the built-in panels for a time range (ISO 8601 times) and the pinned charts, with their rows. */
export function getDashboard(
  client: ApiClient,
  range: { from: string; to: string },
  signal?: AbortSignal,
): Promise<DashboardJson> {
  const params = new URLSearchParams(range)
  return client.request(`api/dashboards?${params.toString()}`, { signal })
}

/** Pins a chart; rejects with status 400 and the problems when its fields or SQL are invalid. */
export function pinChart(client: ApiClient, input: PinnedChartInput): Promise<PinnedChart> {
  return client.request('api/dashboards/pinned', { method: 'POST', body: JSON.stringify(input) })
}

export function removePinnedChart(client: ApiClient, id: string): Promise<{ deleted: string }> {
  return client.request(`api/dashboards/pinned/${encodeURIComponent(id)}`, { method: 'DELETE' })
}
