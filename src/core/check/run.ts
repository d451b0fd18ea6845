// Runs the production-readiness checks over one trace or over the traces of
// a recent time window, and builds the report that `loupe check` prints and
// GET /api/check serves.

import type Database from 'better-sqlite3'
import { CHECK_RESULTS, type CheckReport, type CheckResult } from '../../shared/check'
import { normalizeTraceId } from '../store/queries'
import { AgentNamesCheck, UsageLimitsCheck } from './agents'
import { findingOf, type ReadinessCheck } from './check'
import { PersonalDataCheck, SecretsCheck } from './content'
import { ErrorStatusCheck } from './error-status'
import { InstrumentationCheck } from './instrumentation'
import { manualChecks } from './manual'
import { ModelTimeoutsCheck, RateLimitRetriesCheck } from './model-calls'
import { ContainerUserCheck, EnvironmentCheck, ServiceNameCheck } from './resources'
import { TraceView } from './trace-view'
import { CheckTraceReader } from './traces'
import { UserIdsCheck } from './user-ids'
import { parseWindow } from './window'

/** Scope of a check: one trace, or the traces that started within a window such as `24h`. */
export type CheckScope = { traceId: string } | { since: string }

/** Most traces checked in one window, newest first; the report counts the rest as skipped. */
export const MAX_TRACES = 5000

/** Traces read between two yields to the event loop, so that a core keeps serving during a long check. */
const TRACES_PER_SLICE = 25

/** A trace id that is malformed or not stored, or an invalid window. `notFound` is true for a valid id that is not stored. */
export class CheckScopeError extends Error {
  override name = 'CheckScopeError'

  constructor(
    message: string,
    readonly notFound = false,
  ) {
    super(message)
  }
}

/** Creates the checks, in report order. */
function allChecks(): ReadinessCheck[] {
  return [
    new AgentNamesCheck(),
    new UsageLimitsCheck(),
    new ModelTimeoutsCheck(),
    new ServiceNameCheck(),
    new EnvironmentCheck(),
    new InstrumentationCheck(),
    new UserIdsCheck(),
    new SecretsCheck(),
    new PersonalDataCheck(),
    new ErrorStatusCheck(),
    new RateLimitRetriesCheck(),
    new ContainerUserCheck(),
    ...manualChecks(),
  ]
}

/**
 * Reads the traces in scope and runs every check over them. Throws a
 * CheckScopeError for a malformed or unknown trace id or an invalid window.
 */
export async function runReadinessCheck(
  db: Database.Database,
  scope: CheckScope,
  nowMs = Date.now(),
): Promise<CheckReport> {
  const reader = new CheckTraceReader(db)
  let traces: { traceId: string; rootSpanId: string | null }[]
  let tracesSkipped = 0
  let windowStart: string | null = null
  if ('traceId' in scope) {
    const traceId = normalizeTraceId(scope.traceId)
    if (!/^[0-9a-f]{32}$/.test(traceId)) {
      throw new CheckScopeError(
        `invalid trace id ${JSON.stringify(scope.traceId)}; expected 32 hex digits`,
      )
    }
    const found = reader.findTrace(traceId)
    if (found === null) throw new CheckScopeError(`trace ${traceId} not found`, true)
    traces = [found]
  } else {
    let windowMs: number
    try {
      windowMs = parseWindow(scope.since)
    } catch (error) {
      throw new CheckScopeError((error as Error).message)
    }
    const startMs = nowMs - windowMs
    windowStart = new Date(startMs).toISOString()
    const listed = reader.listWindow(BigInt(Math.floor(startMs)) * 1_000_000n, MAX_TRACES)
    traces = listed.traces
    tracesSkipped = listed.total - listed.traces.length
  }

  const checks = allChecks()
  let spansChecked = 0
  let unnormalizedSpans = 0
  for (const [index, listed] of traces.entries()) {
    if (index > 0 && index % TRACES_PER_SLICE === 0)
      await new Promise((resolve) => setImmediate(resolve))
    const view = new TraceView(reader.readTrace(listed.traceId, listed.rootSpanId))
    spansChecked += view.spans.length
    unnormalizedSpans += view.spans.filter((span) => !span.normalized).length
    for (const check of checks) check.observe(view)
  }

  const findings = checks.map(findingOf)
  const counts = Object.fromEntries(CHECK_RESULTS.map((result) => [result, 0])) as Record<
    CheckResult,
    number
  >
  for (const finding of findings) counts[finding.result]++
  return {
    traceId: 'traceId' in scope ? (traces[0]?.traceId ?? null) : null,
    since: 'since' in scope ? scope.since.trim() : null,
    windowStart,
    checkedAt: new Date(nowMs).toISOString(),
    tracesChecked: traces.length,
    tracesSkipped,
    spansChecked,
    unnormalizedSpans,
    checks: findings,
    counts,
  }
}
