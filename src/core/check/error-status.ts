// Checks that each error class that ended a request got its HTTP status: the
// status on the request's server span against ERROR_CLASS_STATUS for the
// error class of the agent run that failed inside it.

import type { ErrorClass } from '../../shared/genai'
import { ERROR_CLASS_STATUS } from '../../shared/genai'
import type { CheckSpan } from './traces'
import { EvidenceList, plural, type ReadinessCheck, type Verdict } from './check'
import { httpStatus, isHttpServerSpan, spanEvidence, type TraceView } from './trace-view'

/** Returns the error class that ended the request: the last failed agent run's, else the request span's own. */
function requestErrorClass(
  trace: TraceView,
  server: CheckSpan,
): { errorClass: ErrorClass; span: CheckSpan } | null {
  const failedRuns = trace.spans.filter(
    (span) => span.kind === 'agent' && span.errorClass !== 'none' && trace.isBelow(span, server),
  )
  if (failedRuns.length > 0) {
    const last = failedRuns.reduce((latest, span) => (span.endNs > latest.endNs ? span : latest))
    return { errorClass: last.errorClass, span: last }
  }
  if (server.errorClass !== 'none') return { errorClass: server.errorClass, span: server }
  return null
}

export class ErrorStatusCheck implements ReadinessCheck {
  readonly id = 'error-status'
  readonly title = 'Each error class gets its HTTP status'
  private readonly wrong = new EvidenceList()
  private readonly successStatus = new EvidenceList()
  private readonly right = new EvidenceList()
  private readonly rightClasses = new Set<ErrorClass>()
  private readonly seenClasses = new Set<ErrorClass>()
  private failedOutsideRequests = 0

  observe(trace: TraceView): void {
    const server = trace.appSpans.find(isHttpServerSpan)
    if (server === undefined) {
      if (trace.appSpans.some((span) => span.kind === 'agent' && span.errorClass !== 'none'))
        this.failedOutsideRequests++
      return
    }
    const failure = requestErrorClass(trace, server)
    const sent = httpStatus(server)
    if (failure === null || sent === null) return
    const { errorClass, span } = failure
    this.seenClasses.add(errorClass)
    const expected = ERROR_CLASS_STATUS[errorClass]
    const sentText = String(sent.status)
    if (sent.status === expected) {
      if (this.rightClasses.has(errorClass)) return
      this.rightClasses.add(errorClass)
      const note = `${errorClass} from ${span.name} was answered with ${expected}.`
      this.right.add(spanEvidence(server, note, sent.attribute, sentText))
    } else if (sent.status < 300) {
      const note = `${errorClass} from ${span.name} should be answered with ${expected}, but the request span says ${sentText}; a streamed response sends its status before the run fails.`
      this.successStatus.add(spanEvidence(server, note, sent.attribute, sentText))
    } else {
      const note = `${errorClass} from ${span.name} (${span.spanId}) should be answered with ${expected}, not ${sentText}.`
      this.wrong.add(spanEvidence(server, note, sent.attribute, sentText))
    }
  }

  verdict(): Verdict {
    const classes = [...this.seenClasses].sort().join(', ')
    if (this.wrong.size > 0) {
      return {
        result: 'fail',
        finding: `${plural(this.wrong.size, 'failed request')} got a status that does not match its error class.`,
        evidence: [this.wrong, this.successStatus, this.right],
      }
    }
    if (this.successStatus.size > 0) {
      return {
        result: 'warn',
        finding: `${plural(this.successStatus.size, 'failed request')} answered with a success status.`,
        evidence: [this.successStatus, this.right],
      }
    }
    if (this.seenClasses.size > 0) {
      return {
        result: 'pass',
        finding: `Every failed request got the status of its error class (${classes}).`,
        evidence: [this.right],
      }
    }
    return {
      result: 'not_checkable',
      finding:
        this.failedOutsideRequests > 0
          ? `${plural(this.failedOutsideRequests, 'failed run')} had no HTTP request span, so no response status to compare.`
          : 'No request failed in these traces, so no error class could be compared with a status.',
      evidence: [],
    }
  }
}
