// The evals API, under /api/evals:
//   GET /api/evals/experiments?limit=N   experiments, newest first
//   GET /api/evals/experiments/:ref      one experiment with its cases
//   GET /api/evals/compare?a=REF&b=REF   two experiments compared case by case
// A ref is an experiment id (the span id of its `evaluate` span), a trace id
// or an experiment name; see ExperimentQueries.get.

import type Database from 'better-sqlite3'
import { compareExperiments } from '../evals/compare'
import { ExperimentLookupError, ExperimentQueries } from '../evals/experiments'
import type { ApiResult } from '../runner/playground'

const DEFAULT_LIST_LIMIT = 100
const MAX_LIST_LIMIT = 1000

/** Routes of the evals API over one store, whose statements are prepared on the first request. */
export class EvalsRoutes {
  private experiments: ExperimentQueries | null = null

  /** Returns the response to a request under /api/evals, given its decoded path segments. */
  route(db: Database.Database, method: string, parts: readonly string[], url: URL): ApiResult {
    if (method !== 'GET') return notFound(method, parts)
    const queries = (this.experiments ??= new ExperimentQueries(db))
    if (parts[2] === 'experiments' && parts.length === 3) {
      const limit = parseLimit(url.searchParams.get('limit'))
      if (limit === null) {
        return failure(
          400,
          `invalid limit=${url.searchParams.get('limit')}: expected 1 to ${MAX_LIST_LIMIT}`,
        )
      }
      return { status: 200, body: queries.list(limit) }
    }
    if (parts[2] === 'experiments' && parts.length === 4) {
      return lookup(() => queries.get(parts[3]!))
    }
    if (parts[2] === 'compare' && parts.length === 3) {
      const a = url.searchParams.get('a')
      const b = url.searchParams.get('b')
      if (!a || !b) return failure(400, 'give the two experiments to compare as ?a=...&b=...')
      return lookup(() => compareExperiments(queries.get(a), queries.get(b)))
    }
    return notFound(method, parts)
  }
}

function lookup(answer: () => unknown): ApiResult {
  try {
    return { status: 200, body: answer() }
  } catch (error) {
    if (!(error instanceof ExperimentLookupError)) throw error
    return failure(404, error.message)
  }
}

/** Returns the limit, DEFAULT_LIST_LIMIT when absent, or null when it is not 1 to MAX_LIST_LIMIT. */
function parseLimit(value: string | null): number | null {
  if (value === null) return DEFAULT_LIST_LIMIT
  if (!/^\d+$/.test(value)) return null
  const limit = Number(value)
  return limit >= 1 && limit <= MAX_LIST_LIMIT ? limit : null
}

function notFound(method: string, parts: readonly string[]): ApiResult {
  return failure(404, `no API route ${method} /${parts.join('/')}`)
}

function failure(status: number, error: string): ApiResult {
  return { status, body: { error } }
}
