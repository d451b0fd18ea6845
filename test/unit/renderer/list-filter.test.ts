// The trace list's filters in the address bar: reading the query of a list
// hash, writing it back, and editing attribute conditions as lines.

import { describe, expect, it } from 'vitest'
import {
  attributesText,
  listHash,
  listQueryOf,
  moreFiltersCount,
  withAttributes,
  withParam,
} from '../../../src/renderer/src/list-filter'
import { parseRoute } from '../../../src/renderer/src/route'
import { parseTraceFilter } from '../../../src/shared/trace-filter'

describe('list hash', () => {
  it('reads the query of a list hash', () => {
    expect(listQueryOf('#/?errorClass=timeout&text=a+b')).toBe('errorClass=timeout&text=a+b')
    expect(listQueryOf('#?text=x')).toBe('text=x')
    expect(listQueryOf('#/')).toBe('')
    expect(listQueryOf('')).toBe('')
    expect(listQueryOf('#/trace/abc?text=x')).toBe('')
  })

  it('stays the list route', () => {
    const params = new URLSearchParams({ route: '/orders/{id}', text: 'a/b c' })
    expect(parseRoute(listHash(params))).toEqual({ page: 'list' })
  })

  it('round-trips parameters through the hash', () => {
    const params = new URLSearchParams()
    params.set('text', '"Utrecht, NL" & more')
    params.append('attr.user.id', '4=2')
    params.set('route', '/orders/{id}')
    const hash = listHash(params)
    expect(hash.startsWith('#/?')).toBe(true)
    const read = new URLSearchParams(listQueryOf(hash))
    expect([...read]).toEqual([...params])
    expect(parseTraceFilter(read).ok).toBe(true)
  })

  it('is #/ without parameters', () => {
    expect(listHash(new URLSearchParams())).toBe('#/')
  })
})

describe('withParam', () => {
  it('sets and removes one parameter', () => {
    const params = new URLSearchParams('text=a&status=ok')
    expect(withParam(params, 'text', 'b').toString()).toBe('text=b&status=ok')
    expect(withParam(params, 'text', '').toString()).toBe('status=ok')
    expect(params.toString()).toBe('text=a&status=ok')
  })
})

describe('attribute lines', () => {
  it('turn into attr parameters and back', () => {
    const params = withAttributes(
      new URLSearchParams('text=x'),
      'user.id=42\n\n tier = gold\nurl=a=b',
    )
    expect([...params]).toEqual([
      ['text', 'x'],
      ['attr.user.id', '42'],
      ['attr.tier', 'gold'],
      ['attr.url', 'a=b'],
    ])
    expect(attributesText(params)).toBe('user.id=42\ntier=gold\nurl=a=b')
  })

  it('report a line without a value', () => {
    for (const line of ['broken line', 'broken line=']) {
      const params = withAttributes(new URLSearchParams(), line)
      expect([...params], line).toEqual([['attr.broken line', '']])
      const parsed = parseTraceFilter(params)
      expect(parsed.ok, line).toBe(false)
      if (parsed.ok) continue
      expect(parsed.problems[0]!.parameter).toBe('attr.broken line')
      expect(parsed.problems[0]!.message).toMatch(/^missing value for attr\.broken line: /)
    }
  })

  it('replace the earlier ones', () => {
    const params = withAttributes(new URLSearchParams('attr.a=1&attr.b=2'), 'c=3')
    expect(params.toString()).toBe('attr.c=3')
  })
})

describe('moreFiltersCount', () => {
  it('counts the fields behind More filters', () => {
    expect(moreFiltersCount(new URLSearchParams('since=1h&errorClass=any&text=x'))).toBe(0)
    expect(moreFiltersCount(new URLSearchParams('service=a&attr.k=v&attr.j=w&text=x'))).toBe(3)
  })
})
