import type { JsonValue } from '../../../shared/api'
import type { CaseOutcome } from '../../../shared/evals'
import { OUTCOME_LABELS, valuePreview, valueTooltip } from '../evals-view'

/** Shows a case value (inputs, outputs) on one line, with the whole value as its tooltip. */
export function CaseValue({ value }: { value: JsonValue }) {
  return (
    <code className="case-value" title={valueTooltip(value)}>
      {valuePreview(value)}
    </code>
  )
}

const OUTCOME_CLASSES: Record<CaseOutcome, string> = {
  passed: 'status-ok',
  failed: 'status-error',
  error: 'status-error',
  running: 'running',
}

export function OutcomeBadge({ outcome }: { outcome: CaseOutcome }) {
  return (
    <span className={`badge outcome ${OUTCOME_CLASSES[outcome]}`} data-testid="case-outcome">
      {OUTCOME_LABELS[outcome]}
    </span>
  )
}
