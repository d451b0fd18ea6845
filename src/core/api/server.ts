// The UI/API server: the built renderer as static files, the JSON API under
// /api (token required), and the push channel (server-sent events) that
// sends open windows the new and changed traces.

import { timingSafeEqual } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, normalize, sep } from 'node:path'
import type { Logger } from 'pino'
import type {
  CoreStatus,
  ExchangeJson,
  PushMessage,
  QueryRequest,
  QueryResult,
  RunOutputEvent,
} from '../../shared/api'
import { z } from 'zod'
import { answerCheck } from './check-routes'
import type { AlertJson } from '../../shared/alerts'
import type { AlertService } from '../alerts/service'
import { routeAlerts } from './alerts-routes'
import { priceOverrideSchema } from '../genai/price-overrides'
import { parseScenario, ScenarioError, scenarioJsonSchema } from '../gateway/scenario'
import { UpstreamConfigError } from '../gateway/upstream'
import { CassetteError, replyEditSchema } from '../replay/cassette'
import { cassetteFor, diffSources, resolveCassette } from '../replay/sources'
import { chatRequestOf } from '../replay/single-call'
import type { ReplayRequest, ReplayStart, RunLauncher } from '../runner/launcher'
import type { ApiResult, Playground } from '../runner/playground'
import type { RunService } from '../runner/service'
import { PRICE_DATA } from '../genai/price-data'
import type { PriceOverride } from '../genai/pricing'
import { QueryError } from '../query/statement'
import { exportTraceAsOtlpJson } from '../store/export'
import { EvalsRoutes } from './evals-routes'
import type { TraceQueries } from '../store/queries'
import type { RemoteImportRequest, RemoteImportResult } from '../../shared/import'
import { handleImportRequest } from './import-routes'
import { readRequestBody, RequestBodyTooLargeError, sendJson } from './http-json'
import { routeTailLogsSessions, type TailLogsSessionsApi } from './tail-logs-sessions-routes'
import type { DashboardRoutes } from './dashboard-routes'
import { listTraces } from './trace-list-routes'
import { getTreePage, isTreePageRequest } from './tree-page-routes'

import { routeSettings, type SettingsApi } from './settings-routes'
import { CONTENT_SECURITY_POLICY } from '../../shared/csp'

const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
}

export interface ApiOptions {
  queries: TraceQueries
  token: string
  log: Logger
  /** Folder of the built renderer (index.html and assets). */
  rendererDir: string
  status: () => CoreStatus
  loadDemo: () => Promise<string[]>
  isAllowedHost: (host: string | undefined) => boolean
  /** Resolves once GenAI normalization has caught up with the store. */
  whenNormalized: () => Promise<void>
  prices: PriceOverridesApi
  runs: RunService
  launcher: RunLauncher
  playground: Playground
  /** The recorded calls of a run, oldest first. */
  exchanges: (runId: string) => ExchangeJson[]
  /** Runs one read-only SQL statement; rejects with a QueryError. */
  query: (request: QueryRequest) => Promise<QueryResult>
  /** Fetches a trace from a Tempo or Jaeger query API and stores it; rejects with a RemoteImportError. */
  importRemoteTrace?: (request: RemoteImportRequest) => Promise<RemoteImportResult>
  alerts?: AlertService
  /** The settings file and running settings; undefined when the core was started without them. */
  settings?: SettingsApi
  /** The live tail stream, the logs search and the sessions queries. */
  tailLogsSessions: TailLogsSessionsApi
  dashboards: DashboardRoutes
}

/** Price overrides, whose changes reprice stored runs. */
export interface PriceOverridesApi {
  list(): PriceOverride[]
  save(override: PriceOverride): void
  delete(provider: string, model: string): boolean
}

const PUSH_INTERVAL_MS = 100
const MAX_TRACES_PER_PUSH = 500
const STATUS_PUSH_INTERVAL_MS = 1000

export class ApiServer {
  private readonly clients = new Set<ServerResponse>()
  private readonly changed = new Set<string>()
  private pushTimer: NodeJS.Timeout | null = null
  private lastStatusPush = 0
  private statusTimer: NodeJS.Timeout | null = null
  private readonly evals = new EvalsRoutes()

  constructor(private readonly options: ApiOptions) {}

  readonly handle = (request: IncomingMessage, response: ServerResponse): void => {
    this.route(request, response).catch((error: unknown) => {
      this.options.log.error({ err: error, url: request.url }, 'API request failed')
      if (!response.headersSent)
        sendJson(response, 500, { error: 'internal error; see the Loupe log' })
      else response.destroy()
    })
  }

  /** Queue traces for the next push to open windows (coalesced, at most every 100 ms). */
  notifyTracesChanged(traceIds: Iterable<string>): void {
    for (const id of traceIds) this.changed.add(id)
    if (this.pushTimer || this.clients.size === 0) {
      if (this.clients.size === 0) this.changed.clear()
      return
    }
    this.pushTimer = setTimeout(() => this.pushChanges(), PUSH_INTERVAL_MS)
  }

  /** Send open windows a run that started or ended. */
  notifyRunChanged(runId: string): void {
    if (this.clients.size === 0) return
    const run = this.options.runs.get(runId)
    if (run) this.broadcast({ type: 'run', run })
  }

  /** Send open windows an alert, for the desktop notification and the UI's toast. */
  notifyAlert(alert: AlertJson): void {
    this.broadcast({ type: 'alert', alert })
  }

  close(): void {
    if (this.pushTimer) clearTimeout(this.pushTimer)
    if (this.statusTimer) clearTimeout(this.statusTimer)
    for (const client of this.clients) client.end()
    this.clients.clear()
  }

  private pushChanges(): void {
    this.pushTimer = null
    const ids = [...this.changed].slice(0, MAX_TRACES_PER_PUSH)
    for (const id of ids) this.changed.delete(id)
    const traces = ids.map((id) => this.options.queries.getTrace(id)).filter((t) => t !== null)
    this.broadcast({ type: 'traces', traces })
    this.scheduleStatusPush()
    if (this.changed.size > 0)
      this.pushTimer = setTimeout(() => this.pushChanges(), PUSH_INTERVAL_MS)
  }

  /** Send the status (the store's counts) after trace changes, at most once a second. */
  private scheduleStatusPush(): void {
    if (this.statusTimer) return
    const wait = Math.max(0, this.lastStatusPush + STATUS_PUSH_INTERVAL_MS - Date.now())
    this.statusTimer = setTimeout(() => {
      this.statusTimer = null
      this.lastStatusPush = Date.now()
      this.broadcast({ type: 'status', status: this.options.status() })
    }, wait)
  }

  private broadcast(message: PushMessage): void {
    const frame = `data: ${JSON.stringify(message)}\n\n`
    for (const client of this.clients) client.write(frame)
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!this.options.isAllowedHost(request.headers.host)) {
      sendJson(response, 421, { error: `Host ${request.headers.host ?? ''} is not served here` })
      return
    }
    const url = new URL(request.url ?? '/', 'http://loupe.invalid')
    if (!url.pathname.startsWith('/api/')) {
      await this.serveStatic(url.pathname, response)
      return
    }
    if (!this.sameOriginOrNone(request)) {
      sendJson(response, 403, { error: 'cross-origin requests to the Loupe API are not allowed' })
      return
    }
    if (!this.authorized(request, url)) {
      sendJson(response, 401, {
        error:
          'missing or wrong API token: send the header Authorization: Bearer TOKEN, ' +
          'with the token of the URL that `loupe serve` printed',
      })
      return
    }
    await this.routeApi(request, url, response)
  }

  private async routeApi(
    request: IncomingMessage,
    url: URL,
    response: ServerResponse,
  ): Promise<void> {
    const { queries } = this.options
    let parts: string[]
    try {
      parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent)
    } catch {
      sendJson(response, 400, { error: `invalid percent-encoding in ${url.pathname}` })
      return
    }
    const method = request.method ?? 'GET'
    // ?wait=1: respond once GenAI normalization has caught up (for scripts and tests), waiting at most 5 s.
    if (url.searchParams.get('wait') === '1') await this.waitForNormalization(5000)
    if (routeTailLogsSessions(this.options.tailLogsSessions, method, parts, url, request, response))
      return
    // parts[0] is "api".
    if (method === 'GET' && parts[1] === 'status' && parts.length === 2) {
      sendJson(response, 200, this.options.status())
    } else if (method === 'GET' && parts[1] === 'events' && parts.length === 2) {
      this.openEventStream(request, response)
    } else if (method === 'GET' && parts[1] === 'traces' && parts.length === 2) {
      const listed = listTraces(queries.database, url)
      sendJson(response, listed.status, listed.body)
    } else if (method === 'GET' && parts[1] === 'traces' && parts.length === 3) {
      const trace = queries.getTrace(parts[2]!)
      if (trace) sendJson(response, 200, trace)
      else sendJson(response, 404, { error: `trace ${parts[2]} not found` })
    } else if (method === 'GET' && parts[1] === 'traces' && parts[3] === 'cassette') {
      await this.sendCassette(parts[2]!, response)
    } else if (
      method === 'GET' &&
      parts[1] === 'traces' &&
      parts[3] === 'tree' &&
      parts.length === 4 &&
      isTreePageRequest(url)
    ) {
      sendResult(response, getTreePage(queries, parts[2]!, url))
    } else if (method === 'GET' && parts[1] === 'traces' && parts.length === 4) {
      const traceId = parts[2]!
      const view = parts[3]
      const body =
        view === 'tree'
          ? queries.getTree(traceId)
          : view === 'full'
            ? queries.getTraceDetail(traceId)
            : view === 'logs'
              ? queries.getLogs(traceId)
              : view === 'export'
                ? exportTraceAsOtlpJson(queries, traceId)
                : view === 'exceptions'
                  ? queries.getExceptions(traceId)
                  : undefined
      if (body === undefined) sendJson(response, 404, { error: `no API route ${url.pathname}` })
      else if (body === null) sendJson(response, 404, { error: `trace ${traceId} not found` })
      else sendJson(response, 200, body)
    } else if (
      method === 'GET' &&
      parts[1] === 'traces' &&
      parts[3] === 'spans' &&
      parts.length === 5
    ) {
      const spans = queries.getSpans(parts[2]!, parts[4]!)
      if (spans.length === 0) {
        sendJson(response, 404, { error: `span ${parts[4]} not found in trace ${parts[2]}` })
      } else sendJson(response, 200, spans)
    } else if (
      method === 'GET' &&
      parts[1] === 'traces' &&
      parts[3] === 'spans' &&
      parts[5] === 'call' &&
      parts.length === 6
    ) {
      await this.sendCallRequest(parts[2]!, parts[4]!, response)
    } else if (method === 'POST' && parts[1] === 'calls' && parts.length === 2) {
      await this.runSingleCall(request, response)
    } else if (parts[1] === 'runs') {
      await this.routeRuns(method, parts, request, response)
    } else if (parts[1] === 'playground') {
      await this.routePlayground(method, parts, request, response)
    } else if (parts[1] === 'settings' && parts.length === 2) {
      await routeSettings(
        this.options.settings ?? null,
        method,
        request,
        response,
        this.options.log,
      )
    } else if (parts[1] === 'prices' && parts.length === 2) {
      await this.routePrices(method, request, url, response)
    } else if (method === 'GET' && parts[1] === 'diff' && parts.length === 2) {
      const a = url.searchParams.get('a')
      const b = url.searchParams.get('b')
      if (!a || !b) {
        sendJson(response, 400, { error: 'give the two runs or traces to compare as ?a=...&b=...' })
        return
      }
      await this.options.whenNormalized()
      try {
        sendJson(response, 200, diffSources(a, b, this.options.runs, this.options.queries))
      } catch (error) {
        if (!(error instanceof CassetteError)) throw error
        sendJson(response, 404, { error: error.message, problems: error.problems })
      }
    } else if (method === 'GET' && parts[1] === 'scenario-schema' && parts.length === 2) {
      sendJson(response, 200, scenarioJsonSchema())
    } else if (method === 'POST' && parts[1] === 'scenarios' && parts[2] === 'check') {
      await this.checkScenario(request, response)
    } else if (method === 'GET' && parts[1] === 'check' && parts.length === 2) {
      const answer = await answerCheck(
        url.searchParams,
        queries.database,
        this.options.whenNormalized,
      )
      sendJson(response, answer.status, answer.body)
    } else if (method === 'POST' && parts[1] === 'query' && parts.length === 2) {
      await this.runQuery(request, response)
    } else if (
      method === 'POST' &&
      parts[1] === 'import' &&
      parts.length === 2 &&
      this.options.importRemoteTrace
    ) {
      await handleImportRequest(request, response, this.options.importRemoteTrace, this.options.log)
    } else if (parts[1] === 'evals') {
      sendResult(response, this.evals.route(queries.database, method, parts, url))
    } else if (parts[1] === 'alerts' && this.options.alerts) {
      const readBody = () => readJson(request, response)
      const result = await routeAlerts(
        this.options.alerts,
        method,
        parts.slice(2),
        url.searchParams,
        readBody,
      )
      if (result !== null) sendResult(response, result)
    } else if (this.options.dashboards.handles(parts)) {
      const body = method === 'POST' || method === 'PUT' ? await readJson(request, response) : null
      if (body === undefined) return
      sendResult(
        response,
        await this.options.dashboards.route(method, parts, url.searchParams, body),
      )
    } else if (method === 'POST' && parts[1] === 'demo' && parts.length === 2) {
      sendJson(response, 200, { traceIds: await this.options.loadDemo() })
    } else {
      sendJson(response, 404, { error: `no API route ${method} ${url.pathname}` })
    }
  }

  /** Runs one read-only SQL statement: 200 with its rows, or 400 (503 when busy) with the error. */
  private async runQuery(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readJson(request, response)
    if (body === undefined) return
    const parsed = querySchema.safeParse(body)
    if (!parsed.success) {
      sendJson(response, 400, {
        error: `invalid query request: ${issuesText(parsed.error.issues)}`,
        code: 'invalid',
      })
      return
    }
    try {
      sendJson(response, 200, await this.options.query(parsed.data))
    } catch (error) {
      if (!(error instanceof QueryError)) throw error
      this.options.log.info(
        { code: error.code },
        `SQL query failed (${error.code}): ${error.message}`,
      )
      sendJson(response, error.code === 'busy' ? 503 : 400, {
        error: error.message,
        code: error.code,
      })
    }
  }

  /** Checks a scenario's text: 200 with its turn count, or 400 with each mistake and its line. */
  private async checkScenario(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readJson(request, response)
    if (body === undefined) return
    const parsed = scenarioCheckSchema.safeParse(body)
    if (!parsed.success) {
      sendJson(response, 400, {
        error: `invalid scenario check: ${issuesText(parsed.error.issues)}`,
      })
      return
    }
    const name = parsed.data.name ?? 'scenario'
    try {
      const scenario = parseScenario(parsed.data.text, name)
      sendJson(response, 200, { ok: true, turns: scenario.turns.length })
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error
      sendJson(response, 400, { ok: false, error: error.message, problems: error.problems })
    }
  }

  /** Sends a model-call span's request as an editable Chat Completions body, with the original reply. */
  private async sendCallRequest(
    traceId: string,
    spanId: string,
    response: ServerResponse,
  ): Promise<void> {
    await this.options.whenNormalized()
    const span = this.options.queries
      .getTraceDetail(traceId)
      ?.spans.find((s) => s.spanId === spanId)
    if (!span) {
      sendJson(response, 404, { error: `span ${spanId} not found in trace ${traceId}` })
      return
    }
    if (span.kind !== 'model') {
      sendJson(response, 422, { error: `span ${spanId} is a ${span.kind} span, not a model call` })
      return
    }
    const chatRequest = chatRequestOf(span)
    if (!chatRequest) {
      sendJson(response, 422, {
        error: `span ${spanId} recorded no input messages, so its request cannot be rebuilt: turn on content capture in the agent's instrumentation`,
      })
      return
    }
    sendJson(response, 200, { request: chatRequest, original: span.outputMessages })
  }

  /**
   * Runs one Chat Completions request through the gateway, as a run of its
   * own (mock, or record for a real provider), and sends the reply.
   */
  private async runSingleCall(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readJson(request, response)
    if (body === undefined) return
    const parsed = singleCallSchema.safeParse(body)
    if (!parsed.success) {
      sendJson(response, 400, { error: `invalid call: ${issuesText(parsed.error.issues)}` })
      return
    }
    const runs = this.options.runs
    let started: ReturnType<RunService['start']>
    try {
      started = runs.start({ command: ['loupe', 'call'], cwd: '.', mode: parsed.data.mode })
    } catch (error) {
      if (!(error instanceof UpstreamConfigError)) throw error
      sendJson(response, 400, { error: error.message })
      return
    }
    let status = 0
    let reply: unknown = null
    try {
      const answer = await fetch(`${started.env.OPENAI_BASE_URL}/chat/completions`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Authorization: `Bearer ${started.env.OPENAI_API_KEY}`,
        },
        body: JSON.stringify({ ...parsed.data.request, stream: false }),
      })
      status = answer.status
      reply = await answer.json()
    } finally {
      await runs.finish(started.runId, { exitCode: status === 200 ? 0 : 1 }, '')
    }
    sendJson(response, 200, { runId: started.runId, traceId: started.traceId, status, reply })
  }

  /**
   * Builds the replay that RunService.start takes from the `replay` of a run
   * or playground request, once GenAI normalization has caught up so that the
   * cassette includes every stored span. Throws a CassetteError when the source
   * cannot be replayed or `until` names no recorded call of it.
   */
  private readonly replayStart = async (request: ReplayRequest): Promise<ReplayStart> => {
    await this.options.whenNormalized()
    const cassette = resolveCassette(request, this.options.runs, this.options.queries)
    const until = request.until ?? null
    if (until !== null && !cassette.calls.some((call) => call.spanId === until)) {
      const spans = cassette.calls.map((call) => call.spanId).join(', ')
      throw new CassetteError(`until ${until} is not the span of a recorded model call`, [
        `the recorded model calls of ${request.source} have the span ids ${spans}; ` +
          'give one of them, or leave out until to serve them all',
      ])
    }
    return {
      cassette,
      source: request.source,
      until,
      then: request.then,
      editedSpanIds: (request.edits ?? []).map((change) => change.spanId),
    }
  }

  /** Sends the cassette of a run or trace, or 422 with the reasons it cannot be replayed. */
  private async sendCassette(source: string, response: ServerResponse): Promise<void> {
    await this.options.whenNormalized()
    try {
      sendJson(response, 200, cassetteFor(source, this.options.runs, this.options.queries))
    } catch (error) {
      if (!(error instanceof CassetteError)) throw error
      sendJson(response, 422, { error: error.message, problems: error.problems })
    }
  }

  private async routeRuns(
    method: string,
    parts: string[],
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const runs = this.options.runs
    if (method === 'GET' && parts.length === 2) {
      sendJson(response, 200, runs.list())
      return
    }
    if (method === 'GET' && parts.length === 3) {
      const run = runs.get(parts[2]!)
      if (run) sendJson(response, 200, run)
      else sendJson(response, 404, { error: `run ${parts[2]} not found` })
      return
    }
    if (method === 'GET' && parts.length === 4 && parts[3] === 'cassette') {
      await this.sendCassette(parts[2]!, response)
      return
    }
    if (method === 'GET' && parts.length === 4 && parts[3] === 'output') {
      this.openRunOutput(request, response, parts[2]!)
      return
    }
    if (method === 'POST' && parts.length === 4 && parts[3] === 'stop') {
      const runId = parts[2]!
      sendResult(response, this.options.playground.stop(runId, runs.get(runId) !== null))
      return
    }
    if (method === 'GET' && parts.length === 4 && parts[3] === 'exchanges') {
      if (runs.get(parts[2]!)) sendJson(response, 200, this.options.exchanges(parts[2]!))
      else sendJson(response, 404, { error: `run ${parts[2]} not found` })
      return
    }
    if (method === 'POST' && parts.length === 2) {
      const body = await readJson(request, response)
      if (body === undefined) return
      const parsed = runStartSchema.safeParse(body)
      if (!parsed.success) {
        sendJson(response, 400, { error: `invalid run: ${issuesText(parsed.error.issues)}` })
        return
      }
      try {
        const { replay: replayRequest, ...start } = parsed.data
        const replay = replayRequest ? await this.replayStart(replayRequest) : undefined
        sendJson(response, 201, runs.start({ ...start, replay }))
      } catch (error) {
        if (error instanceof CassetteError) {
          sendJson(response, 422, { error: error.message, problems: error.problems })
        } else if (error instanceof ScenarioError) {
          sendJson(response, 400, { error: error.message, problems: error.problems })
        } else if (error instanceof UpstreamConfigError) {
          sendJson(response, 400, { error: error.message })
        } else throw error
      }
      return
    }
    if (method === 'POST' && parts.length === 4 && parts[3] === 'finish') {
      const body = await readJson(request, response)
      if (body === undefined) return
      const parsed = runFinishSchema.safeParse(body)
      if (!parsed.success) {
        sendJson(response, 400, { error: `invalid run result: ${issuesText(parsed.error.issues)}` })
        return
      }
      const run = await runs.finish(
        parts[2]!,
        {
          exitCode: parsed.data.exitCode,
          signal: parsed.data.signal ?? null,
          stopped: parsed.data.stopped,
          startError: parsed.data.startError,
        },
        parsed.data.output,
      )
      if (run) sendJson(response, 200, run)
      else sendJson(response, 404, { error: `run ${parts[2]} not found` })
      return
    }
    sendJson(response, 404, { error: `no API route ${method} /api/${parts.slice(1).join('/')}` })
  }

  private async routePlayground(
    method: string,
    parts: string[],
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const playground = this.options.playground
    if (method === 'GET' && parts.length === 2) {
      sendJson(response, 200, playground.info())
      return
    }
    if (method === 'POST' && parts.length === 3 && parts[2] === 'runs') {
      const body = await readJson(request, response)
      if (body === undefined) return
      sendResult(response, await playground.start(body, this.replayStart))
      return
    }
    sendJson(response, 404, { error: `no API route ${method} /api/${parts.slice(1).join('/')}` })
  }

  /**
   * Streams a run's output as server-sent events (RunOutputEvent): the output
   * so far, each new chunk, then the run once it has ended. A run that is not
   * running here (ended, or started by `loupe run`) gets its stored output and
   * the run at once.
   */
  private openRunOutput(request: IncomingMessage, response: ServerResponse, runId: string): void {
    const run = this.options.runs.get(runId)
    if (run === null) {
      sendJson(response, 404, { error: `run ${runId} not found` })
      return
    }
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    })
    const send = (event: RunOutputEvent) => response.write(`data: ${JSON.stringify(event)}\n\n`)
    const watched = this.options.launcher.watch(runId, (event) => {
      send(event)
      if (event.type === 'end') response.end()
    })
    if (watched === null) {
      const stored = this.options.runs.get(runId) ?? run
      send({ type: 'output', text: stored.output ?? '' })
      send({ type: 'end', run: stored })
      response.end()
      return
    }
    send({ type: 'output', text: watched.output })
    const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), 15_000)
    response.on('close', () => {
      clearInterval(keepAlive)
      watched.unsubscribe()
    })
  }

  private async routePrices(
    method: string,
    request: IncomingMessage,
    url: URL,
    response: ServerResponse,
  ): Promise<void> {
    const prices = this.options.prices
    if (method === 'GET') {
      sendJson(response, 200, { overrides: prices.list(), priceData: PRICE_DATA })
      return
    }
    if (method === 'PUT') {
      let body: unknown
      try {
        body = JSON.parse((await readApiBody(request, 64 * 1024)).toString('utf8'))
      } catch (error) {
        sendJson(response, 400, { error: `invalid JSON body: ${(error as Error).message}` })
        return
      }
      const parsed = priceOverrideSchema.safeParse(body)
      if (!parsed.success) {
        const problems = parsed.error.issues.map(
          (issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`,
        )
        sendJson(response, 400, { error: `invalid price override: ${problems.join('; ')}` })
        return
      }
      prices.save(parsed.data)
      sendJson(response, 200, { overrides: prices.list(), priceData: PRICE_DATA })
      return
    }
    if (method === 'DELETE') {
      const provider = url.searchParams.get('provider') ?? ''
      const model = url.searchParams.get('model') ?? ''
      if (!prices.delete(provider, model)) {
        sendJson(response, 404, {
          error: `no price override for provider ${provider}, model ${model}`,
        })
        return
      }
      sendJson(response, 200, { overrides: prices.list(), priceData: PRICE_DATA })
      return
    }
    sendJson(response, 405, {
      error: `${method} is not allowed on /api/prices; use GET, PUT or DELETE`,
    })
  }

  private async waitForNormalization(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      this.options.whenNormalized(),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ])
    clearTimeout(timer)
  }

  private openEventStream(request: IncomingMessage, response: ServerResponse): void {
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    })
    response.write(
      `retry: 1000\ndata: ${JSON.stringify({ type: 'status', status: this.options.status() })}\n\n`,
    )
    this.clients.add(response)
    const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), 15_000)
    request.on('close', () => {
      clearInterval(keepAlive)
      this.clients.delete(response)
    })
  }

  private authorized(request: IncomingMessage, url: URL): boolean {
    // HTTP authentication scheme names are case-insensitive, so "bearer" counts too.
    const header = request.headers.authorization
    const given =
      header && /^bearer /i.test(header)
        ? header.slice('Bearer '.length).trim()
        : // EventSource cannot set headers, so the push channel takes the token as a parameter.
          url.pathname === '/api/events'
          ? url.searchParams.get('token')
          : null
    if (!given) return false
    const a = Buffer.from(given)
    const b = Buffer.from(this.options.token)
    return a.length === b.length && timingSafeEqual(a, b)
  }

  /** Browsers send Origin on cross-origin requests; only Loupe's own pages may call the API. */
  private sameOriginOrNone(request: IncomingMessage): boolean {
    const origin = request.headers.origin
    if (!origin) return true
    try {
      return new URL(origin).host === request.headers.host
    } catch {
      return false
    }
  }

  private async serveStatic(pathname: string, response: ServerResponse): Promise<void> {
    let relative: string
    try {
      relative = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '')
    } catch {
      sendJson(response, 400, { error: `invalid percent-encoding in ${pathname}` })
      return
    }
    const root = normalize(this.options.rendererDir + sep)
    const file = normalize(join(root, relative))
    if (!file.startsWith(root)) {
      sendJson(response, 404, { error: 'not found' })
      return
    }
    let body: Buffer
    try {
      body = await readFile(file)
    } catch {
      if (relative === 'index.html') {
        sendText(
          response,
          503,
          `the UI is not built (${file} is missing); run \`npm run build\` and reload`,
        )
      } else sendJson(response, 404, { error: `not found: ${pathname}` })
      return
    }
    response.writeHead(200, {
      'Content-Type': MIME_TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': body.length,
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': relative === 'index.html' ? 'no-store' : 'max-age=3600',
    })
    response.end(body)
  }
}

/** Read a JSON request body, or send 400 and return undefined. */
/**
 * Largest API request body: a run's stored output (1,000,000 characters) can
 * take six bytes a character once escaped in JSON.
 */
const MAX_API_BODY_BYTES = 32 * 1024 * 1024

async function readJson(request: IncomingMessage, response: ServerResponse): Promise<unknown> {
  let raw: Buffer
  try {
    raw = await readApiBody(request, MAX_API_BODY_BYTES)
  } catch (error) {
    const tooLarge = error instanceof RequestBodyTooLargeError
    sendJson(response, tooLarge ? 413 : 400, { error: (error as Error).message })
    return undefined
  }
  try {
    return JSON.parse(raw.toString('utf8'))
  } catch (error) {
    sendJson(response, 400, { error: `invalid JSON body: ${(error as Error).message}` })
    return undefined
  }
}

function issuesText(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues
    .map((issue) => `${issue.path.map(String).join('.') || 'body'}: ${issue.message}`)
    .join('; ')
}

const upstreamSchema = z.object({
  baseUrl: z.string().min(1).optional(),
  apiKey: z.string().optional(),
})

const runStartSchema = z.object({
  command: z.array(z.string()).min(1, 'command must name a program'),
  cwd: z.string().min(1),
  mode: z.enum(['mock', 'record', 'live']),
  scenario: z
    .object({
      name: z.string().min(1, 'scenario.name must name the scenario, such as its file name'),
      text: z.string(),
    })
    .nullable()
    .optional(),
  upstream: z
    .object({
      openai: upstreamSchema.optional(),
      anthropic: upstreamSchema.optional(),
    })
    .optional(),
  replay: z
    .object({
      source: z.string().min(1, 'replay.source must name a run, a trace or a cassette file'),
      cassette: z.unknown().optional(),
      until: z.string().nullable().optional(),
      then: z.enum(['fail', 'mock', 'live']),
      edits: z.array(replyEditSchema).optional(),
    })
    .optional(),
})

const singleCallSchema = z.object({
  /** A Chat Completions request body. */
  request: z.record(z.string(), z.unknown()),
  mode: z.enum(['mock', 'record']),
})

const querySchema = z.object({
  sql: z.string(),
  limitRows: z.number().optional(),
  timeoutMs: z.number().optional(),
})

const scenarioCheckSchema = z.object({ name: z.string().optional(), text: z.string() })

const runFinishSchema = z.object({
  exitCode: z.number().int().nullable(),
  output: z.string(),
  /** The signal that ended the command, when one did. */
  signal: z.string().nullable().optional(),
  /** True when the user stopped the command (Ctrl-C). */
  stopped: z.boolean().optional(),
  /** Why the command could not be started, when it could not. */
  startError: z.string().optional(),
})

function readApiBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return readRequestBody(
    request,
    maxBytes,
    `the request body is larger than ${maxBytes} bytes; send less (a run's output is kept up to 1,000,000 characters)`,
  )
}

function sendResult(response: ServerResponse, result: ApiResult): void {
  sendJson(response, result.status, result.body)
}

function sendText(response: ServerResponse, status: number, message: string): void {
  const body = Buffer.from(`${message}\n`)
  response.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': body.length,
  })
  response.end(body)
}
