// The JSON that the core's API serves and the CLI prints. The renderer reads
// only these types. Field names are camelCase and stable: scripts and tests
// rely on them.
//
// Conventions: ids are lower-case hex; times are ISO 8601 (`startTime`) plus
// exact nanoseconds as decimal strings (`startTimeUnixNano`,
// `endTimeUnixNano`); `durationMs` is a number.

import type {
  Convention,
  Cost,
  CostSource,
  ErrorClass,
  ErrorEvidence,
  Message,
  MessagePart,
  OperationKind,
} from './genai'
import type { ForwardingStatus } from './forwarding'
import type { AlertPushMessage } from './alerts'

/**
 * An attribute value as served: strings, booleans and numbers as themselves,
 * integers beyond ±2^53 as decimal strings, NaN and infinities as the strings
 * "NaN", "Infinity" and "-Infinity", bytes as `{"bytes": "<base64>"}`,
 * arrays as arrays, key-value lists as objects, and an empty value as null.
 */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

export type AttributeMap = Record<string, JsonValue>

export type SpanStatus = 'unset' | 'ok' | 'error'

/** OTel span kind. Values outside the enum are served as 'unspecified' with their `spanKindCode`. */
export type SpanKindName =
  'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer'

export interface TraceSummary {
  traceId: string
  /** Span id of the root, or null while no span without a parent has arrived. */
  rootSpanId: string | null
  /** Name of the root span, or of the earliest span while the root is missing. */
  rootName: string
  /** Display title: the root's Logfire message (`logfire.msg`) when sent, else `rootName`. */
  title: string
  serviceName: string | null
  startTime: string
  startTimeUnixNano: string
  endTimeUnixNano: string
  durationMs: number
  spanCount: number
  errorCount: number
  /** Status of the root span ('unset' while the root is missing). */
  status: SpanStatus
  /** False while no root span has arrived (children came first, or the root is still running). */
  complete: boolean
  /** Number of spans known only from Logfire pending spans: started, not yet ended. */
  inProgressCount: number
  /** When Loupe last stored a span of this trace (ISO 8601). */
  updatedAt: string
  /** Agent runs, model calls, tokens, cost and error class of the whole trace. */
  agentName: string | null
  models: string[]
  modelCalls: number
  toolCalls: number
  /** Tool calls that failed and were retried by the model (non-fatal). */
  toolRetries: number
  /** Model calls that failed before the one that ended the run, e.g. retried 429s or 5xx. */
  modelRetries: number
  inputTokens: number
  outputTokens: number
  cacheReadTokens: number
  cacheWriteTokens: number
  reasoningTokens: number
  /** Sum of priced model calls in USD; null when no call could be priced. */
  costUsd: number | null
  /** Model calls that have tokens but no price. */
  unpricedCalls: number
  errorClass: ErrorClass
  error: ErrorEvidence | null
  /** Spans not yet through GenAI normalization; 0 once every figure above is final. */
  unnormalizedSpans: number
}

export interface SpanEventJson {
  name: string
  time: string
  timeUnixNano: string
  attributes: AttributeMap
  droppedAttributesCount: number
}

export interface SpanLinkJson {
  traceId: string
  spanId: string
  traceState: string
  attributes: AttributeMap
  droppedAttributesCount: number
}

export interface ResourceJson {
  attributes: AttributeMap
  droppedAttributesCount: number
  schemaUrl: string
}

export interface ScopeJson {
  name: string
  version: string
  attributes: AttributeMap
  droppedAttributesCount: number
  schemaUrl: string
}

export interface SpanJson {
  traceId: string
  spanId: string
  parentSpanId: string | null
  name: string
  spanKind: SpanKindName
  /** The raw OTLP SpanKind value (0-5, or whatever out-of-range value was sent). */
  spanKindCode: number
  startTime: string
  startTimeUnixNano: string
  endTimeUnixNano: string
  durationMs: number
  status: SpanStatus
  statusMessage: string
  traceState: string
  flags: number
  serviceName: string | null
  attributes: AttributeMap
  droppedAttributesCount: number
  events: SpanEventJson[]
  droppedEventsCount: number
  links: SpanLinkJson[]
  droppedLinksCount: number
  resource: ResourceJson
  scope: ScopeJson
  /** True for a span known only from a Logfire pending span: it started and has not ended yet. */
  inProgress: boolean
  /** The span's operation kind in agent terms, and its GenAI content. */
  kind: OperationKind
  convention: Convention
  /** Display title: Logfire's formatted `logfire.msg` when present, else the name. */
  title: string
  provider: string | null
  model: string | null
  agentName: string | null
  toolName: string | null
  toolCallId: string | null
  toolArguments: JsonValue | null
  toolResult: JsonValue | null
  systemInstructions: MessagePart[] | null
  inputMessages: Message[] | null
  outputMessages: Message[] | null
  inputTokens: number | null
  outputTokens: number | null
  cacheReadTokens: number | null
  cacheWriteTokens: number | null
  reasoningTokens: number | null
  costUsd: number | null
  costSource: CostSource
  cost: Cost | null
  errorClass: ErrorClass
  error: ErrorEvidence | null
  /** True for a failed tool attempt that the model was asked to retry (the run went on). */
  retried: boolean
  /** Logfire level number (1 trace, 5 debug, 9 info, 10 notice, 13 warn, 17 error, 21 fatal), when sent. */
  level: number | null
  /** The normalizer's reading of the span's attributes, or null until it has run. */
  inspector: IngestInspection | null
}

/** The ingest inspector of one span. */
export interface IngestInspection {
  convention: Convention
  /** Attribute keys (or key families such as `gen_ai.prompt.N`) Loupe mapped to its own fields. */
  mapped: string[]
  /** gen_ai.*, ai.* and llm.* keys that Loupe did not understand. */
  unknown: string[]
  /** Values cut on the wire or by Loupe, with their original length when known. */
  truncated: { key: string; note: string }[]
}

/** `GET /api/traces/:id/exceptions`: exceptions grouped by type and the frame that raised them. */
export interface ExceptionGroup {
  type: string
  /** The innermost stack frame ("file.py:42 in fetch"), or null without a stack trace. */
  frame: string | null
  message: string
  count: number
  spanIds: string[]
}

/** `show --json` and `GET /api/traces/:id/full`. */
export interface TraceDetail {
  trace: TraceSummary
  spans: SpanJson[]
}

/** The light form of a span that the trace view draws; details load on selection. */
export interface TreeSpan {
  spanId: string
  parentSpanId: string | null
  name: string
  spanKind: SpanKindName
  spanKindCode: number
  /** Start relative to the trace's start, in milliseconds. */
  startOffsetMs: number
  durationMs: number
  /** True when the start or end timestamp is zero (the Unix epoch), which a real span never has. */
  zeroTime: boolean
  status: SpanStatus
  serviceName: string | null
  inProgress: boolean
  eventCount: number
  kind: OperationKind
  title: string
  model: string | null
  toolName: string | null
  inputTokens: number | null
  outputTokens: number | null
  costUsd: number | null
  errorClass: ErrorClass
  retried: boolean
  level: number | null
  /** Logfire's span type: 'span', 'log' (a log line) or null when not sent. */
  spanType: string | null
  toolCallId: string | null
}

/** A price set by the user, in USD per million tokens; provider '*' matches any provider. */
export interface PriceOverride {
  provider: string
  model: string
  inputPerMTok: number
  outputPerMTok: number
  cacheReadPerMTok: number | null
  cacheWritePerMTok: number | null
}

/** `GET`, `PUT` and `DELETE /api/prices`. */
export interface PriceOverrides {
  overrides: PriceOverride[]
  /** The bundled price data that computed costs come from, e.g. "@pydantic/genai-prices 0.1.8". */
  priceData: string
}

/** `GET /api/traces/:id/tree`. */
export interface TraceTree {
  trace: TraceSummary
  spans: TreeSpan[]
}

export interface LogRecordJson {
  time: string
  timeUnixNano: string
  severityNumber: number
  severityText: string
  body: JsonValue
  attributes: AttributeMap
  traceId: string | null
  spanId: string | null
  eventName: string
  serviceName: string | null
}

export interface PortStatus {
  /** The service on this port. */
  purpose: 'otlp-http' | 'otlp-grpc' | 'ui'
  requested: number
  /** The port Loupe listens on, or null when it could not listen at all. */
  actual: number | null
  /** Set when `requested` was taken, with the process listening on it when known. */
  conflict: { holder: string | null } | null
}

/** `POST /api/runs`: a run created for a command the caller is about to start. */
export interface RunStart {
  runId: string
  /** The run's own trace, where gateway calls without a traceparent go. */
  traceId: string
  /** Variables to add to the command's environment. */
  env: Record<string, string>
}

/**
 * The end of a run's command: an exit code, a signal that no stop request
 * sent, a stop request, or a command that could not be started.
 */
export type RunEndState = 'exited' | 'killed' | 'stopped' | 'failed'

/** A run's state; 'unfinished' when the core stopped before the run ended. */
export type RunState = 'running' | RunEndState | 'unfinished'

/** An agent run started by `loupe run` or the playground, with totals over its traces. */
export interface RunJson {
  id: string
  command: string[]
  /** `command` as one line that the playground splits back into the same arguments. */
  commandLine: string
  cwd: string
  mode: string
  /** Name of the scenario that scripted the mock model, or null. */
  scenario: string | null
  /** Replay report of a replay run, or null for other runs. */
  replay: ReplayJson | null
  /** Text of that scenario, or null. */
  scenarioText: string | null
  startedAt: string
  /** Null while the command runs. */
  endedAt: string | null
  state: RunState
  /** Null while the command runs, and when a signal ended it. */
  exitCode: number | null
  /** The signal that ended the command (e.g. "SIGTERM"), when one did and the runner recorded it. */
  signal: string | null
  /** Standard output and standard error, interleaved; null while the command runs. */
  output: string | null
  traceIds: string[]
  modelCalls: number
  toolCalls: number
  inputTokens: number
  outputTokens: number
  costUsd: number | null
  /** Every error class that ended one of the run's traces. */
  errorClasses: ErrorClass[]
  /** The first of those, or 'none'. */
  errorClass: ErrorClass
}

/** Divergence point: the first request of a replay that did not match the recording. */
export interface ReplayDivergence {
  /** The model call of the replay (1-based) that did not match. */
  callIndex: number
  /** The recorded call it was compared with, or null when the recording had no more calls. */
  recordedSpanId: string | null
  reasons: string[]
}

/** Report of a replay run: what it served from its cassette. */
export interface ReplayJson {
  /** The run id, trace id or cassette file that was replayed. */
  source: string
  /** `gateway` when the cassette came from gateway calls, `trace` when from the agent's own spans. */
  sourceKind: 'gateway' | 'trace'
  recordedCalls: number
  /** Recorded calls served. */
  served: number
  until: string | null
  then: 'fail' | 'mock' | 'live'
  divergence: ReplayDivergence | null
  /** For a fork: the recorded calls whose replies were edited before the replay, by span id. */
  editedSpanIds: string[]
}

/** One run (or trace) of a diff, with its totals. */
export interface RunDiffSide {
  id: string
  modelCalls: number
  toolCalls: number
  inputTokens: number
  outputTokens: number
  costUsd: number | null
  durationMs: number
  errorClass: ErrorClass
}

/** One aligned step of a diff: a model call or a tool call of each run. */
export interface RunDiffStep {
  /** Position in both runs, counted from 1. */
  index: number
  /** `changed` when a model call is at the position of the other run's tool call. */
  kind: 'model' | 'tool' | 'changed'
  /** `missing`: only in run A; `added`: only in run B. */
  status: 'same' | 'changed' | 'added' | 'missing'
  /** The step in each run, summarized (reply, or tool arguments and outcome), or null when absent. */
  a: string | null
  b: string | null
  spanA: string | null
  spanB: string | null
  changes: string[]
}

/** `GET /api/diff?a=...&b=...` and `loupe diff A B --json`. */
export interface RunDiffJson {
  a: RunDiffSide
  b: RunDiffSide
  /** The index of the first step that differs, or null when the runs did the same. */
  firstDivergence: number | null
  steps: RunDiffStep[]
}

/** A model call that the gateway forwarded for a record run, as recorded (`GET /api/runs/:id/exchanges`). */
export interface ExchangeJson {
  id: number
  runId: string | null
  traceId: string
  spanId: string
  mode: string
  provider: string
  api: string
  method: string
  path: string
  upstreamUrl: string | null
  /** The headers sent upstream, without the key. */
  requestHeaders: Record<string, string>
  /** The request body as the agent sent it, in base64. */
  requestBody: string
  /** Null when no response arrived. */
  status: number | null
  responseHeaders: Record<string, string> | null
  /** The response bytes as the upstream sent them (a JSON body or a whole event stream), in base64. */
  responseBody: string
  /** [milliseconds since the call started, bytes] for each chunk received. */
  chunkTimings: [number, number][]
  startTime: string
  firstByteMs: number | null
  durationMs: number
  /** Reason the exchange did not complete, or null. */
  failure: string | null
}

/** `GET /api/status`. */
export interface CoreStatus {
  version: string
  dataDir: string
  host: string
  otlpHttpUrl: string | null
  otlpGrpcUrl: string | null
  uiUrl: string
  ports: PortStatus[]
  traceCount: number
  spanCount: number
  /** True until the first trace arrives, so the UI can offer the demo. */
  empty: boolean
  /** Recent rejected spans and undecodable requests, newest first. */
  ingestProblems: IngestProblem[]
  /** The store's file, limits and health. Always set by the core; optional for older fixtures. */
  store?: StoreStatus
  /** Forwarding to an upstream OTLP endpoint, or null when off. Optional for older fixtures. */
  forwarding?: ForwardingStatus | null
}

export interface StoreStatus {
  file: string
  /** Size of the database file and its WAL, in bytes. */
  fileBytes: number
  /** Size cap in bytes, or null when none is set. */
  maxStoreBytes: number | null
  /** Age limit in days, or null when none is set. */
  retentionDays: number | null
  /** Message of the last failed commit (a full disk, a lock held elsewhere), until one succeeds. */
  writeError: string | null
  /** The last retention pass, or null before the first one ends. */
  lastRetention: { time: string; traces: number; spans: number; maxLockMs: number } | null
}

export interface IngestProblem {
  time: string
  signal: 'traces' | 'logs' | 'metrics'
  transport: 'http' | 'grpc' | 'import'
  message: string
  rejected: number
}

/**
 * The playground's modes: the automatic mock model, the mock model with
 * scripted answers from a scenario, the real provider (with the keys in the environment of
 * the core), or the real provider through the gateway, recording.
 */
export type PlaygroundMode = 'mock' | 'scenario' | 'live' | 'record'

/** `POST /api/playground/runs`: a command for the core to start. */
export interface PlaygroundRunRequest {
  /** Split into arguments without a shell: spaces separate, quotes group, backslash escapes. */
  commandLine: string
  /** Working folder: an absolute path to an existing directory. */
  cwd: string
  mode: PlaygroundMode
  /** Scenario text (JSON or YAML); required in 'scenario' mode and kept for the folder otherwise. */
  scenario?: string | null
  /** Replay a run or trace instead: `mode` must then be 'mock', and the folder's settings are kept. */
  replay?: PlaygroundReplay | null
}

/** What a playground replay run serves: the recorded model replies of a run or a trace. */
export interface PlaygroundReplay {
  /** A run id (run_...) or a trace id (32 hex digits). */
  source: string
  /** The recorded span id of the last model call to serve; null or absent serves them all. */
  until?: string | null
  /** What answers after the divergence point or the `until` call: an error for each call, the automatic mock, or the real provider. */
  then: 'fail' | 'mock' | 'live'
  /** Replaces the recorded replies of these calls before the replay, which makes the run a fork. */
  edits?: ReplyEditJson[]
}

/**
 * A changed reply of one recorded model call: `text`, `toolCalls` or both.
 * A tool call without an `id` keeps the recorded id at its position.
 */
export interface ReplyEditJson {
  /** The recorded call's span id, as the cassette lists it. */
  spanId: string
  text?: string | null
  toolCalls?: { id?: string; name: string; arguments: JsonValue }[]
}

/**
 * `GET /api/traces/:trace/spans/:span/call`: a model-call span's request
 * rebuilt as an OpenAI Chat Completions body, and the span's output messages.
 */
export interface SingleCallJson {
  request: { [key: string]: JsonValue }
  original: Message[] | null
}

/** `POST /api/calls`: the request body to send through the gateway, and where it goes. */
export interface SingleCallRequest {
  request: { [key: string]: JsonValue }
  /** `mock` answers with the automatic mock; `record` calls the real provider and records it. */
  mode: 'mock' | 'record'
}

/** The outcome of `POST /api/calls`: the new run and trace, the HTTP status and the body the gateway returned. */
export interface SingleCallResult {
  runId: string
  traceId: string
  status: number
  reply: JsonValue
}

/** One recorded model call of a cassette: its request fingerprint, and its reply or error. */
export interface CassetteCallJson {
  traceId: string
  /** The recorded call's span, which `until` names. */
  spanId: string
  model: string | null
  request: {
    lastUserText: string | null
    /** Tool results sent since the last user message, as canonical JSON text. */
    toolResults: string[]
    /** Names of the offered tools, sorted; null when the trace did not record them. */
    tools: string[] | null
  }
  reply: {
    text: string | null
    toolCalls: { id: string; name: string; arguments: JsonValue }[]
    finishReason: string | null
    inputTokens: number
    outputTokens: number
  } | null
  error: { status: number; type: string | null; message: string } | null
}

/**
 * `GET /api/runs/:id/cassette` and `GET /api/traces/:id/cassette`: the model
 * calls a replay serves, in order. A source that cannot be replayed gets 422
 * with `{ error, problems }` instead.
 */
export interface CassetteJson {
  version: number
  source: { kind: 'gateway' | 'trace'; runId: string | null; traceIds: string[] }
  calls: CassetteCallJson[]
}

/** The last request the playground ran in one working folder. */
export interface PlaygroundSettings {
  cwd: string
  commandLine: string
  mode: PlaygroundMode
  scenario: string | null
  updatedAt: string
}

/** `GET /api/playground`. */
export interface PlaygroundInfo {
  /** False when the core may not start commands, with the reason in `disabledReason`. */
  enabled: boolean
  disabledReason: string | null
  /** Settings per working folder, most recently used first. */
  recent: PlaygroundSettings[]
  /** Ids of the runs the playground started that are still running. */
  running: string[]
}

/**
 * Events of `GET /api/runs/:id/output` (server-sent events): `output` with
 * the output so far, then one per chunk as it arrives, then `end` with the
 * finished run. A run that has ended sends its stored output and `end` at once.
 */
export type RunOutputEvent = { type: 'output'; text: string } | { type: 'end'; run: RunJson }

/** Messages on the push channel (`GET /api/events`, server-sent events). */
export type PushMessage =
  | { type: 'traces'; traces: TraceSummary[] }
  | { type: 'status'; status: CoreStatus }
  | { type: 'run'; run: RunJson }
  | AlertPushMessage

/** Body of `POST /api/query`: one read-only SQL statement over the views in docs/sql.md. */
export interface QueryRequest {
  sql: string
  /** Maximum rows returned (default 10,000); more rows set `truncated`. */
  limitRows?: number
  /** Time limit in milliseconds (default 5,000), after which the query is stopped. */
  timeoutMs?: number
}

/**
 * Reply of `POST /api/query`. Rows are arrays in column order. Integers
 * beyond ±2^53 (such as nanosecond times) are decimal strings and BLOBs
 * are base64 strings.
 */
export interface QueryResult {
  columns: string[]
  rows: (string | number | null)[][]
  truncated: boolean
  elapsedMs: number
}

/**
 * Why a query did not return rows: rejected before running (a write,
 * ATTACH, PRAGMA, more than one statement), invalid SQL, failed while
 * running, timed out, or busy (too many queries already running).
 */
export type QueryErrorCode = 'rejected' | 'invalid' | 'failed' | 'timeout' | 'busy'

/** Body of the 400 (or, for `busy`, 503) reply of `POST /api/query`. */
export interface QueryErrorJson {
  error: string
  code: QueryErrorCode
}
