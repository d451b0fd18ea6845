import { describe, expect, it } from 'vitest'
import { decideHandOff, handOffForUrl, importKindOf } from '../../../src/main/single-instance'

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const EXE = '/opt/Loupe/loupe'

describe('decideHandOff', () => {
  it('focuses without arguments', () => {
    expect(decideHandOff([EXE], '/home/ada')).toEqual({
      handOff: { action: 'focus' },
      rejected: [],
    })
  })

  it('opens the route of a deep link', () => {
    const decision = decideHandOff(
      [EXE, '--allow-file-access-from-files', `loupe://trace/${TRACE}`],
      '/home/ada',
    )
    expect(decision.handOff).toEqual({
      action: 'open-route',
      link: { kind: 'trace', traceId: TRACE, hash: `#/trace/${TRACE}` },
    })
    expect(decision.rejected).toEqual([])
  })

  it('imports an OTLP JSON file by relative path', () => {
    const decision = decideHandOff([EXE, 'exports/run.otlp.json'], '/home/ada')
    expect(decision.handOff).toEqual({
      action: 'import-file',
      path: '/home/ada/exports/run.otlp.json',
      kind: 'otlp-json',
    })
  })

  it('imports a cassette by absolute path', () => {
    const decision = decideHandOff([EXE, '/tmp/flaky-run.JSON'], '/home/ada')
    expect(decision.handOff).toEqual({
      action: 'import-file',
      path: '/tmp/flaky-run.JSON',
      kind: 'cassette',
    })
  })

  it('skips a rejected link for a later file', () => {
    const decision = decideHandOff([EXE, 'loupe://trace/nothex', 'a.otlp.json'], '/w')
    expect(decision.handOff).toEqual({
      action: 'import-file',
      path: '/w/a.otlp.json',
      kind: 'otlp-json',
    })
    expect(decision.rejected).toHaveLength(1)
    expect(decision.rejected[0]).toMatch(/^loupe:\/\/trace\/nothex: nothex .* is not a trace id/)
  })

  it('focuses when every link is rejected', () => {
    const decision = decideHandOff([EXE, 'loupe://delete/all'], '/w')
    expect(decision.handOff).toEqual({ action: 'focus' })
    expect(decision.rejected[0]).toMatch(/loupe:\/\/delete is not a known link/)
  })

  it('ignores options and other files', () => {
    const decision = decideHandOff([EXE, '--inspect=9229', '-v', 'notes.txt', 'app.asar'], '/w')
    expect(decision).toEqual({ handOff: { action: 'focus' }, rejected: [] })
  })

  it('takes the first actionable argument', () => {
    const decision = decideHandOff([EXE, 'b.json', `loupe://trace/${TRACE}`], '/w')
    expect(decision.handOff).toEqual({ action: 'import-file', path: '/w/b.json', kind: 'cassette' })
  })
})

describe('handOffForUrl', () => {
  it('opens a replay link', () => {
    const handOff = handOffForUrl('loupe://replay/run_0123456789abcdef')
    expect(handOff.action).toBe('open-route')
    if (handOff.action === 'open-route')
      expect(handOff.link.hash).toBe('#/replay/run_0123456789abcdef')
  })

  it('rejects a web URL', () => {
    const handOff = handOffForUrl('https://example.test/')
    expect(handOff.action).toBe('reject')
    if (handOff.action === 'reject') expect(handOff.reason).toMatch(/not a loupe:\/\/ link/)
  })
})

describe('importKindOf', () => {
  it('classifies by file name', () => {
    expect(importKindOf('x.otlp.json')).toBe('otlp-json')
    expect(importKindOf('X.OTLP.JSON')).toBe('otlp-json')
    expect(importKindOf('cassette.json')).toBe('cassette')
    expect(importKindOf('x.json.gz')).toBeNull()
    expect(importKindOf('x.otlp')).toBeNull()
  })
})
