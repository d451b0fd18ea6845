// Agent runs: the record of a command that `loupe run` (or the playground)
// started, the environment that points it at Loupe, and the run's root span.
// The agent's own spans join the run through OTEL_RESOURCE_ATTRIBUTES
// (loupe.run.id), its model calls through its per-run gateway key.

import { randomBytes } from 'node:crypto'
import type Database from 'better-sqlite3'
import type {
  ReplayJson,
  RunEndState,
  RunJson,
  RunStart,
  RunState,
  TraceSummary,
} from '../../shared/api'
import { automaticResponder } from '../gateway/answer'
import { parseScenario, ScenarioPlayer } from '../gateway/scenario'
import type { GatewayMode, GatewayRun } from '../gateway/types'
import type { Cassette } from '../replay/cassette'
import { ReplayPlayer, type ReplayOptions } from '../replay/player'
import type { ProviderKeys } from '../gateway/provider-keys'
import { resolveUpstreams, type UpstreamRequest } from '../gateway/upstream'
import type { Ingestor } from '../ingest'
import type { DecodedTraces } from '../otlp/model'
import type { TraceQueries } from '../store/queries'
import { joinCommandLine } from './command-line'

/** Output kept per run; the rest is cut with a marker. */
export const MAX_OUTPUT_CHARS = 1_000_000

export interface RunRegistryLike {
  add(run: GatewayRun): void
  remove(id: string): boolean
}

export interface RunServiceOptions {
  db: Database.Database
  registry: RunRegistryLike
  ingestor: Ingestor
  queries: TraceQueries
  /** Base URL of the OTLP/HTTP port, e.g. http://127.0.0.1:4318 */
  otlpHttpUrl: () => string | null
  /** Called after a run starts or ends. */
  onRunChanged?: (runId: string) => void
  /** Keys from the desktop app's keychain, which win over the core's environment. */
  providerKeys?: ProviderKeys
}

/** The end of a command, as the process that ran it saw it. */
export interface RunEnding {
  exitCode: number | null
  /** The signal that ended the command, when one did. */
  signal?: string | null
  /** True when a stop request sent that signal. */
  stopped?: boolean
  /** The reason the command could not be started, when it could not. */
  startError?: string
}

interface RunRow {
  id: string
  command: string
  cwd: string
  mode: string
  scenario: string | null
  replay: string | null
  scenario_text: string | null
  started_ms: number
  ended_ms: number | null
  exit_code: number | null
  output: string | null
  end_state: RunEndState | null
  signal: string | null
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex')
}

export class RunService {
  private readonly live = new Map<
    string,
    GatewayRun & { startedNs: bigint; command: string[]; replay: ReplayPlayer | null }
  >()

  constructor(private readonly options: RunServiceOptions) {}

  /** Create a run and return the environment its command must get. */
  start(request: {
    command: string[]
    cwd: string
    mode: GatewayMode
    /** A scenario file's name and text, for a mock run. */
    scenario?: { name: string; text: string } | null
    /** Base URLs and keys for a record run; the core's environment fills in the rest. Kept in memory only. */
    upstream?: Partial<Record<'openai' | 'anthropic', UpstreamRequest>>
    /** The cassette a replay run serves, and how. */
    replay?: { cassette: Cassette } & ReplayOptions
  }): RunStart {
    const otlp = this.options.otlpHttpUrl()
    if (!otlp) throw new Error('Loupe has no OTLP/HTTP port, so a run cannot send to it')
    const scenario = request.scenario
    // Throws a ScenarioError, naming each mistake, before the run is created.
    const player = scenario
      ? new ScenarioPlayer(parseScenario(scenario.text, scenario.name), scenario.name)
      : null
    const replay = request.replay ? new ReplayPlayer(request.replay.cassette, request.replay) : null
    const mode = replay ? 'replay' : request.mode
    const run: GatewayRun = {
      id: `run_${hex(8)}`,
      key: `loupe-run-${hex(16)}`,
      mode,
      seed: 1,
      respond: replay?.respond ?? player?.respond ?? automaticResponder,
      // Throws an UpstreamConfigError for a base URL that cannot work, before the run is created.
      upstreams:
        mode === 'record' || mode === 'live' || replay?.options.then === 'live'
          ? resolveUpstreams(request.upstream ?? {}, this.upstreamEnvironment(), otlp)
          : {},
      goesLive: replay ? (call) => replay.goesLive(call) : undefined,
      traceId: hex(16),
      rootSpanId: hex(8),
    }
    this.options.db
      .prepare(
        `INSERT INTO runs (id, command, cwd, mode, scenario, scenario_text, replay, started_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        run.id,
        // Stored with secrets redacted, like the output: keys belong in the environment, not the command line.
        JSON.stringify(request.command.map((arg) => this.options.ingestor.redactText(arg))),
        request.cwd,
        mode,
        scenario?.name ?? null,
        scenario?.text ?? null,
        replay ? JSON.stringify(replay.report()) : null,
        Date.now(),
      )
    this.options.registry.add(run)
    this.live.set(run.id, {
      ...run,
      startedNs: BigInt(Date.now()) * 1_000_000n,
      command: request.command,
      replay,
    })
    this.options.onRunChanged?.(run.id)
    return {
      runId: run.id,
      traceId: run.traceId,
      env: runEnvironment(otlp, run),
    }
  }

  /**
   * Record the end of a run and store its root span. `totalChars` is the
   * length of the whole output when the caller kept only its start.
   */
  async finish(
    runId: string,
    ending: RunEnding,
    output: string,
    totalChars = output.length,
  ): Promise<RunJson | null> {
    const run = this.live.get(runId)
    if (!run) return this.get(runId)
    this.live.delete(runId)
    this.options.registry.remove(runId)
    // The output is stored with secrets redacted, by the same rules as spans.
    const kept = this.options.ingestor.redactText(
      totalChars > MAX_OUTPUT_CHARS
        ? `${output.slice(0, MAX_OUTPUT_CHARS)}\n[output cut at ${MAX_OUTPUT_CHARS} characters of ${totalChars}]`
        : output,
    )
    const endState = endStateOf(ending)
    this.options.db
      .prepare(
        'UPDATE runs SET ended_ms = ?, exit_code = ?, output = ?, end_state = ?, signal = ?, replay = ? WHERE id = ?',
      )
      .run(
        Date.now(),
        ending.exitCode,
        kept,
        endState,
        ending.signal ?? null,
        run.replay ? JSON.stringify(run.replay.report()) : null,
        runId,
      )
    await this.options.ingestor.writeDecoded(rootSpan(run, ending))
    this.options.onRunChanged?.(runId)
    return this.get(runId)
  }

  /** The environment that record runs take their provider keys and base URLs from. */
  private upstreamEnvironment(): NodeJS.ProcessEnv {
    return this.options.providerKeys?.overlay(process.env) ?? process.env
  }

  /** True while the run has started and not yet finished. */
  isLive(runId: string): boolean {
    return this.live.has(runId)
  }

  get(runId: string): RunJson | null {
    const row = this.options.db.prepare('SELECT * FROM runs WHERE id = ?').get(runId) as
      RunRow | undefined
    if (!row) return null
    const traceIds = this.options.db
      .prepare('SELECT trace_id FROM run_traces WHERE run_id = ?')
      .pluck()
      .all(runId) as string[]
    const live = this.live.get(runId)
    if (live && !traceIds.includes(live.traceId)) traceIds.push(live.traceId)
    const run = this.options.db.prepare('SELECT 1 FROM traces WHERE trace_id = ?').pluck()
    const traces = traceIds
      .filter((id) => run.get(id) !== undefined)
      .map((id) => this.options.queries.getTrace(id))
      .filter((trace): trace is TraceSummary => trace !== null)
    // A live replay reports its progress; an ended one, what was stored at its end.
    const replay = live?.replay
      ? live.replay.report()
      : row.replay === null
        ? null
        : (JSON.parse(row.replay) as ReplayJson)
    return runJson(row, traces, runState(row, live !== undefined), replay)
  }

  list(limit = 100): RunJson[] {
    const rows = this.options.db
      .prepare('SELECT * FROM runs ORDER BY started_ms DESC LIMIT ?')
      .all(limit) as RunRow[]
    return rows.map((row) => this.get(row.id)!).filter((run) => run !== null)
  }
}

/** Build the environment that points an unchanged agent at Loupe. */
export function runEnvironment(otlpHttpUrl: string, run: GatewayRun): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpHttpUrl,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    // Logfire: send nothing to the cloud, even with a LOGFIRE_TOKEN inherited
    // and send_to_logfire='if-token-present'; its backend URL is Loupe too.
    LOGFIRE_SEND_TO_LOGFIRE: 'false',
    LOGFIRE_BASE_URL: otlpHttpUrl,
    OTEL_RESOURCE_ATTRIBUTES: `loupe.run.id=${run.id}`,
    OPENAI_BASE_URL: `${otlpHttpUrl}/gateway/openai/v1`,
    OPENAI_API_KEY: run.key,
    // The Anthropic SDKs append /v1/messages to the base URL themselves.
    ANTHROPIC_BASE_URL: `${otlpHttpUrl}/gateway/anthropic`,
    ANTHROPIC_API_KEY: run.key,
    LOUPE_RUN_ID: run.id,
  }
}

function endStateOf(ending: RunEnding): RunEndState {
  if (ending.startError !== undefined) return 'failed'
  if (ending.stopped) return 'stopped'
  return ending.exitCode === null ? 'killed' : 'exited'
}

function runState(row: RunRow, live: boolean): RunState {
  if (live) return 'running'
  if (row.ended_ms === null) return 'unfinished'
  // Runs stored before end_state existed ended with an exit code or a signal.
  return row.end_state ?? (row.exit_code === null ? 'killed' : 'exited')
}

function endMessage(ending: RunEnding): string {
  if (ending.exitCode === 0) return ''
  if (ending.startError !== undefined)
    return `the command could not be started: ${ending.startError}`
  if (ending.stopped) return `the run was stopped (${ending.signal ?? 'signal unknown'})`
  if (ending.exitCode !== null) return `the command exited with code ${ending.exitCode}`
  return `the command was killed by ${ending.signal ?? 'a signal'}`
}

function rootSpan(
  run: GatewayRun & { startedNs: bigint; command: string[] },
  ending: RunEnding,
): DecodedTraces {
  const exitCode = ending.exitCode
  const values: Record<string, string | number | boolean | null> = Object.create(null) as Record<
    string,
    never
  >
  values['loupe.run.id'] = run.id
  values['loupe.run.command'] = run.command.join(' ')
  values['loupe.run.mode'] = run.mode
  values['process.exit.code'] = exitCode
  const empty = { values: Object.create(null) as Record<string, never>, otlpTypes: null }
  const resourceValues = Object.create(null) as Record<string, string>
  resourceValues['service.name'] = 'loupe'
  resourceValues['loupe.run.id'] = run.id
  return {
    groups: [
      {
        resource: {
          attributes: { values: resourceValues, otlpTypes: null },
          droppedAttributesCount: 0,
          schemaUrl: '',
        },
        scope: {
          name: 'loupe.runner',
          version: '',
          attributes: empty,
          droppedAttributesCount: 0,
          schemaUrl: '',
        },
        spans: [
          {
            traceId: run.traceId,
            spanId: run.rootSpanId,
            parentSpanId: null,
            traceState: '',
            flags: 1,
            name: `loupe run ${run.command[0] ?? ''}`.trim(),
            kind: 1,
            startTimeUnixNano: run.startedNs,
            endTimeUnixNano: BigInt(Date.now()) * 1_000_000n,
            attributes: { values, otlpTypes: null },
            droppedAttributesCount: 0,
            events: [],
            droppedEventsCount: 0,
            links: [],
            droppedLinksCount: 0,
            statusCode: exitCode === 0 ? 0 : 2,
            statusMessage: endMessage(ending),
          },
        ],
      },
    ],
    rejectedSpans: 0,
    errors: [],
  }
}

function runJson(
  row: RunRow,
  traces: TraceSummary[],
  state: RunState,
  replay: ReplayJson | null,
): RunJson {
  // The run's own trace contains the gateway's spans of calls that came without
  // a traceparent. When the agent's own instrumentation recorded model calls
  // too, those are the same calls, so the totals come from the agent's traces
  // alone; an uninstrumented agent is known only through the gateway.
  const agentTraces = traces.filter((t) => !t.rootName.startsWith('loupe run'))
  const counted = agentTraces.some((t) => t.modelCalls > 0) ? agentTraces : traces
  const sum = (pick: (t: TraceSummary) => number) =>
    counted.reduce((total, t) => total + pick(t), 0)
  const priced = counted.filter((t) => t.costUsd !== null)
  // The run's own root span fails whenever the command does; the agent's
  // traces carry the cause, so only theirs give the run its error classes.
  const errorClasses = [
    ...new Set(agentTraces.map((t) => t.errorClass).filter((c) => c !== 'none')),
  ]
  const command = JSON.parse(row.command) as string[]
  return {
    id: row.id,
    command,
    commandLine: joinCommandLine(command),
    cwd: row.cwd,
    mode: row.mode,
    scenario: row.scenario,
    replay,
    scenarioText: row.scenario_text,
    startedAt: new Date(row.started_ms).toISOString(),
    endedAt: row.ended_ms === null ? null : new Date(row.ended_ms).toISOString(),
    state,
    exitCode: row.exit_code,
    signal: row.signal,
    output: row.output,
    traceIds: traces.map((t) => t.traceId),
    modelCalls: sum((t) => t.modelCalls),
    toolCalls: sum((t) => t.toolCalls),
    inputTokens: sum((t) => t.inputTokens),
    outputTokens: sum((t) => t.outputTokens),
    costUsd: priced.length > 0 ? priced.reduce((total, t) => total + t.costUsd!, 0) : null,
    errorClasses,
    errorClass: errorClasses[0] ?? 'none',
  }
}
