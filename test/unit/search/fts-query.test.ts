// Search text as FTS5 queries, words folded like the unicode61 tokenizer,
// and snippets cut around the matched words.

import { describe, expect, it } from 'vitest'
import { ftsQuery, parseSearchTerms, tokenize } from '../../../src/core/search/fts-query'
import { buildSnippet } from '../../../src/core/search/snippet'
import type { SearchColumns } from '../../../src/core/search/text'

function columns(values: Partial<SearchColumns>): SearchColumns {
  return {
    name: '',
    messages: '',
    toolArguments: '',
    toolResult: '',
    error: '',
    log: '',
    ...values,
  }
}

describe('ftsQuery', () => {
  it.each([
    ['Utrecht', '"Utrecht"'],
    ['Utrecht, NL', '"Utrecht," "NL"'],
    ['"Utrecht, NL" sunny', '"Utrecht, NL" "sunny"'],
    ['forec*', '"forec"*'],
    ['NEAR(a b) OR c', '"NEAR(a" "b)" "OR" "c"'],
    ['say "hi', '"say" """hi"'],
    ['""  x - *', '"x"'],
  ])('%j', (text, query) => {
    expect(ftsQuery(parseSearchTerms(text))).toBe(query)
  })
})

describe('parseSearchTerms', () => {
  it('folds the words of each term', () => {
    expect(parseSearchTerms('"Zürich Café" get_fore*')).toEqual([
      { tokens: ['zurich', 'cafe'], prefix: false, text: 'Zürich Café' },
      { tokens: ['get', 'fore'], prefix: true, text: 'get_fore' },
    ])
  })
})

describe('tokenize', () => {
  it('splits and folds like unicode61 with remove_diacritics 2', () => {
    const text = 'Héllo e\u0301te\u0301 get_forecast 3.5 x² 東京タワー'
    expect(tokenize(text).map((token) => token.folded)).toEqual([
      'hello',
      'ete',
      'get',
      'forecast',
      '3',
      '5',
      'x²',
      '東京タワー',
    ])
    const first = tokenize(text)[0]!
    expect(text.slice(first.start, first.end)).toBe('Héllo')
  })
})

describe('buildSnippet', () => {
  it('marks a phrase as one match', () => {
    const snippet = buildSnippet(
      columns({ toolArguments: 'city Utrecht, NL' }),
      parseSearchTerms('"utrecht, nl"'),
    )
    expect(snippet).toEqual({
      field: 'toolArguments',
      parts: [
        { text: 'city ', match: false },
        { text: 'Utrecht, NL', match: true },
      ],
    })
  })

  it('picks the column with the most terms', () => {
    const snippet = buildSnippet(
      columns({
        name: 'chat gpt-4o',
        messages: 'water bed B3 in Utrecht',
        toolArguments: 'bed_id B3',
      }),
      parseSearchTerms('utrecht B3'),
    )
    expect(snippet?.field).toBe('messages')
    expect(snippet?.parts.filter((part) => part.match).map((part) => part.text)).toEqual([
      'B3',
      'Utrecht',
    ])
  })

  it('cuts long text around the first match', () => {
    const words = Array.from({ length: 60 }, (_, index) => `w${index}`)
    words[30] = 'needle'
    const snippet = buildSnippet(columns({ log: words.join('  \n') }), parseSearchTerms('needle'))
    expect(snippet?.field).toBe('log')
    expect(snippet?.parts).toEqual([
      { text: '… w26 w27 w28 w29 ', match: false },
      { text: 'needle', match: true },
      { text: ' w31 w32 w33 w34 w35 w36 w37 w38 w39 w40 w41 …', match: false },
    ])
  })

  it('matches prefixes and diacritics', () => {
    const snippet = buildSnippet(
      columns({ toolResult: 'Forecast for Zürich' }),
      parseSearchTerms('forec* zurich'),
    )
    expect(snippet?.parts).toEqual([
      { text: 'Forecast', match: true },
      { text: ' for ', match: false },
      { text: 'Zürich', match: true },
    ])
  })

  it('returns null when no column matches', () => {
    expect(buildSnippet(columns({ name: 'x' }), parseSearchTerms('y'))).toBeNull()
  })
})
