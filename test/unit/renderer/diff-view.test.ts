import { describe, expect, it } from 'vitest'
import type { RunDiffSide, RunDiffStep } from '../../../src/shared/api'
import { diffTotalRows, groupDiffSteps, sameStepsLabel } from '../../../src/renderer/src/diff-view'

const SIDE: RunDiffSide = {
  id: 'run_1',
  modelCalls: 1,
  toolCalls: 1,
  inputTokens: 30,
  outputTokens: 10,
  costUsd: 0.0001,
  durationMs: 2000,
  errorClass: 'tool_failed',
}

function step(index: number, status: RunDiffStep['status']): RunDiffStep {
  return {
    index,
    kind: index % 2 === 1 ? 'model' : 'tool',
    status,
    a: status === 'added' ? null : `a${index}`,
    b: status === 'missing' ? null : `b${index}`,
    spanA: status === 'added' ? null : `a${index}`.padStart(16, '0'),
    spanB: status === 'missing' ? null : `b${index}`.padStart(16, '0'),
    changes: status === 'same' ? [] : [`change ${index}`],
  }
}

describe('diffTotalRows', () => {
  it('shows the differences of B from A', () => {
    const rows = diffTotalRows(SIDE, {
      ...SIDE,
      id: 'run_2',
      modelCalls: 3,
      toolCalls: 2,
      inputTokens: 90,
      outputTokens: 10,
      costUsd: 0.0003,
      durationMs: 1500,
      errorClass: 'none',
    })
    expect(rows.map((row) => [row.label, row.a, row.b, row.difference, row.changed])).toEqual([
      ['Model calls', '1', '3', '+2 (+200%)', true],
      ['Tool calls', '1', '2', '+1 (+100%)', true],
      ['Input tokens', '30', '90', '+60 (+200%)', true],
      ['Output tokens', '10', '10', '', false],
      ['Cost', '$0.0001', '$0.0003', '+$0.0002 (+200%)', true],
      ['Duration', '2 s', '1.5 s', '-500 ms (-25%)', true],
      ['Error class', 'tool_failed', 'none', 'tool_failed → none', true],
    ])
  })

  it('shows no percentage from zero', () => {
    const [models] = diffTotalRows({ ...SIDE, modelCalls: 0 }, { ...SIDE, modelCalls: 2 })
    expect(models!.difference).toBe('+2')
  })

  it('marks a cost that only one run has', () => {
    const cost = diffTotalRows(SIDE, { ...SIDE, costUsd: null }).find((r) => r.label === 'Cost')!
    expect(cost.b).toBe('unpriced')
    expect(cost.difference).toBe('')
    expect(cost.changed).toBe(true)
    const neither = diffTotalRows({ ...SIDE, costUsd: null }, { ...SIDE, costUsd: null })
    expect(neither.find((r) => r.label === 'Cost')!.changed).toBe(false)
  })
})

describe('groupDiffSteps', () => {
  it('collapses runs of equal steps', () => {
    const steps = [
      step(1, 'same'),
      step(2, 'same'),
      step(3, 'changed'),
      step(4, 'same'),
      step(5, 'added'),
      step(6, 'added'),
    ]
    const items = groupDiffSteps(steps, 3)
    expect(
      items.map((item) =>
        item.type === 'same'
          ? `same ${item.steps.map((s) => s.index).join(',')}`
          : `${item.step.index}${item.first ? ' first' : ''}`,
      ),
    ).toEqual(['same 1,2', '3 first', 'same 4', '5', '6'])
  })

  it('marks nothing when the runs match', () => {
    const items = groupDiffSteps([step(1, 'same'), step(2, 'same')], null)
    expect(items).toHaveLength(1)
    expect(items[0]!.type).toBe('same')
  })

  it('labels a run of equal steps', () => {
    expect(sameStepsLabel([step(3, 'same')])).toBe('Step 3 is the same')
    expect(sameStepsLabel([step(1, 'same'), step(2, 'same')])).toBe('Steps 1–2 are the same')
  })
})
