import { describe, expect, test } from 'vitest'
import type { JsonValue } from '../../../src/shared/api'
import {
  createAttributes,
  setAttribute,
  toOtlpJsonAnyValue,
  toOtlpJsonKeyValues,
} from '../../../src/core/otlp/attributes'

describe('toOtlpJsonKeyValues', () => {
  test('maps each JSON type to its OTLP/JSON AnyValue', () => {
    const values: Record<string, JsonValue> = {
      text: 'hello',
      flag: true,
      count: 42,
      negative: -7,
      ratio: 0.25,
      empty: null,
      list: ['a', 1, 1.5, null],
      map: { nested: { deeper: false } },
    }
    expect(toOtlpJsonKeyValues(values, null)).toEqual([
      { key: 'text', value: { stringValue: 'hello' } },
      { key: 'flag', value: { boolValue: true } },
      { key: 'count', value: { intValue: '42' } },
      { key: 'negative', value: { intValue: '-7' } },
      { key: 'ratio', value: { doubleValue: 0.25 } },
      { key: 'empty', value: {} },
      {
        key: 'list',
        value: {
          arrayValue: {
            values: [{ stringValue: 'a' }, { intValue: '1' }, { doubleValue: 1.5 }, {}],
          },
        },
      },
      {
        key: 'map',
        value: {
          kvlistValue: {
            values: [
              {
                key: 'nested',
                value: {
                  kvlistValue: { values: [{ key: 'deeper', value: { boolValue: false } }] },
                },
              },
            ],
          },
        },
      },
    ])
  })

  test('uses the stored OTLP type of lossy values', () => {
    const attributes = createAttributes()
    setAttribute(attributes, 'whole.double', 3, { doubleValue: 3 })
    setAttribute(attributes, 'big', '9007199254740993', { intValue: '9007199254740993' })
    setAttribute(attributes, 'blob', { bytes: 'AP8=' }, { bytesValue: 'AP8=' })
    setAttribute(attributes, 'plain', 'NaN', null)
    expect(toOtlpJsonKeyValues(attributes.values, attributes.otlpTypes)).toEqual([
      { key: 'whole.double', value: { doubleValue: 3 } },
      { key: 'big', value: { intValue: '9007199254740993' } },
      { key: 'blob', value: { bytesValue: 'AP8=' } },
      { key: 'plain', value: { stringValue: 'NaN' } },
    ])
  })

  test('keeps a __proto__ key as data', () => {
    const attributes = createAttributes()
    setAttribute(attributes, '__proto__', 'value', null)
    expect(toOtlpJsonKeyValues(attributes.values, attributes.otlpTypes)).toEqual([
      { key: '__proto__', value: { stringValue: 'value' } },
    ])
  })
})

describe('toOtlpJsonAnyValue', () => {
  test('prefers the stored OTLP value', () => {
    expect(toOtlpJsonAnyValue('Infinity', { doubleValue: 'Infinity' })).toEqual({
      doubleValue: 'Infinity',
    })
    expect(toOtlpJsonAnyValue('Infinity', null)).toEqual({ stringValue: 'Infinity' })
  })

  test('maps numbers by whether they are safe integers', () => {
    expect(toOtlpJsonAnyValue(9007199254740991, null)).toEqual({ intValue: '9007199254740991' })
    expect(toOtlpJsonAnyValue(1e300, null)).toEqual({ doubleValue: 1e300 })
    expect(toOtlpJsonAnyValue(-0.5, null)).toEqual({ doubleValue: -0.5 })
  })
})

describe('setAttribute', () => {
  test('creates otlpTypes only for lossy values', () => {
    const attributes = createAttributes()
    setAttribute(attributes, 'a', 1, null)
    expect(attributes.otlpTypes).toBeNull()
    setAttribute(attributes, 'b', 2, { doubleValue: 2 })
    expect(attributes.otlpTypes).not.toBeNull()
    expect(Object.getPrototypeOf(attributes.otlpTypes)).toBeNull()
    expect(attributes.otlpTypes!.b).toEqual({ doubleValue: 2 })
  })

  test('lets a later duplicate replace the value and its type', () => {
    const attributes = createAttributes()
    setAttribute(attributes, 'k', 2, { doubleValue: 2 })
    setAttribute(attributes, 'k', 'text', null)
    expect(attributes.values.k).toBe('text')
    expect('k' in attributes.otlpTypes!).toBe(false)
    setAttribute(attributes, 'k', 'NaN', { doubleValue: 'NaN' })
    expect(attributes.otlpTypes!.k).toEqual({ doubleValue: 'NaN' })
  })
})
