// GET /api/check?trace=ID or ?since=24h: the production-readiness check of
// one trace or of the traces of a recent window (the last 24 hours when
// neither is given).

import type Database from 'better-sqlite3'
import { CheckScopeError, runReadinessCheck, type CheckScope } from '../check/run'
import { DEFAULT_WINDOW } from '../check/window'

export interface CheckAnswer {
  status: number
  body: unknown
}

/**
 * Runs the check once GenAI normalization has caught up: 200 with the report,
 * 400 for an invalid query, 404 for a trace that is not stored.
 */
export async function answerCheck(
  params: URLSearchParams,
  db: Database.Database,
  whenNormalized: () => Promise<void>,
): Promise<CheckAnswer> {
  const trace = params.get('trace')
  const since = params.get('since')
  if (trace !== null && since !== null) {
    return { status: 400, body: { error: 'give either trace= or since=, not both' } }
  }
  const scope: CheckScope = trace !== null ? { traceId: trace } : { since: since ?? DEFAULT_WINDOW }
  await whenNormalized()
  try {
    return { status: 200, body: await runReadinessCheck(db, scope) }
  } catch (error) {
    if (!(error instanceof CheckScopeError)) throw error
    return { status: error.notFound ? 404 : 400, body: { error: error.message } }
  }
}
