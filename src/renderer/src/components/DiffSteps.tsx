import { useMemo, useState } from 'react'
import type { RunDiffJson, RunDiffStep } from '../../../shared/api'
import { groupDiffSteps, sameStepsLabel, STEP_KIND_LABELS, STEP_STATUS_LABELS } from '../diff-view'
import { useSpanTraceLookup } from '../hooks/use-diff'
import { pluralize } from '../format'
import { traceHash } from '../route'

type TraceLookup = (spanId: string) => string | null

/**
 * Lists the aligned steps of a diff: each run of equal steps as one row
 * that expands, and every step that differs with its change lines and links
 * to its span in each run's trace. The first divergence is marked.
 */
export function DiffSteps({ diff }: { diff: RunDiffJson }) {
  const items = useMemo(() => groupDiffSteps(diff.steps, diff.firstDivergence), [diff])
  // Runs of equal steps that the user expanded, by the index of their first step.
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(new Set())
  const traceOfA = useSpanTraceLookup(diff.a.id)
  const traceOfB = useSpanTraceLookup(diff.b.id)
  const expand = (index: number) => setExpanded((old) => new Set(old).add(index))

  return (
    <section className="diff-steps-section" aria-label="Steps">
      <h2>Steps</h2>
      <p data-testid="diff-summary">
        {diff.firstDivergence === null ? (
          `The runs match in all ${pluralize(diff.steps.length, 'model and tool call')}.`
        ) : (
          <>
            First divergence at step {diff.firstDivergence} of {diff.steps.length}.{' '}
            <button
              type="button"
              onClick={() => scrollToStep(diff.firstDivergence!)}
              data-testid="go-to-divergence"
            >
              Go to it
            </button>
          </>
        )}
      </p>
      <div className="diff-steps" data-testid="diff-steps">
        <div className="diff-step diff-step-head" aria-hidden="true">
          <span>#</span>
          <span>Step</span>
          <span>A</span>
          <span>B</span>
        </div>
        {items.map((item) => {
          if (item.type === 'step') {
            return (
              <StepRow
                key={item.step.index}
                step={item.step}
                first={item.first}
                traceOfA={traceOfA}
                traceOfB={traceOfB}
              />
            )
          }
          const start = item.steps[0]!.index
          if (!expanded.has(start)) {
            return (
              <div key={start} className="diff-same" data-testid="diff-same">
                <span className="muted">{sameStepsLabel(item.steps)}.</span>
                <button type="button" onClick={() => expand(start)}>
                  Show
                </button>
              </div>
            )
          }
          return item.steps.map((step) => (
            <StepRow
              key={step.index}
              step={step}
              first={false}
              traceOfA={traceOfA}
              traceOfB={traceOfB}
            />
          ))
        })}
      </div>
    </section>
  )
}

function StepRow({
  step,
  first,
  traceOfA,
  traceOfB,
}: {
  step: RunDiffStep
  first: boolean
  traceOfA: TraceLookup
  traceOfB: TraceLookup
}) {
  const className = `diff-step status-${step.status}${first ? ' first-divergence' : ''}`
  return (
    <div
      className={className}
      id={`diff-step-${step.index}`}
      data-testid="diff-step"
      data-step={step.index}
      data-status={step.status}
    >
      <span className="diff-step-index">{step.index}</span>
      <span className="diff-step-kind">
        {STEP_KIND_LABELS[step.kind]}
        <span className={`badge diff-status diff-status-${step.status}`}>
          {STEP_STATUS_LABELS[step.status]}
        </span>
        {first && (
          <span className="badge first-divergence-badge" data-testid="first-divergence">
            first divergence
          </span>
        )}
      </span>
      <StepSide summary={step.a} spanId={step.spanA} traceOf={traceOfA} side="A" />
      <StepSide summary={step.b} spanId={step.spanB} traceOf={traceOfB} side="B" />
      {step.status !== 'same' && step.changes.length > 0 && (
        <ul className="diff-changes" data-testid="diff-changes">
          {step.changes.map((change) => (
            <li key={change}>{change}</li>
          ))}
        </ul>
      )}
    </div>
  )
}

function StepSide({
  summary,
  spanId,
  traceOf,
  side,
}: {
  summary: string | null
  spanId: string | null
  traceOf: TraceLookup
  side: 'A' | 'B'
}) {
  if (summary === null) return <span className="diff-step-side muted">not in {side}</span>
  const traceId = spanId === null ? null : traceOf(spanId)
  return (
    <span className="diff-step-side">
      <span className="diff-step-summary">{summary}</span>
      {traceId !== null && spanId !== null && (
        <a
          href={traceHash(traceId, spanId)}
          className="diff-span-link"
          title={`Span ${spanId} in trace ${traceId}`}
          data-testid={`span-link-${side.toLowerCase()}`}
        >
          span
        </a>
      )}
    </span>
  )
}

function scrollToStep(index: number): void {
  document.getElementById(`diff-step-${index}`)?.scrollIntoView({ block: 'center' })
}
