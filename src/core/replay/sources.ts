// Finding what to replay or compare: a run id, a trace id, or a cassette
// sent whole, read from the spans Loupe stored.

import type { RunDiffJson, RunDiffSide, SpanJson } from '../../shared/api'
import type { RunService } from '../runner/service'
import type { TraceQueries } from '../store/queries'
import {
  applyEdits,
  buildCassette,
  CassetteError,
  parseCassette,
  type Cassette,
  type ReplyEdit,
} from './cassette'
import { diffRuns } from './diff'

const TRACE_ID = /^[0-9a-f]{32}$/

/** Builds the cassette of a run (all its traces) or of one trace; throws a CassetteError when it cannot. */
export function cassetteFor(source: string, runs: RunService, queries: TraceQueries): Cassette {
  if (TRACE_ID.test(source)) {
    const detail = queries.getTraceDetail(source)
    if (!detail)
      throw new CassetteError(`trace ${source} not found`, ['check the id with `loupe traces`'])
    return buildCassette(detail.spans, { runId: null, traceIds: [source] })
  }
  const run = runs.get(source)
  if (!run) {
    throw new CassetteError(`nothing named ${source} to replay`, [
      'give a run id (run_...), a trace id (32 hex digits) or a cassette file',
    ])
  }
  const spans: SpanJson[] = run.traceIds.flatMap((id) => queries.getTraceDetail(id)?.spans ?? [])
  return buildCassette(spans, { runId: run.id, traceIds: run.traceIds })
}

/** Returns the cassette of a replay request: the one sent, or the one of its source, with its edits applied. */
export function resolveCassette(
  replay: { source: string; cassette?: unknown; edits?: ReplyEdit[] },
  runs: RunService,
  queries: TraceQueries,
): Cassette {
  const cassette =
    replay.cassette !== undefined
      ? parseCassette(replay.cassette, replay.source)
      : cassetteFor(replay.source, runs, queries)
  return replay.edits && replay.edits.length > 0 ? applyEdits(cassette, replay.edits) : cassette
}

/** Reads a run's or a trace's spans and totals, for a diff. */
function diffSide(
  source: string,
  runs: RunService,
  queries: TraceQueries,
): { spans: SpanJson[]; side: RunDiffSide } {
  if (TRACE_ID.test(source)) {
    const detail = queries.getTraceDetail(source)
    if (!detail)
      throw new CassetteError(`trace ${source} not found`, ['check the id with `loupe traces`'])
    const trace = detail.trace
    return {
      spans: detail.spans,
      side: {
        id: source,
        modelCalls: trace.modelCalls,
        toolCalls: trace.toolCalls,
        inputTokens: trace.inputTokens,
        outputTokens: trace.outputTokens,
        costUsd: trace.costUsd,
        durationMs: trace.durationMs,
        errorClass: trace.errorClass,
      },
    }
  }
  const run = runs.get(source)
  if (!run) {
    throw new CassetteError(`nothing named ${source} to compare`, [
      'give two run ids (run_...) or trace ids (32 hex digits)',
    ])
  }
  const spans = run.traceIds.flatMap((id) => queries.getTraceDetail(id)?.spans ?? [])
  const ended = run.endedAt === null ? Date.now() : Date.parse(run.endedAt)
  return {
    spans,
    side: {
      id: run.id,
      modelCalls: run.modelCalls,
      toolCalls: run.toolCalls,
      inputTokens: run.inputTokens,
      outputTokens: run.outputTokens,
      costUsd: run.costUsd,
      durationMs: ended - Date.parse(run.startedAt),
      errorClass: run.errorClass,
    },
  }
}

/** Compares two runs or traces. Throws a CassetteError when one is not found. */
export function diffSources(
  a: string,
  b: string,
  runs: RunService,
  queries: TraceQueries,
): RunDiffJson {
  const left = diffSide(a, runs, queries)
  const right = diffSide(b, runs, queries)
  return diffRuns(left.spans, right.spans, { a: left.side, b: right.side })
}
