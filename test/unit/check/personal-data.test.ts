// Personal-data patterns of the readiness check: what counts as an e-mail
// address, a phone number or a card number, what does not (reserved domains,
// timestamps, ids, numbers that fail the Luhn check), and that every match
// comes back masked.

import { describe, expect, test } from 'vitest'
import { findPersonalData, passesLuhn } from '../../../src/core/check/personal-data'

describe('passesLuhn', () => {
  test.each([
    ['4111111111111111', true],
    ['5555555555554444', true],
    ['378282246310005', true],
    ['4111111111111112', false],
    ['1234567812345678', false],
  ])('%s is %s', (digits, expected) => {
    expect(passesLuhn(digits)).toBe(expected)
  })
})

describe('findPersonalData', () => {
  test('finds and masks an e-mail address', () => {
    const found = findPersonalData('write to jane.doe@acme.internal today')
    expect(found).toEqual([{ kind: 'e-mail address', masked: 'j***@acme.internal' }])
  })

  test('skips addresses at reserved documentation domains', () => {
    expect(findPersonalData('jane@example.com, bob@mail.example.org, x@host.test')).toEqual([])
  })

  test('skips package versions and image digests that contain @', () => {
    expect(findPersonalData('pydantic-ai-slim@2.68.0 and python@sha256:abc123')).toEqual([])
  })

  test('finds and masks an international phone number', () => {
    const found = findPersonalData('call +31 6 1234 5678 after five')
    expect(found).toEqual([{ kind: 'phone number', masked: '+** * **** **78' }])
  })

  test('finds a North American phone number', () => {
    const found = findPersonalData('office: (415) 555-0132')
    expect(found).toEqual([{ kind: 'phone number', masked: '(***) ***-**32' }])
  })

  test('skips offsets, short codes and plain numbers', () => {
    expect(findPersonalData('tz +02:00, code +1 234, port 43517, count 1234567890')).toEqual([])
  })

  test('finds and masks a Luhn-valid card number', () => {
    const found = findPersonalData('card 4111 1111 1111 1111 exp 12/30')
    expect(found).toEqual([{ kind: 'card number', masked: '**** **** **** 1111' }])
  })

  test('skips a card-shaped number that fails the Luhn check', () => {
    expect(findPersonalData('card 4111 1111 1111 1112')).toEqual([])
  })

  test('skips nanosecond timestamps and hex ids', () => {
    // 1764881234000000000 starts with no card issuer's prefix, whether or not it passes Luhn.
    const text =
      'start 1764881234000000000 trace 01a24311b77b3a85df31ef2aaca9f5da span 4111111111111111a'
    expect(findPersonalData(text)).toEqual([])
  })

  test('returns one match per occurrence', () => {
    const found = findPersonalData('a.b@corp.internal and c.d@corp.internal')
    expect(found.map((match) => match.masked)).toEqual(['a***@corp.internal', 'c***@corp.internal'])
  })
})
