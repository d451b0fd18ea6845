import { describe, expect, it } from 'vitest'
import { parseDeepLink } from '../../../src/main/deep-link'

// The renderer's route parser, loaded at run time because the renderer's files
// are type-checked in their own project (tsconfig.web.json), not with main's.
const routeModule = '../../../src/renderer/src/route'
const { parseRoute } = (await import(/* @vite-ignore */ routeModule)) as {
  parseRoute: (hash: string) => unknown
}

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'

describe('parseDeepLink', () => {
  it('parses a trace link', () => {
    const parse = parseDeepLink(`loupe://trace/${TRACE}`)
    expect(parse).toEqual({
      ok: true,
      link: { kind: 'trace', traceId: TRACE, hash: `#/trace/${TRACE}` },
    })
  })

  it('lowercases hex and allows a trailing slash', () => {
    const parse = parseDeepLink(`LOUPE://Trace/${TRACE.toUpperCase()}/`)
    expect(parse.ok).toBe(true)
    if (parse.ok) expect(parse.link.hash).toBe(`#/trace/${TRACE}`)
  })

  it('parses a run link', () => {
    const parse = parseDeepLink('loupe://run/run_0123456789abcdef')
    expect(parse).toEqual({
      ok: true,
      link: {
        kind: 'run',
        runId: 'run_0123456789abcdef',
        hash: '#/playground/run_0123456789abcdef',
      },
    })
  })

  it('parses replay links for runs and traces', () => {
    const ofRun = parseDeepLink('loupe://replay/run_0123456789abcdef')
    expect(ofRun.ok).toBe(true)
    if (ofRun.ok) expect(ofRun.link.hash).toBe('#/replay/run_0123456789abcdef')
    const ofTrace = parseDeepLink(`loupe://replay/${TRACE}`)
    expect(ofTrace.ok).toBe(true)
    if (ofTrace.ok) expect(ofTrace.link.hash).toBe(`#/replay/${TRACE}`)
  })

  it('maps to the routes the renderer parses', () => {
    const cases = [
      [`loupe://trace/${TRACE}`, { page: 'trace', traceId: TRACE, spanId: null }],
      ['loupe://run/run_0123456789abcdef', { page: 'playground', runId: 'run_0123456789abcdef' }],
      [`loupe://replay/${TRACE}`, { page: 'replay', source: TRACE }],
    ] as const
    for (const [link, route] of cases) {
      const parse = parseDeepLink(link)
      expect(parse.ok).toBe(true)
      if (parse.ok) expect(parseRoute(parse.link.hash)).toEqual(route)
    }
  })

  const rejected: [string, RegExp][] = [
    ['loupe://trace/abc', /abc in .* is not a trace id/],
    [`loupe://trace/${'0'.repeat(32)}`, /not a trace id/],
    [`loupe://trace/${TRACE}0`, /not a trace id/],
    [`loupe://trace/${TRACE}/ffffffffffffffff`, /exactly one id/],
    ['loupe://trace/', /exactly one id/],
    ['loupe://run/12345', /not a run id/],
    ['loupe://run/run_..%2F..%2Fetc', /not a run id/],
    ['loupe://replay/whatever', /neither a run id .* nor a trace id/],
    [`loupe://settings/${TRACE}`, /loupe:\/\/settings is not a known link/],
    [`loupe:trace/${TRACE}`, /must start with loupe:\/\//],
    [`loupe://user:pw@trace/${TRACE}`, /user name, password or port/],
    [`loupe://trace/${TRACE}?x=1`, /query or a fragment/],
    [`loupe://trace/${TRACE}#x`, /query or a fragment/],
    [`https://example.test/trace/${TRACE}`, /is not a loupe:\/\/ link/],
    [`javascript:alert(1)`, /is not a loupe:\/\/ link/],
    ['not a url', /not a valid URL/],
    [`loupe://trace/${'a'.repeat(3000)}`, /over 2048/],
  ]
  for (const [link, reason] of rejected) {
    it(`rejects ${link.slice(0, 60)}`, () => {
      const parse = parseDeepLink(link)
      expect(parse.ok).toBe(false)
      if (!parse.ok) expect(parse.reason).toMatch(reason)
    })
  }
})
