import type { ErrorEvidence } from '../../../shared/genai'
import { traceHash } from '../route'
import { ErrorClassBadge } from './ErrorClassBadge'
import { LongText } from './LongText'

/** Characters of an error message shown before "show all". */
const MESSAGE_HEAD_CHARS = 600

/**
 * Shows why a run or span got its error class: the exception type and
 * message, the provider's and Loupe's HTTP statuses, the tool involved, and
 * a link that selects the span where the error originated.
 */
export function ErrorEvidenceView({
  evidence,
  traceId,
  currentSpanId,
}: {
  evidence: ErrorEvidence
  traceId: string
  /** The span being shown, which needs no link to itself. */
  currentSpanId?: string
}) {
  return (
    <div className="error-evidence" data-testid="error-evidence">
      <div className="error-evidence-head">
        <ErrorClassBadge errorClass={evidence.errorClass} />
        <span
          className="muted"
          title="The HTTP status a service should respond with for this class"
        >
          HTTP {evidence.httpStatus}
        </span>
        {evidence.exceptionType !== null && (
          <code className="exception-type">{evidence.exceptionType}</code>
        )}
      </div>
      {evidence.message !== null && evidence.message !== '' && (
        <div className="error-evidence-message">
          <LongText text={evidence.message} headChars={MESSAGE_HEAD_CHARS} prose />
        </div>
      )}
      <dl className="fields compact">
        {evidence.providerStatus !== null && (
          <>
            <dt>Provider status</dt>
            <dd>HTTP {evidence.providerStatus}</dd>
          </>
        )}
        {evidence.toolName !== null && (
          <>
            <dt>Tool</dt>
            <dd>
              <code>{evidence.toolName}</code>
            </dd>
          </>
        )}
        {evidence.spanId !== null && evidence.spanId !== currentSpanId && (
          <>
            <dt>Origin</dt>
            <dd>
              <a href={traceHash(traceId, evidence.spanId)} data-testid="error-origin">
                span <code>{evidence.spanId}</code>
              </a>
            </dd>
          </>
        )}
      </dl>
    </div>
  )
}
