// Durations of `loupe check --since` and GET /api/check?since=.

import { describe, expect, test } from 'vitest'
import { InvalidWindowError, parseWindow } from '../../../src/core/check/window'

describe('parseWindow', () => {
  test.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['24h', 86_400_000],
    ['1.5h', 5_400_000],
    ['7d', 604_800_000],
    ['2w', 1_209_600_000],
    [' 24h ', 86_400_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseWindow(text)).toBe(ms)
  })

  test.each(['', '24', 'h', '24 hours', '-1h', '1y', '0h', '3651d'])('rejects %j', (text) => {
    expect(() => parseWindow(text)).toThrow(InvalidWindowError)
  })

  test('names the value and the units in its message', () => {
    expect(() => parseWindow('soon')).toThrow(
      /invalid duration "soon"; use a number and a unit s, m, h, d or w/,
    )
  })
})
