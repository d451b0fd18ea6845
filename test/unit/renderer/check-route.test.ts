// Hash routes of the readiness check page.

import { describe, expect, test } from 'vitest'
import { checkHash, parseRoute } from '../../../src/renderer/src/route'

const TRACE_ID = '01a24311b77b3a85df31ef2aaca9f5da'

describe('check routes', () => {
  test('#/check is the check of recent traces', () => {
    expect(parseRoute('#/check')).toEqual({ page: 'check', traceId: null })
    expect(parseRoute('#/check/')).toEqual({ page: 'check', traceId: null })
  })

  test('#/check/<trace> checks one trace, in lower case', () => {
    expect(parseRoute(`#/check/${TRACE_ID.toUpperCase()}`)).toEqual({
      page: 'check',
      traceId: TRACE_ID,
    })
  })

  test('checkHash round-trips through parseRoute', () => {
    expect(checkHash()).toBe('#/check')
    expect(parseRoute(checkHash(TRACE_ID))).toEqual({ page: 'check', traceId: TRACE_ID })
  })

  test('deeper check paths fall back to the list', () => {
    expect(parseRoute(`#/check/${TRACE_ID}/extra`)).toEqual({ page: 'list' })
  })
})
