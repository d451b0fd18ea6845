// Replay matching: fingerprints of requests and how a live request is
// compared with the recorded one.

import { describe, expect, it } from 'vitest'
import { canonicalResult, fingerprintOf } from '../../../src/core/replay/cassette'
import { differences } from '../../../src/core/replay/player'

const user = (text: string, toolResults: unknown[] = []) => ({
  role: 'user',
  texts: text === '' ? [] : [text],
  toolResults: toolResults as never[],
})
const tool = (result: unknown) => ({ role: 'tool', texts: [], toolResults: [result as never] })

describe('fingerprintOf', () => {
  it('reads the last user text and later tool results', () => {
    const print = fingerprintOf(
      [
        user('first'),
        { role: 'assistant', texts: ['ok'], toolResults: [] },
        user('Weather?'),
        tool('sunny'),
      ],
      ['b', 'a'],
    )
    expect(print).toEqual({ lastUserText: 'Weather?', toolResults: ['"sunny"'], tools: ['a', 'b'] })
  })

  it('keeps tool results sent in a user message without text', () => {
    const print = fingerprintOf([user('Weather?'), user('', [{ temp: 20 }])], null)
    expect(print.lastUserText).toBe('Weather?')
    expect(print.toolResults).toEqual(['{"temp":20}'])
    expect(print.tools).toBeNull()
  })
})

describe('canonicalResult', () => {
  it('equates JSON text with its value', () => {
    expect(canonicalResult('{"b":1,"a":2}')).toBe(canonicalResult({ a: 2, b: 1 }))
    expect(canonicalResult('plain text')).toBe('"plain text"')
  })
})

describe('differences', () => {
  const recorded = {
    lastUserText: 'Weather in Utrecht?',
    toolResults: ['"sunny"'],
    tools: ['a', 'b'],
  }

  it('finds none for an equal request', () => {
    expect(differences(recorded, { ...recorded })).toEqual([])
  })

  it('names a changed user message', () => {
    expect(differences(recorded, { ...recorded, lastUserText: 'Weather in Lisbon?' })).toEqual([
      'the last user message differs: recorded "Weather in Utrecht?", now "Weather in Lisbon?"',
    ])
  })

  it('names changed tool results and tools', () => {
    const found = differences(recorded, { ...recorded, toolResults: ['"rain"'], tools: ['a'] })
    expect(found).toEqual([
      'the tool results differ: recorded ["sunny"], now ["rain"]',
      'the offered tools differ: recorded [a, b], now [a]',
    ])
  })

  it('lets a redacted value match anything', () => {
    const redacted = { ...recorded, lastUserText: 'My key is [REDACTED:openai-api-key], right?' }
    expect(
      differences(redacted, { ...recorded, lastUserText: 'My key is sk-abc123, right?' }),
    ).toEqual([])
    expect(
      differences(redacted, { ...recorded, lastUserText: 'My key is sk-abc123.' }),
    ).toHaveLength(1)
  })

  it('matches any tools when none were recorded', () => {
    expect(differences({ ...recorded, tools: null }, { ...recorded, tools: ['z'] })).toEqual([])
  })
})
