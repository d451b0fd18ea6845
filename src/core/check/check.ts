// The interface of every readiness check, and the evidence list that the checks share.

import type { CheckEvidence, CheckFinding, CheckId, CheckResult } from '../../shared/check'
import type { TraceView } from './trace-view'

/** Evidence items kept per check; the rest are only counted, so a report stays readable. */
export const MAX_EVIDENCE = 50

/** A check's collected evidence, capped at MAX_EVIDENCE items. */
export class EvidenceList {
  readonly items: CheckEvidence[] = []
  omitted = 0

  add(item: CheckEvidence): void {
    if (this.items.length < MAX_EVIDENCE) this.items.push(item)
    else this.omitted++
  }

  get size(): number {
    return this.items.length + this.omitted
  }
}

/** A check's verdict before the report adds its id and title. */
export interface Verdict {
  result: CheckResult
  finding: string
  /** Evidence lists in the order they should be shown. */
  evidence: EvidenceList[]
}

/**
 * A readiness check. `observe` receives each trace once, newest first, and
 * `verdict` then judges everything observed.
 */
export interface ReadinessCheck {
  readonly id: CheckId
  readonly title: string
  observe(trace: TraceView): void
  verdict(): Verdict
}

/** Builds the report entry of a check from its verdict. */
export function findingOf(check: ReadinessCheck): CheckFinding {
  const verdict = check.verdict()
  const evidence: CheckEvidence[] = []
  let omittedEvidence = 0
  for (const list of verdict.evidence) {
    for (const item of list.items) {
      if (evidence.length < MAX_EVIDENCE) evidence.push(item)
      else omittedEvidence++
    }
    omittedEvidence += list.omitted
  }
  return {
    id: check.id,
    title: check.title,
    result: verdict.result,
    finding: verdict.finding,
    evidence,
    omittedEvidence,
  }
}

/** Returns "1 span" or "3 spans". */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`
}
