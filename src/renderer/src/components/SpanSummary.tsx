import { useMemo } from 'react'
import type { SpanJson } from '../../../shared/api'
import { formatCount, formatTokens } from '../format'
import { costText } from '../genai/figures'
import { codeLocation } from '../genai/logfire'
import { sumSubtree, type SpanTree } from '../tree/build-tree'
import { CostDetail } from './CostDetail'
import { ErrorEvidenceView } from './ErrorEvidenceView'
import { JsonView } from './JsonView'

/**
 * Renders the facts of a span in agent terms above its tabs. A model call
 * shows its model, tokens and cost, a tool call its name, call id, arguments
 * and result, and an agent run its totals. Any span also shows its error
 * evidence and its source location.
 */
export function SpanSummary({
  span,
  traceId,
  tree,
}: {
  span: SpanJson
  traceId: string
  tree: SpanTree
}) {
  const location = codeLocation(span.attributes, span.resource.attributes)
  return (
    <div className="span-summary">
      {span.kind === 'model' && <ModelCallSummary span={span} />}
      {span.kind === 'tool' && <ToolCallSummary span={span} />}
      {span.kind === 'agent' && <AgentSummary span={span} tree={tree} />}
      {span.error !== null && (
        <ErrorEvidenceView evidence={span.error} traceId={traceId} currentSpanId={span.spanId} />
      )}
      {location !== null && (
        <p className="code-location">
          <span className="muted">Source </span>
          <a
            href={location.href}
            data-testid="code-link"
            title="Open in VS Code (needs VS Code's URL handler)"
          >
            {location.path}:{location.line}
          </a>
        </p>
      )}
    </div>
  )
}

function ModelCallSummary({ span }: { span: SpanJson }) {
  return (
    <>
      <dl className="fields">
        <dt>Model</dt>
        <dd>
          {span.model ?? <span className="muted">unknown</span>}
          {span.provider !== null && <span className="muted"> ({span.provider})</span>}
        </dd>
        <dt>Tokens</dt>
        <dd data-testid="span-tokens">
          {span.inputTokens === null && span.outputTokens === null ? (
            <span className="muted">not recorded</span>
          ) : (
            formatTokens(span)
          )}
          {(span.reasoningTokens ?? 0) > 0 && (
            <span className="muted">
              {' '}
              (of the output, {formatCount(span.reasoningTokens!)} reasoning)
            </span>
          )}
        </dd>
      </dl>
      {span.cost !== null && <CostDetail cost={span.cost} />}
    </>
  )
}

function ToolCallSummary({ span }: { span: SpanJson }) {
  return (
    <div className="tool-summary" data-testid="tool-summary">
      <dl className="fields">
        <dt>Tool</dt>
        <dd>
          <strong>{span.toolName ?? <span className="muted">unknown</span>}</strong>
        </dd>
        {span.toolCallId !== null && (
          <>
            <dt>Call id</dt>
            <dd>
              <code>{span.toolCallId}</code>
            </dd>
          </>
        )}
      </dl>
      <h4>Arguments</h4>
      {span.toolArguments === null ? (
        <p className="muted">Not recorded.</p>
      ) : (
        <JsonView
          value={span.toolArguments}
          label={`Arguments of ${span.toolName ?? 'the tool'}`}
        />
      )}
      <h4>Result</h4>
      {span.toolResult === null ? (
        <p className="muted">Not recorded.</p>
      ) : (
        <JsonView value={span.toolResult} label={`Result of ${span.toolName ?? 'the tool'}`} />
      )}
    </div>
  )
}

function AgentSummary({ span, tree }: { span: SpanJson; tree: SpanTree }) {
  const node = tree.bySpanId.get(span.spanId)?.[0]
  const totals = useMemo(() => (node === undefined ? null : sumSubtree(node)), [node])
  return (
    <dl className="fields" data-testid="agent-totals">
      <dt>Agent</dt>
      <dd>{span.agentName ?? <span className="muted">unnamed</span>}</dd>
      {totals !== null && (
        <>
          <dt>Model calls</dt>
          <dd>{formatCount(totals.modelCalls)}</dd>
          <dt>Tool calls</dt>
          <dd>
            {formatCount(totals.toolCalls)}
            {totals.retriedToolCalls > 0 && (
              <span className="muted"> ({formatCount(totals.retriedToolCalls)} retried)</span>
            )}
          </dd>
          <dt>Tokens</dt>
          <dd>
            {formatTokens({
              inputTokens: totals.inputTokens,
              outputTokens: totals.outputTokens,
              cacheReadTokens: null,
              cacheWriteTokens: null,
            })}
          </dd>
          <dt>Cost</dt>
          <dd>{costText(totals.costUsd, totals.unpricedCalls)}</dd>
        </>
      )}
    </dl>
  )
}
