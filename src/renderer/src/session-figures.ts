import type { SessionSummary } from '../../shared/sessions'
import { formatCount } from './format'
import { costText } from './genai/figures'

/** Returns a session's input and output tokens, or "—" when its runs made no model call. */
export function sessionTokens(session: SessionSummary): string {
  if (session.modelCalls === 0) return '—'
  return `${formatCount(session.inputTokens)} in / ${formatCount(session.outputTokens)} out`
}

/** Returns a session's cost as the trace list shows a trace's, or "—" without model calls. */
export function sessionCost(session: SessionSummary): string {
  if (session.modelCalls === 0) return '—'
  return costText(session.costUsd, session.unpricedCalls)
}
