// The core: OTLP receivers, the store and the UI/API server, started
// together on one data folder. `loupe serve`, the desktop app's utility
// process and the integration tests all start it through `startCore`.

import { createServer, type Server } from 'node:http'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type * as grpc from '@grpc/grpc-js'
import type Database from 'better-sqlite3'
import pino, { type Logger } from 'pino'
import type { CoreStatus, PortStatus, StoreStatus } from '../shared/api'
import { AlertService } from './alerts/service'
import { ApiServer } from './api/server'
import { TailFeed } from './tail/feed'
import { DashboardRoutes } from './api/dashboard-routes'
import { QueryRunner } from './query/runner'
import {
  acquireLock,
  loadOrCreateToken,
  releaseLock,
  writeDiscovery,
  type Discovery,
} from './discovery'
import { deletePriceOverride, listPriceOverrides, savePriceOverride } from './genai/price-overrides'
import { NormalizationRunner } from './genai/runner'
import type { Responder } from './gateway/answer'
import { ExchangeStore } from './gateway/exchanges'
import { ProviderKeys } from './gateway/provider-keys'
import { createGatewayHandler } from './gateway/router'
import { RunRegistry } from './gateway/runs'
import { RunLauncher } from './runner/launcher'
import { isLoopbackHost, Playground } from './runner/playground'
import { RunService } from './runner/service'
import { checkNotSelf, type ForwardConfig } from './forward/config'
import { Forwarder } from './forward/forwarder'
import { importRemoteTrace } from './import/store-remote'
import { Ingestor, type IngestOptions } from './ingest'
import type { PriceOverride } from './genai/pricing'
import type { SettingsRuntime } from './settings/resolve'
import { bindWithFallback, hostChecker, listenHttp } from './net'
import { bindGrpc, createGrpcServer } from './otlp/grpc-receiver'
import { createOtlpHttpHandler } from './otlp/http-receiver'
import { DEFAULT_MAX_IN_FLIGHT_BYTES, InFlightBudget } from './otlp/in-flight-budget'
import { loupeVersion, packageRoot } from './package-root'
import { enableIncrementalVacuum } from './store/auto-vacuum'
import { ensureWritableFolder, openDatabase } from './store/database'
import { LogSearch } from './store/log-search'
import { TraceQueries } from './store/queries'
import { SessionQueries } from './store/session-queries'
import { Retention, type RetentionReport } from './store/retention'
import { SpanWriter } from './store/writer'

export const DEFAULT_PORTS = { otlpHttp: 4318, otlpGrpc: 4317, ui: 4320 } as const

export interface CoreOptions {
  dataDir: string
  /** Address to bind; 127.0.0.1 unless the user asks otherwise. */
  host?: string
  /** Host names served besides loopback ones (for agents in containers). */
  allowedHosts?: string[]
  /**
   * Ports; 0 picks a free one. A port given here is explicit: if it is taken,
   * start fails, unless `fallbackOnConflict` is set.
   */
  otlpHttpPort?: number
  otlpGrpcPort?: number
  uiPort?: number
  /** Take the next free port when a given port is taken, as for the defaults. */
  fallbackOnConflict?: boolean
  /** Secret redaction before storage; the default rules when omitted, false to turn it off. */
  redaction?: IngestOptions['redaction']
  /** Spans and log records that may wait for a commit before requests get 503. */
  maxQueuedItems?: number
  /** Largest OTLP request body in bytes, before and after decompression. */
  maxBodyBytes?: number
  /**
   * Budget of OTLP request bytes held at once by the HTTP requests and gRPC
   * calls in flight, 256 MiB by default. Past it, new ones get a retryable error.
   */
  maxInFlightBytes?: number
  /** Largest attribute value or log body kept whole, in UTF-8 bytes (4 MiB by default). */
  maxAttributeBytes?: number
  /** Size cap of the store's data in bytes; the oldest traces are deleted past it. */
  maxStoreBytes?: number
  /** Age limit in days; traces with no activity for longer are deleted. */
  retentionDays?: number
  /** Time between periodic retention passes, in milliseconds (10 minutes by default). */
  retentionIntervalMs?: number
  /** Load the bundled demo traces when the store is empty. */
  demo?: boolean
  logger?: Logger
  /** Folder of the built renderer; defaults to out/renderer in the package. */
  rendererDir?: string
  /** Answers gateway calls that belong to no run (`loupe mock SCENARIO`); the automatic mock by default. */
  respondOutsideRuns?: Responder
  /** An upstream OTLP/HTTP endpoint that receives a copy of every stored request. */
  forward?: ForwardConfig
  /** Seconds between two evaluations of the alert rules when their file sets no interval; 60 when absent. */
  alertIntervalSeconds?: number
  /** The settings file's folder and the settings this core runs with, for `/api/settings`. */
  settings?: SettingsRuntime
  /** Price overrides from the prices file, saved into the store at start. */
  priceOverrides?: PriceOverride[]
  /** Provider keys handed over by the desktop app, kept in memory. */
  providerKeys?: ProviderKeys
}

export interface Core {
  readonly discovery: Discovery
  /** The UI URL with the API token, as printed by `loupe serve`. */
  readonly uiUrlWithToken: string
  readonly database: Database.Database
  readonly ingestor: Ingestor
  /** Live runs that may call the model gateway, by gateway key. */
  readonly runs: RunRegistry
  /** Resolves once every stored span has been through GenAI normalization. */
  whenNormalized(): Promise<void>
  /** Runs a retention pass now (after the one running, if any) and returns its report. */
  runRetention(): Promise<RetentionReport>
  status(): CoreStatus
  loadDemo(): Promise<string[]>
  stop(): Promise<void>
}

/** 64 MiB, the request size limit that the OTLP specification recommends. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024

export async function startCore(options: CoreOptions): Promise<Core> {
  const log = options.logger ?? pino({ name: 'loupe' }, pino.destination(2))
  const host = options.host ?? '127.0.0.1'
  const dataDir = options.dataDir
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  ensureWritableFolder(dataDir)
  acquireLock(dataDir)
  const cleanups: (() => unknown)[] = [() => releaseLock(dataDir)]
  const cleanUp = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  }
  try {
    return await startParts(options, { log, host, dataDir, maxBodyBytes, cleanups, cleanUp })
  } catch (error) {
    await cleanUp()
    throw error
  }
}

interface StartContext {
  log: Logger
  host: string
  dataDir: string
  maxBodyBytes: number
  cleanups: (() => unknown)[]
  cleanUp: () => Promise<void>
}

async function startParts(options: CoreOptions, context: StartContext): Promise<Core> {
  const { log, host, dataDir, maxBodyBytes, cleanups } = context
  const db = openDatabase(dataDir)
  cleanups.push(() => db.close())
  for (const override of options.priceOverrides ?? []) savePriceOverride(db, override)
  // Before the GenAI worker opens its own connection, which would block VACUUM.
  enableIncrementalVacuum(db, log)
  const retention = new Retention(db, {
    maxStoreBytes: options.maxStoreBytes ?? null,
    retentionDays: options.retentionDays ?? null,
    intervalMs: options.retentionIntervalMs,
    log: log.child({ component: 'retention' }),
  })
  cleanups.push(() => retention.stop())
  const queries = new TraceQueries(db)
  const token = loadOrCreateToken(dataDir)
  const isAllowedHost = hostChecker(host, options.allowedHosts ?? [])
  const ports: PortStatus[] = []
  let uiUrl = ''
  let api: ApiServer | null = null
  let normalization: NormalizationRunner | null = null
  const tail = new TailFeed({ log: log.child({ component: 'tail' }) })
  cleanups.push(() => tail.close())
  const writer = new SpanWriter(db, {
    maxQueuedItems: options.maxQueuedItems,
    onCommit: (traceIds) => {
      api?.notifyTracesChanged(traceIds)
      normalization?.poke()
    },
    onSpansStored: (spans) => tail.add(spans),
    afterCommit: () => retention.afterCommit(),
    onFailure: (error) => {
      if (error.kind === 'full') retention.afterStoreFull()
    },
    log: log.child({ component: 'store' }),
  })
  cleanups.push(() => writer.close())
  normalization = new NormalizationRunner({
    db,
    dataDir,
    log,
    onChanged: (traceIds) => api?.notifyTracesChanged(traceIds),
  })
  cleanups.push(() => normalization?.stop())
  const ingestor = new Ingestor(writer, log, {
    redaction: options.redaction,
    maxAttributeBytes: options.maxAttributeBytes,
  })
  const forwarder = options.forward
    ? new Forwarder(options.forward, log.child({ component: 'forward' }))
    : null
  cleanups.push(() => forwarder?.close())
  const onStored = forwarder ? forwarder.enqueue.bind(forwarder) : undefined
  const version = loupeVersion()
  const demoDir = join(packageRoot(), 'resources', 'demo')
  const loadDemo = () => loadDemoTraces(ingestor, demoDir)

  const status = (): CoreStatus => {
    const counts = queries.counts()
    const otlp = ports.find((p) => p.purpose === 'otlp-http')?.actual ?? null
    const grpcPort = ports.find((p) => p.purpose === 'otlp-grpc')?.actual ?? null
    return {
      version,
      dataDir,
      host,
      otlpHttpUrl: otlp === null ? null : `http://${urlHost(host)}:${otlp}`,
      otlpGrpcUrl: grpcPort === null ? null : `http://${urlHost(host)}:${grpcPort}`,
      uiUrl,
      ports,
      traceCount: counts.traces,
      spanCount: counts.spans,
      empty: counts.traces === 0,
      ingestProblems: ingestor.recentProblems(),
      store: storeStatus(),
      forwarding: forwarder?.status() ?? null,
    }
  }

  const storeStatus = (): StoreStatus => {
    const last = retention.lastReport()
    return {
      file: db.name,
      fileBytes: retention.fileBytes(),
      maxStoreBytes: options.maxStoreBytes ?? null,
      retentionDays: options.retentionDays ?? null,
      writeError: writer.failure()?.message ?? null,
      lastRetention: last && {
        time: last.startedAt,
        traces: last.traces,
        spans: last.spans,
        maxLockMs: last.maxLockMs,
      },
    }
  }

  const runs = new RunRegistry()
  const runService = new RunService({
    db,
    registry: runs,
    ingestor,
    queries,
    otlpHttpUrl: () => status().otlpHttpUrl,
    onRunChanged: (runId) => api?.notifyRunChanged(runId),
    providerKeys: options.providerKeys,
  })
  const launcher = new RunLauncher({ runs: runService, log })
  const playground = new Playground({ db, launcher, host })
  const queryRunner = new QueryRunner(dataDir)
  const alerts = new AlertService({
    db,
    dataDir,
    query: (request) => queryRunner.run(request),
    whenNormalized: () => normalization!.whenIdle(),
    publish: (alert) => api?.notifyAlert(alert),
    uiUrl: () => uiUrl || null,
    commandsAllowed: isLoopbackHost(host),
    userAgent: `loupe/${version}`,
    defaultIntervalSeconds: options.alertIntervalSeconds,
    log: log.child({ component: 'alerts' }),
  })
  // Pushed first so that it runs after the query processes are killed, which ends an evaluation at once.
  cleanups.push(() => alerts.stop())
  cleanups.push(() => queryRunner.stop())
  api = new ApiServer({
    queries,
    token,
    log,
    rendererDir: options.rendererDir ?? join(packageRoot(), 'out', 'renderer'),
    status,
    loadDemo,
    isAllowedHost,
    whenNormalized: () => normalization!.whenIdle(),
    runs: runService,
    launcher,
    playground,
    exchanges: (runId) => exchanges.listByRun(runId),
    query: (request) => queryRunner.run(request),
    importRemoteTrace: (request) => importRemoteTrace(ingestor, request),
    alerts,
    settings: options.settings && {
      runtime: options.settings,
      providerKeys: () => (options.providerKeys ?? new ProviderKeys()).sources(process.env),
    },
    tailLogsSessions: {
      tail,
      logs: new LogSearch(db),
      sessions: new SessionQueries(db, queries),
    },
    dashboards: new DashboardRoutes({
      db,
      dataDir,
      runBatch: (statements, batch) => queryRunner.runBatch(statements, batch),
      log: log.child({ component: 'dashboards' }),
    }),
    prices: {
      list: () => listPriceOverrides(db),
      save: (override) => {
        savePriceOverride(db, override)
        normalization?.restart()
      },
      delete: (provider, model) => {
        const deleted = deletePriceOverride(db, provider, model)
        if (deleted) normalization?.restart()
        return deleted
      },
    },
  })
  cleanups.push(() => api?.close())

  const requested = {
    otlpHttp: options.otlpHttpPort ?? DEFAULT_PORTS.otlpHttp,
    otlpGrpc: options.otlpGrpcPort ?? DEFAULT_PORTS.otlpGrpc,
    ui: options.uiPort ?? DEFAULT_PORTS.ui,
  }
  const reserved = Object.values(requested).filter((port) => port !== 0)
  // Ports given explicitly, which a server on its default port must leave free.
  const explicitPorts = options.fallbackOnConflict
    ? []
    : [
        { server: 'otlpHttp', port: options.otlpHttpPort, flag: '--port' },
        { server: 'otlpGrpc', port: options.otlpGrpcPort, flag: '--grpc-port' },
        { server: 'ui', port: options.uiPort, flag: '--ui-port' },
      ]
  const claimedBesides = (own: string): { port: number; flag: string }[] =>
    explicitPorts.flatMap(({ server, port, flag }) =>
      server !== own && port !== undefined && port !== 0 ? [{ port, flag }] : [],
    )

  const exchanges = new ExchangeStore(db)
  const gateway = createGatewayHandler(
    {
      runByKey: (key) => runs.byKey(key),
      // Through the ingestor, so that keys in prompts are redacted like any span's.
      writeSpans: (traces) => ingestor.writeDecoded(traces),
      storeExchange: (exchange) => exchanges.insert(exchange),
      recordRunLive: () => runs.list().some((run) => run.mode === 'record'),
    },
    log.child({ component: 'gateway' }),
    { respondOutsideRuns: options.respondOutsideRuns },
  )
  const inFlightBudget = new InFlightBudget(options.maxInFlightBytes ?? DEFAULT_MAX_IN_FLIGHT_BYTES)
  const otlpServer = createServer(
    { keepAliveTimeout: 65_000 },
    createOtlpHttpHandler({
      ingestor,
      log,
      maxBodyBytes,
      inFlightBudget,
      uiUrl: () => uiUrl,
      isAllowedHost,
      gateway,
      onStored,
    }),
  )
  cleanups.push(() => closeHttp(otlpServer))
  ports.push(
    await bindWithFallback({
      purpose: 'otlp-http',
      requested: requested.otlpHttp,
      explicit: options.otlpHttpPort !== undefined && !options.fallbackOnConflict,
      flag: '--port',
      bind: (port) => listenHttp(otlpServer, host, port),
      reserved,
      claimed: claimedBesides('otlpHttp'),
    }),
  )

  if (options.forward) checkNotSelf(options.forward.url, ports[0]?.actual ?? null)
  const grpcServer = createGrpcServer({
    ingestor,
    log,
    maxMessageBytes: maxBodyBytes,
    inFlightBudget,
    onStored,
  })
  cleanups.push(() => shutdownGrpc(grpcServer))
  ports.push(
    await bindWithFallback({
      purpose: 'otlp-grpc',
      requested: requested.otlpGrpc,
      explicit: options.otlpGrpcPort !== undefined && !options.fallbackOnConflict,
      flag: '--grpc-port',
      bind: (port) => bindGrpc(grpcServer, host, port),
      reserved,
      claimed: claimedBesides('otlpGrpc'),
    }),
  )

  const uiServer = createServer(api.handle)
  cleanups.push(() => closeHttp(uiServer))
  const uiStatus = await bindWithFallback({
    purpose: 'ui',
    requested: requested.ui,
    explicit: options.uiPort !== undefined && !options.fallbackOnConflict,
    flag: '--ui-port',
    bind: (port) => listenHttp(uiServer, host, port),
    reserved,
    claimed: claimedBesides('ui'),
  })
  // The UI always takes the next free port quietly; only OTLP ports are reported as conflicts.
  ports.push({ ...uiStatus, conflict: null })
  uiUrl = `http://${urlHost(host)}:${uiStatus.actual}`
  // Pushed last so that it runs first: runs stop while the OTLP port still
  // takes the spans that agents flush as they exit.
  cleanups.push(() => launcher.close())

  const discovery: Discovery = {
    pid: process.pid,
    version,
    dataDir,
    startedAt: new Date().toISOString(),
    host,
    otlpHttpPort: ports[0]?.actual ?? null,
    otlpGrpcPort: ports[1]?.actual ?? null,
    uiPort: uiStatus.actual ?? 0,
    uiUrl,
    token,
  }
  writeDiscovery(discovery)
  for (const port of ports) {
    if (port.conflict) {
      log.warn(
        `port ${port.requested} (${port.purpose}) is in use by ${port.conflict.holder ?? 'another process'}; ` +
          `Loupe listens on ${port.actual} instead`,
      )
    }
  }
  if (options.demo && queries.counts().traces === 0) await loadDemo()
  retention.start()
  alerts.start()

  let stopped = false
  return {
    discovery,
    uiUrlWithToken: `${uiUrl}/?token=${encodeURIComponent(token)}`,
    database: db,
    ingestor,
    runs,
    whenNormalized: () => normalization!.whenIdle(),
    runRetention: () => retention.runNow(),
    status,
    loadDemo,
    stop: async () => {
      if (stopped) return
      stopped = true
      await context.cleanUp()
    },
  }
}

/** Ingest every OTLP/JSON file of the demo folder; returns the trace ids they hold. */
async function loadDemoTraces(ingestor: Ingestor, demoDir: string): Promise<string[]> {
  const files = (await readdir(demoDir)).filter((name) => name.endsWith('.json')).sort()
  const traceIds = new Set<string>()
  for (const name of files) {
    const body = await readFile(join(demoDir, name))
    await ingestor.ingest('traces', 'json', body, 'import')
    for (const match of body.toString('utf8').matchAll(/"traceId"\s*:\s*"([0-9a-fA-F]{32})"/g)) {
      traceIds.add(match[1]!.toLowerCase())
    }
  }
  return [...traceIds]
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}

function closeHttp(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve()
      return
    }
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

function shutdownGrpc(server: grpc.Server): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown()
      resolve()
    }, 2000)
    server.tryShutdown(() => {
      clearTimeout(timer)
      resolve()
    })
  })
}
