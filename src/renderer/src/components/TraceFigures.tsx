import type { TraceSummary } from '../../../shared/api'
import { formatCount, formatTokens, pluralize } from '../format'
import { costText } from '../genai/figures'
import { isPending } from '../trace-list-view'
import { ErrorClassBadge } from './ErrorClassBadge'

/**
 * Renders the agent figures of a trace: agent, models, model and tool calls, tokens,
 * cost and error class. While spans await normalization, the figures show as
 * pending rather than as zeros.
 */
export function TraceFigures({ trace }: { trace: TraceSummary }) {
  const pending = isPending(trace)
  if (!pending && trace.modelCalls === 0 && trace.toolCalls === 0 && trace.errorClass === 'none') {
    return null
  }
  const pendingValue = (
    <span className="pending" title="Loupe is still normalizing this trace's spans">
      pending
    </span>
  )
  return (
    <dl className="trace-figures" data-testid="trace-figures">
      {trace.agentName !== null && (
        <div>
          <dt>Agent</dt>
          <dd>{trace.agentName}</dd>
        </div>
      )}
      {trace.models.length > 0 && (
        <div>
          <dt>{trace.models.length === 1 ? 'Model' : 'Models'}</dt>
          <dd>{trace.models.join(', ')}</dd>
        </div>
      )}
      <div>
        <dt>Model calls</dt>
        <dd data-testid="trace-model-calls">
          {pending ? (
            pendingValue
          ) : (
            <>
              {formatCount(trace.modelCalls)}
              {trace.modelRetries > 0 && (
                <span
                  className="badge retried"
                  title="Model calls that failed before the one that ended the run, such as retried 429s or 5xx"
                >
                  {formatCount(trace.modelRetries)} failed
                </span>
              )}
            </>
          )}
        </dd>
      </div>
      <div>
        <dt>Tool calls</dt>
        <dd data-testid="trace-tool-calls">
          {pending ? (
            pendingValue
          ) : (
            <>
              {formatCount(trace.toolCalls)}
              {trace.toolRetries > 0 && (
                <span
                  className="badge retried"
                  title="Tool calls that failed and were retried by the model; the run went on"
                >
                  {formatCount(trace.toolRetries)} retried
                </span>
              )}
            </>
          )}
        </dd>
      </div>
      <div>
        <dt>Tokens</dt>
        <dd data-testid="trace-tokens">{pending ? pendingValue : formatTokens(trace)}</dd>
      </div>
      <div>
        <dt>Cost</dt>
        <dd data-testid="trace-cost">
          {pending ? pendingValue : costText(trace.costUsd, trace.unpricedCalls)}
        </dd>
      </div>
      <div>
        <dt>Error class</dt>
        <dd data-testid="trace-error-class">
          {pending ? (
            pendingValue
          ) : trace.errorClass === 'none' ? (
            <span className="muted">none</span>
          ) : (
            <ErrorClassBadge errorClass={trace.errorClass} />
          )}
        </dd>
      </div>
      {!pending && trace.reasoningTokens > 0 && (
        <div>
          <dt>Reasoning</dt>
          <dd>{pluralize(trace.reasoningTokens, 'token')}</dd>
        </div>
      )}
    </dl>
  )
}
