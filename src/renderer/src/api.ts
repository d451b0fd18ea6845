import type {
  CassetteJson,
  CoreStatus,
  ExceptionGroup,
  JsonValue,
  PlaygroundInfo,
  PlaygroundRunRequest,
  PriceOverride,
  PriceOverrides as PriceList,
  RunDiffJson,
  RunJson,
  RunOutputEvent,
  SingleCallJson,
  SingleCallRequest,
  SingleCallResult,
  SpanJson,
  TraceSummary,
  TraceTree,
} from '../../shared/api'
import type { RemoteImportRequest, RemoteImportResult } from '../../shared/import'
import type { CheckReport } from '../../shared/check'
import type { ExperimentComparison, ExperimentDetail, ExperimentSummary } from '../../shared/evals'
import type { AlertEvent, AlertRule, AlertsOverview, AlertTestResult } from '../../shared/alerts'
import type { LogEntryJson } from '../../shared/logs'
import type { TraceListItem } from '../../shared/trace-filter'
import type { TraceTreePage } from '../../shared/tree-page'
import type { Connection } from './connection'
import { readEventStream } from './event-stream'

export type { PriceOverride, PriceOverrides as PriceList } from '../../shared/api'

/**
 * An API call that failed: the core's `{ error }` message, with its
 * `problems` and `code` when it sends them, or a network failure (status 0).
 */
export class ApiError extends Error {
  readonly status: number
  readonly problems: string[]
  /** The kind of failure when the body has one, such as `timeout` for a SQL query; else null. */
  readonly code: string | null
  /** The run that the failed request stored (a command that could not start), or null. */
  readonly runId: string | null

  constructor(
    message: string,
    status: number,
    problems: string[] = [],
    code: string | null = null,
    runId: string | null = null,
  ) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.problems = problems
    this.code = code
    this.runId = runId
  }

  get isNotFound(): boolean {
    return this.status === 404
  }
}

export interface TraceListQuery {
  limit: number
  /** Only traces that started before this time (`startTimeUnixNano` of the oldest one loaded). */
  before?: string
  /** Filter parameters as a URL query (see shared/trace-filter.ts), or '' for none. */
  filter?: string
  /** Only these traces, to check which pushed traces meet the filter. */
  ids?: string[]
}

/** Client for the core's HTTP API. Every request sends the bearer token. */
export class ApiClient {
  readonly connection: Connection

  constructor(connection: Connection) {
    this.connection = connection
  }

  getStatus(signal?: AbortSignal): Promise<CoreStatus> {
    return this.request('api/status', { signal })
  }

  listTraces(query: TraceListQuery, signal?: AbortSignal): Promise<TraceListItem[]> {
    const params = new URLSearchParams(query.filter ?? '')
    params.set('limit', String(query.limit))
    if (query.before !== undefined) params.set('before', query.before)
    if (query.ids !== undefined) params.set('ids', query.ids.join(','))
    return this.request(`api/traces?${params.toString()}`, { signal })
  }

  getTrace(traceId: string, signal?: AbortSignal): Promise<TraceSummary> {
    return this.request(`api/traces/${encodeURIComponent(traceId)}`, { signal })
  }

  getTraceTree(traceId: string, signal?: AbortSignal): Promise<TraceTree> {
    return this.request(`api/traces/${encodeURIComponent(traceId)}/tree`, { signal })
  }

  /**
   * Returns `limit` spans of the trace in start order, after `after` (the
   * previous page's nextCursor) or from the first span.
   */
  getTraceTreePage(
    traceId: string,
    page: { limit: number; after?: string },
    signal?: AbortSignal,
  ): Promise<TraceTreePage> {
    const params = new URLSearchParams({ limit: String(page.limit) })
    if (page.after !== undefined) params.set('after', page.after)
    const path = `api/traces/${encodeURIComponent(traceId)}/tree?${params.toString()}`
    return this.request(path, { signal })
  }

  /** Returns every span stored under this id: normally one, more when an SDK reused the id. */
  getSpans(traceId: string, spanId: string, signal?: AbortSignal): Promise<SpanJson[]> {
    const path = `api/traces/${encodeURIComponent(traceId)}/spans/${encodeURIComponent(spanId)}`
    return this.request(path, { signal })
  }

  /** Returns the trace's OTLP log records and Logfire logs, oldest first. */
  getTraceLogs(traceId: string, signal?: AbortSignal): Promise<LogEntryJson[]> {
    return this.request(`api/traces/${encodeURIComponent(traceId)}/logs`, { signal })
  }

  getExceptions(traceId: string, signal?: AbortSignal): Promise<ExceptionGroup[]> {
    return this.request(`api/traces/${encodeURIComponent(traceId)}/exceptions`, { signal })
  }

  /** Runs the readiness check of one trace or of a window such as `24h`; rejects with status 404 for an unknown trace. */
  getCheck(
    scope: { traceId: string } | { since: string },
    signal?: AbortSignal,
  ): Promise<CheckReport> {
    const params = new URLSearchParams(
      'traceId' in scope ? { trace: scope.traceId } : { since: scope.since },
    )
    return this.request(`api/check?${params.toString()}`, { signal })
  }

  getPrices(signal?: AbortSignal): Promise<PriceList> {
    return this.request('api/prices', { signal })
  }

  /** Saves a price override; the core then reprices stored runs and pushes the changed traces. */
  savePrice(override: PriceOverride): Promise<PriceList> {
    return this.request('api/prices', { method: 'PUT', body: JSON.stringify(override) })
  }

  deletePrice(provider: string, model: string): Promise<PriceList> {
    const params = new URLSearchParams({ provider, model })
    return this.request(`api/prices?${params.toString()}`, { method: 'DELETE' })
  }

  loadDemo(): Promise<{ traceIds: string[] }> {
    return this.request('api/demo', { method: 'POST' })
  }

  getPlayground(signal?: AbortSignal): Promise<PlaygroundInfo> {
    return this.request('api/playground', { signal })
  }

  /**
   * Returns the model calls a replay of this run or trace serves, or rejects
   * with status 422 and the problems when it cannot be replayed.
   */
  getCassette(source: string, signal?: AbortSignal): Promise<CassetteJson> {
    const collection = /^[0-9a-f]{32}$/.test(source) ? 'traces' : 'runs'
    return this.request(`api/${collection}/${encodeURIComponent(source)}/cassette`, { signal })
  }

  /**
   * Returns a model-call span's request as a Chat Completions body, with its
   * output messages; rejects with 422 for a span that is no model call or
   * recorded no input messages.
   */
  getCallRequest(traceId: string, spanId: string, signal?: AbortSignal): Promise<SingleCallJson> {
    const path = `api/traces/${encodeURIComponent(traceId)}/spans/${encodeURIComponent(spanId)}/call`
    return this.request(path, { signal })
  }

  /**
   * Sends one Chat Completions request through the gateway as a run of its
   * own. Resolves with the gateway's status and body, an error status included.
   */
  runCall(call: SingleCallRequest): Promise<SingleCallResult> {
    return this.request('api/calls', { method: 'POST', body: JSON.stringify(call) })
  }

  /** Compares two runs or traces; rejects with status 404 when one is not found. */
  getDiff(a: string, b: string, signal?: AbortSignal): Promise<RunDiffJson> {
    const params = new URLSearchParams({ a, b })
    return this.request(`api/diff?${params.toString()}`, { signal })
  }

  listExperiments(signal?: AbortSignal): Promise<ExperimentSummary[]> {
    return this.request('api/evals/experiments', { signal })
  }

  /** Returns an experiment with its cases; `id` is its id, trace id or name. Rejects with 404 when none matches. */
  getExperiment(id: string, signal?: AbortSignal): Promise<ExperimentDetail> {
    return this.request(`api/evals/experiments/${encodeURIComponent(id)}`, { signal })
  }

  compareExperiments(a: string, b: string, signal?: AbortSignal): Promise<ExperimentComparison> {
    const params = new URLSearchParams({ a, b })
    return this.request(`api/evals/compare?${params.toString()}`, { signal })
  }

  /**
   * Starts a command (or a replay) in the core; rejects with the core's reason
   * when it cannot: 400, 403, or 422 for a source that cannot be replayed.
   */
  startRun(request: PlaygroundRunRequest): Promise<RunJson> {
    return this.request('api/playground/runs', { method: 'POST', body: JSON.stringify(request) })
  }

  /** Asks the core to stop a run; the run's output stream then ends with the stopped run. */
  stopRun(runId: string): Promise<unknown> {
    return this.request(`api/runs/${encodeURIComponent(runId)}/stop`, { method: 'POST' })
  }

  listRuns(signal?: AbortSignal): Promise<RunJson[]> {
    return this.request('api/runs', { signal })
  }

  getRun(runId: string, signal?: AbortSignal): Promise<RunJson> {
    return this.request(`api/runs/${encodeURIComponent(runId)}`, { signal })
  }

  /** Returns the JSON Schema of scenario files, or null when this core serves none (404). */
  async getScenarioSchema(signal?: AbortSignal): Promise<JsonValue | null> {
    try {
      return await this.request<JsonValue>('api/scenario-schema', { signal })
    } catch (error) {
      if (error instanceof ApiError && error.isNotFound) return null
      throw error
    }
  }

  /**
   * Reads a run's output stream (server-sent events over fetch, which can
   * send the token as a header) and calls `onEvent` for each event. Resolves
   * when the stream ends.
   */
  async streamRunOutput(
    runId: string,
    onEvent: (event: RunOutputEvent) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const url = new URL(`api/runs/${encodeURIComponent(runId)}/output`, this.connection.baseUrl)
    const response = await fetch(url, {
      headers: { Authorization: `Bearer ${this.connection.token}` },
      signal,
    })
    if (!response.ok || response.body === null) throw await responseError(response)
    await readEventStream(response.body, (data) => onEvent(JSON.parse(data) as RunOutputEvent))
  }

  getAlerts(signal?: AbortSignal): Promise<AlertsOverview> {
    return this.request('api/alerts', { signal })
  }

  /** Returns the newest alerts first, of one rule when `rule` is given. */
  listAlertEvents(rule: string | null, signal?: AbortSignal): Promise<AlertEvent[]> {
    const params = new URLSearchParams({ limit: '50' })
    if (rule !== null) params.set('rule', rule)
    return this.request(`api/alerts/events?${params.toString()}`, { signal })
  }

  /** Evaluates every rule now and returns the rules with their new states. */
  evaluateAlerts(): Promise<AlertsOverview> {
    return this.request('api/alerts/evaluate', { method: 'POST' })
  }

  /**
   * Adds a rule (`replacedName` null) or replaces the named one in the rules
   * file. Rejects with status 400 and the problems of an invalid rule.
   */
  saveAlertRule(replacedName: string | null, rule: AlertRule): Promise<AlertsOverview> {
    const body = JSON.stringify(rule)
    if (replacedName === null) return this.request('api/alerts/rules', { method: 'POST', body })
    return this.request(`api/alerts/rules/${encodeURIComponent(replacedName)}`, {
      method: 'PUT',
      body,
    })
  }

  deleteAlertRule(name: string): Promise<AlertsOverview> {
    return this.request(`api/alerts/rules/${encodeURIComponent(name)}`, { method: 'DELETE' })
  }

  /** Evaluates a rule once without changing its state. With `deliver`, also sends the alert. */
  testAlertRule(rule: AlertRule, deliver: boolean): Promise<AlertTestResult> {
    return this.request('api/alerts/test', {
      method: 'POST',
      body: JSON.stringify({ rule, deliver }),
    })
  }

  /** URL of the server-sent events stream. EventSource cannot send headers, so the token goes in the query. */
  eventsUrl(): string {
    const url = new URL('api/events', this.connection.baseUrl)
    url.searchParams.set('token', this.connection.token)
    return url.toString()
  }

  /** Fetches a trace from a Tempo or Jaeger query API; the core stores it. */
  importTrace(request: RemoteImportRequest): Promise<RemoteImportResult> {
    return this.request('api/import', { method: 'POST', body: JSON.stringify(request) })
  }

  /**
   * Sends a request to the core's API (a path such as `api/status`) with the
   * token, and returns its JSON body. Rejects with an ApiError.
   */
  async request<T>(path: string, init: RequestInit): Promise<T> {
    const url = new URL(path, this.connection.baseUrl)
    let response: Response
    try {
      const headers: Record<string, string> = {
        Authorization: `Bearer ${this.connection.token}`,
        Accept: 'application/json',
      }
      if (init.body !== undefined) headers['Content-Type'] = 'application/json'
      response = await fetch(url, { ...init, headers })
    } catch (error) {
      if (isAbortError(error)) throw error
      const reason = error instanceof Error ? error.message : String(error)
      throw new ApiError(
        `Could not reach Loupe at ${this.connection.baseUrl} (${reason}). Is the core still running?`,
        0,
      )
    }
    if (!response.ok) throw await responseError(response)
    return (await response.json()) as T
  }
}

/** Reads the core's `{ error, problems? }` body of a failed response into an ApiError. */
async function responseError(response: Response): Promise<ApiError> {
  const fallback = `${response.status} ${response.statusText}`.trim()
  let text: string
  try {
    text = await response.text()
  } catch {
    return new ApiError(`Request failed: ${fallback}`, response.status)
  }
  try {
    const body: unknown = JSON.parse(text)
    if (typeof body === 'object' && body !== null && 'error' in body) {
      const problems =
        'problems' in body && Array.isArray(body.problems) ? body.problems.map(String) : []
      const code = 'code' in body && typeof body.code === 'string' ? body.code : null
      const runId = 'runId' in body && typeof body.runId === 'string' ? body.runId : null
      return new ApiError(String(body.error), response.status, problems, code, runId)
    }
  } catch {
    // Not JSON, so a proxy or an old core responded. Show its text instead.
  }
  const message = text.trim() === '' ? `Request failed: ${fallback}` : text.trim().slice(0, 500)
  return new ApiError(message, response.status)
}

/** Returns the JSON of one server-sent event's data lines, or null for a comment (keep-alive). */
export function isAbortError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError'
}

/** Returns the message to show for any error a hook caught. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Returns the problems that the core listed with an error, or none. */
export function errorProblems(error: unknown): string[] {
  return error instanceof ApiError ? error.problems : []
}

/**
 * Returns the first line of an error message that lists its problems below
 * it (the core's scenario and cassette errors do), without its colon.
 */
export function errorHeadline(message: string, problems: readonly string[]): string {
  if (problems.length === 0) return message
  return message.split('\n')[0]!.replace(/:$/, '')
}
