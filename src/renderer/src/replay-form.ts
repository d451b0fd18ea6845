// The playground's replay form: its values, how the run of a source fills
// them, the request it sends, the labels of a cassette's calls, and the text
// of a replay run's report. Pure functions, so that unit tests run them
// without a DOM.

import type {
  CassetteCallJson,
  PlaygroundRunRequest,
  ReplayJson,
  ReplyEditJson,
  RunJson,
} from '../../shared/api'

export type ReplayThen = 'fail' | 'mock' | 'live'

export interface ReplayFormValues {
  /** The run id or trace id to replay. */
  source: string
  commandLine: string
  cwd: string
  then: ReplayThen
  /** The recorded span id of the last model call to serve, or '' to serve them all. */
  until: string
  /** Edited replies of recorded calls; any edit makes the replay a fork. */
  edits: ReplyEditJson[]
}

export const THEN_LABELS: Record<ReplayThen, string> = {
  fail: 'Fail',
  mock: 'Mock model',
  live: 'Real provider',
}

export const THEN_HINTS: Record<ReplayThen, string> = {
  fail:
    'After the divergence point (or the chosen call), each model call gets HTTP 400 with the ' +
    'replay report, so the agent stops there.',
  mock: 'After the divergence point (or the chosen call), the automatic mock model answers.',
  live:
    'After the divergence point (or the chosen call), each model call goes to the real provider ' +
    'with the keys of the environment of `loupe serve`, and is recorded.',
}

const RUN_ID = /^run_[0-9a-f]+$/
const TRACE_ID = /^[0-9a-f]{32}$/

/** Returns what a source names: a run, a trace, or null for anything else. */
export function sourceKind(source: string): 'run' | 'trace' | null {
  if (RUN_ID.test(source)) return 'run'
  if (TRACE_ID.test(source)) return 'trace'
  return null
}

/** Returns the run a source belongs to: the run itself, or the run that contains the trace. */
export function findRunOfSource(runs: readonly RunJson[], source: string): RunJson | null {
  const kind = sourceKind(source)
  if (kind === 'run') return runs.find((run) => run.id === source) ?? null
  if (kind === 'trace') return runs.find((run) => run.traceIds.includes(source)) ?? null
  return null
}

/**
 * Returns the form for replaying `source`, with the command line and folder
 * of the run that Loupe started for it, or empty ones for the user to fill.
 */
export function replayFormFor(source: string, run: RunJson | null): ReplayFormValues {
  return {
    source,
    commandLine: run?.commandLine ?? '',
    cwd: run?.cwd ?? '',
    then: 'fail',
    until: '',
    edits: [],
  }
}

/**
 * Returns the form that repeats a replay run: same source, command line,
 * folder, `until` and `then`. Null for any other run, for a replay of a
 * cassette file, which the playground cannot read, and for a fork, because
 * the core stores which replies a fork edited but not the edits.
 */
export function replayFormOfRun(run: RunJson): ReplayFormValues | null {
  if (run.replay === null || sourceKind(run.replay.source) === null) return null
  if ((run.replay.editedSpanIds ?? []).length > 0) return null
  return {
    source: run.replay.source,
    commandLine: run.commandLine,
    cwd: run.cwd,
    then: run.replay.then,
    until: run.replay.until ?? '',
    edits: [],
  }
}

/** Returns the playground request that starts the replay (a fork when it has edits); a replay runs in mock mode. */
export function replayRunRequest(values: ReplayFormValues): PlaygroundRunRequest {
  return {
    commandLine: values.commandLine,
    cwd: values.cwd.trim(),
    mode: 'mock',
    scenario: null,
    replay: {
      source: values.source.trim(),
      until: values.until === '' ? null : values.until,
      then: values.then,
      ...(values.edits.length > 0 ? { edits: values.edits } : {}),
    },
  }
}

const MAX_LABEL_CHARS = 120

/** Labels a recorded model call for the "until" select with its position, model and reply. */
export function cassetteCallLabel(call: CassetteCallJson, index: number): string {
  const parts = [`Call ${index + 1}`]
  if (call.model !== null) parts.push(call.model)
  parts.push(cassetteReplyText(call))
  const label = parts.join(' · ')
  return label.length > MAX_LABEL_CHARS ? `${label.slice(0, MAX_LABEL_CHARS - 1)}…` : label
}

function cassetteReplyText(call: CassetteCallJson): string {
  if (call.error !== null) {
    const type = call.error.type === null ? '' : ` ${call.error.type}`
    return `error ${call.error.status}${type}`
  }
  if (call.reply === null) return 'no reply'
  const calls = call.reply.toolCalls.map(
    (toolCall) => `${toolCall.name}(${JSON.stringify(toolCall.arguments)})`,
  )
  const pieces: string[] = []
  if (call.reply.text !== null && call.reply.text !== '')
    pieces.push(`text ${JSON.stringify(call.reply.text)}`)
  if (calls.length > 0) pieces.push(`calls ${calls.join(', ')}`)
  return pieces.length > 0 ? pieces.join(', ') : 'empty reply'
}

/** The replay report of a run, as the playground shows it once the run has ended. */
export interface ReplayReportText {
  /** "Served 1 of 3 recorded model calls of run_…", with the cassette's origin. */
  served: string
  /** "Diverged at model call 2 …", or null when every call matched. */
  divergence: string | null
  reasons: string[]
  /** The outcome after the recording, or null when the run stayed within it. */
  after: string | null
}

/** Describes what a replay run served, where it diverged, and what replied after the recording. */
export function replayReportText(replay: ReplayJson): ReplayReportText {
  const origin =
    replay.sourceKind === 'gateway' ? "the gateway's recording" : "the agent's model-call spans"
  const served = `Served ${replay.served} of ${replay.recordedCalls} recorded model calls of ${replay.source} (from ${origin}).`
  const thenTexts: Record<ReplayThen, string> = {
    mock: 'After that, the mock model answered.',
    live: 'After that, the real provider answered.',
    fail: 'After that, each model call failed with HTTP 400.',
  }
  const thenText = thenTexts[replay.then]
  const divergence = replay.divergence
  if (divergence !== null) {
    const recorded =
      divergence.recordedSpanId === null
        ? 'after the last recorded call'
        : `recorded span ${divergence.recordedSpanId}`
    return {
      served,
      divergence: `Diverged at model call ${divergence.callIndex} (${recorded}):`,
      reasons: divergence.reasons,
      after: thenText,
    }
  }
  if (replay.until !== null) {
    const afterUntilTexts: Record<ReplayThen, string> = {
      mock: "got the mock model's answer",
      live: "got the real provider's answer",
      fail: 'failed with HTTP 400',
    }
    const afterUntil = afterUntilTexts[replay.then]
    return {
      served,
      divergence: null,
      reasons: [],
      after: `The recording was served up to span ${replay.until}; any model call after it ${afterUntil}.`,
    }
  }
  if (replay.served < replay.recordedCalls) {
    return {
      served,
      divergence: null,
      reasons: [],
      after: 'The run made fewer model calls than were recorded; each one matched.',
    }
  }
  return { served, divergence: null, reasons: [], after: null }
}

/** True when `diff` can compare this source: a run or trace id, not a cassette file name. */
export function canCompareSource(source: string): boolean {
  return sourceKind(source) !== null
}

/** Adds a run to the two picked for comparison, or removes it; a third pick replaces the first. */
export function toggleCompared(picked: readonly string[], runId: string): string[] {
  if (picked.includes(runId)) return picked.filter((id) => id !== runId)
  return [...picked, runId].slice(-2)
}

/** Returns the two picked runs, older first (A, the baseline) and newer second (B). */
export function comparedPair(
  runs: readonly RunJson[],
  picked: readonly string[],
): [string, string] | null {
  if (picked.length !== 2) return null
  const startOf = (id: string) => runs.find((run) => run.id === id)?.startedAt ?? ''
  const [first, second] = picked as [string, string]
  return startOf(first) <= startOf(second) ? [first, second] : [second, first]
}
