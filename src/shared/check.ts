// The production-readiness check's report, as `loupe check --json` prints it
// and `GET /api/check` serves it.

/**
 * Outcome of one check. `not_checkable` means that the traces cannot show the
 * result either way, and it is never counted as a pass.
 */
export type CheckResult = 'pass' | 'fail' | 'warn' | 'not_checkable'

/** Display order of the results, worst first. */
export const CHECK_RESULTS: readonly CheckResult[] = ['fail', 'warn', 'not_checkable', 'pass']

export type CheckId =
  | 'agent-names'
  | 'usage-limits'
  | 'model-timeouts'
  | 'service-name'
  | 'environment'
  | 'instrumentation'
  | 'user-ids'
  | 'secrets'
  | 'personal-data'
  | 'error-status'
  | 'rate-limit-retries'
  | 'container-user'
  | 'user-id-source'
  | 'rollback-plan'
  | 'secrets-management'

/** One observation behind a finding. */
export interface CheckEvidence {
  traceId: string | null
  spanId: string | null
  /** Name of the span, to recognize it without opening it. */
  spanName: string | null
  /** The attribute or header the value was read from. */
  attribute: string | null
  /**
   * The value seen. Secrets are never repeated: a stored redaction marker is
   * shown as stored, and a secret or personal data that is still readable is
   * shown masked.
   */
  value: string | null
  /** The observation's meaning, in one sentence. */
  note: string
}

export interface CheckFinding {
  id: CheckId
  title: string
  result: CheckResult
  /** One-line summary of what was found. */
  finding: string
  evidence: CheckEvidence[]
  /** Evidence beyond the number kept per check, which was counted but left out. */
  omittedEvidence: number
}

export interface CheckReport {
  /** The trace checked, or null when a time window was checked. */
  traceId: string | null
  /** The window as given (`24h`), or null when one trace was checked. */
  since: string | null
  /** Start of the window (ISO 8601), or null when one trace was checked. */
  windowStart: string | null
  checkedAt: string
  tracesChecked: number
  /** Traces in the window beyond the maximum checked at once, newest first; these were left out. */
  tracesSkipped: number
  spansChecked: number
  /** Spans whose GenAI normalization had not run, so their kind, agent and error class were unknown. */
  unnormalizedSpans: number
  checks: CheckFinding[]
  counts: Record<CheckResult, number>
}
