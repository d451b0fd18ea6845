import { describe, expect, it } from 'vitest'
import type { ExperimentSummary } from '../../../src/shared/evals'
import {
  comparisonOrder,
  formatDelta,
  formatRate,
  formatRateDelta,
  formatScore,
  valuePreview,
  valueTooltip,
} from '../../../src/renderer/src/evals-view'
import { experimentCompareHash, experimentHash, parseRoute } from '../../../src/renderer/src/route'

describe('evals routes', () => {
  it('parses the list, experiment and compare', () => {
    expect(parseRoute('#/evals')).toEqual({ page: 'evals', view: 'list' })
    expect(parseRoute('#/evals/')).toEqual({ page: 'evals', view: 'list' })
    expect(parseRoute('#/evals/bff4bda3c0ec7d3c')).toEqual({
      page: 'evals',
      view: 'experiment',
      id: 'bff4bda3c0ec7d3c',
    })
    expect(parseRoute('#/evals/compare/a1/b2')).toEqual({
      page: 'evals',
      view: 'compare',
      a: 'a1',
      b: 'b2',
    })
    expect(parseRoute('#/evals/compare/a1')).toEqual({ page: 'evals', view: 'list' })
  })

  it('round-trips names with slashes', () => {
    expect(parseRoute(experimentHash('capitals v1/fr'))).toEqual({
      page: 'evals',
      view: 'experiment',
      id: 'capitals v1/fr',
    })
    expect(parseRoute(experimentCompareHash('v1/a', 'v2 b'))).toEqual({
      page: 'evals',
      view: 'compare',
      a: 'v1/a',
      b: 'v2 b',
    })
  })
})

describe('evals formatting', () => {
  it('formats rates and scores', () => {
    expect(formatRate(null)).toBe('—')
    expect(formatRate(0.5)).toBe('50%')
    expect(formatRate(2 / 3)).toBe('66.7%')
    expect(formatScore(1)).toBe('1')
    expect(formatScore(2 / 3)).toBe('0.667')
  })

  it('formats signed deltas', () => {
    expect(formatDelta(0)).toBe('')
    expect(formatDelta(1)).toBe('+1')
    expect(formatDelta(-0.3335)).toBe('−0.334')
    expect(formatRateDelta(0.5, 0.75)).toBe('+25 pp')
    expect(formatRateDelta(0.5, 0.5)).toBe('')
    expect(formatRateDelta(null, 0.5)).toBe('')
  })

  it('previews values on one line', () => {
    expect(valuePreview('Paris')).toBe('Paris')
    expect(valuePreview({ city: 'Paris' })).toBe('{"city":"Paris"}')
    expect(valuePreview('two\nlines')).toBe('two lines')
    expect(valuePreview(null)).toBe('null')
    const long = valuePreview('x'.repeat(200))
    expect(long).toHaveLength(80)
    expect(long.endsWith('…')).toBe(true)
    expect(valueTooltip({ city: 'Paris' })).toBe('{\n  "city": "Paris"\n}')
  })

  it('puts the older experiment first', () => {
    const older = { id: 'old', startTimeUnixNano: '1796420951068000000' } as ExperimentSummary
    const newer = { id: 'new', startTimeUnixNano: '1796420960723723617' } as ExperimentSummary
    expect(comparisonOrder(newer, older).map((e) => e.id)).toEqual(['old', 'new'])
    expect(comparisonOrder(older, newer).map((e) => e.id)).toEqual(['old', 'new'])
  })
})
