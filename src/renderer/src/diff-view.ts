// The diff view's rows: both runs' totals with their differences, and the
// aligned steps with runs of equal ones collapsed. Pure functions, so that
// unit tests run them without a DOM.

import type { RunDiffSide, RunDiffStep } from '../../shared/api'
import { formatCount, formatDuration, formatUsd } from './format'

/** One total of both runs: model calls, tokens, cost and so on. */
export interface DiffTotalRow {
  label: string
  a: string
  b: string
  /** B minus A ("+2 (+200%)", "-1.2 s"), "A → B" for the error class, or '' when equal. */
  difference: string
  changed: boolean
}

export function diffTotalRows(a: RunDiffSide, b: RunDiffSide): DiffTotalRow[] {
  return [
    countRow('Model calls', a.modelCalls, b.modelCalls),
    countRow('Tool calls', a.toolCalls, b.toolCalls),
    countRow('Input tokens', a.inputTokens, b.inputTokens),
    countRow('Output tokens', a.outputTokens, b.outputTokens),
    costRow(a.costUsd, b.costUsd),
    numberRow('Duration', a.durationMs, b.durationMs, formatDuration),
    {
      label: 'Error class',
      a: a.errorClass,
      b: b.errorClass,
      difference: a.errorClass === b.errorClass ? '' : `${a.errorClass} → ${b.errorClass}`,
      changed: a.errorClass !== b.errorClass,
    },
  ]
}

function countRow(label: string, a: number, b: number): DiffTotalRow {
  return numberRow(label, a, b, formatCount)
}

function numberRow(
  label: string,
  a: number,
  b: number,
  format: (value: number) => string,
): DiffTotalRow {
  return {
    label,
    a: format(a),
    b: format(b),
    difference: signedChange(a, b, format),
    changed: a !== b,
  }
}

function costRow(a: number | null, b: number | null): DiffTotalRow {
  const text = (usd: number | null) => (usd === null ? 'unpriced' : formatUsd(usd))
  if (a === null || b === null) {
    return { label: 'Cost', a: text(a), b: text(b), difference: '', changed: a !== b }
  }
  return numberRow('Cost', a, b, formatUsd)
}

/** Formats B − A with its sign, plus the change in percent when A is not zero. */
function signedChange(a: number, b: number, format: (value: number) => string): string {
  if (a === b) return ''
  const sign = b > a ? '+' : '-'
  const magnitude = format(Math.abs(b - a)).replace(/^-/, '')
  if (a === 0) return `${sign}${magnitude}`
  const percent = Math.round(((b - a) / Math.abs(a)) * 100)
  return `${sign}${magnitude} (${percent > 0 ? '+' : ''}${percent}%)`
}

/** A step of the diff as the view lists it, or a run of equal steps shown as one row. */
export type DiffItem =
  { type: 'step'; step: RunDiffStep; first: boolean } | { type: 'same'; steps: RunDiffStep[] }

/** Groups each run of consecutive equal steps into one item; every other step stays its own. */
export function groupDiffSteps(
  steps: readonly RunDiffStep[],
  firstDivergence: number | null,
): DiffItem[] {
  const items: DiffItem[] = []
  for (const step of steps) {
    const last = items.at(-1)
    if (step.status !== 'same') {
      items.push({ type: 'step', step, first: step.index === firstDivergence })
    } else if (last?.type === 'same') {
      last.steps.push(step)
    } else {
      items.push({ type: 'same', steps: [step] })
    }
  }
  return items
}

/** Describes a run of equal steps: "Step 3 is the same" or "Steps 1–4 are the same". */
export function sameStepsLabel(steps: readonly RunDiffStep[]): string {
  const first = steps[0]?.index ?? 0
  const last = steps.at(-1)?.index ?? first
  return first === last ? `Step ${first} is the same` : `Steps ${first}–${last} are the same`
}

export const STEP_KIND_LABELS: Record<RunDiffStep['kind'], string> = {
  model: 'model call',
  tool: 'tool call',
  changed: 'model call / tool call',
}

export const STEP_STATUS_LABELS: Record<RunDiffStep['status'], string> = {
  same: 'same',
  changed: 'changed',
  added: 'only in B',
  missing: 'only in A',
}
