// The per-value cap on decoded batches: where a cut falls in UTF-8, how
// non-string values are cut, and how cuts are counted on spans, log records
// and shared resources.

import { describe, expect, test } from 'vitest'
import { createAttributes, setAttribute } from '../../../src/core/otlp/attributes'
import { decodeTracesJson } from '../../../src/core/otlp/decode-json'
import {
  TRUNCATED_VALUES_ATTRIBUTE,
  truncateUtf8,
  truncationMarker,
  ValueTruncator,
} from '../../../src/core/otlp/truncate'

const CAP = 1024

function bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8')
}

/** Splits a cut value into the kept text and the numbers its marker gives. */
function parseCut(text: string): { kept: string; keptBytes: number; originalBytes: number } {
  const match = /…\[truncated by Loupe: (\d+) of (\d+) bytes\]$/.exec(text)
  if (!match) throw new Error(`no marker at the end of ${JSON.stringify(text.slice(-60))}`)
  return {
    kept: text.slice(0, match.index),
    keptBytes: Number(match[1]),
    originalBytes: Number(match[2]),
  }
}

describe('truncateUtf8', () => {
  test.each([
    ['ASCII', 'a'],
    ['2-byte characters', 'é'],
    ['3-byte characters', '€'],
    ['4-byte characters', '🙂'],
    ['mixed widths', 'aé€🙂'],
  ])('cuts %s at a character boundary', (_, unit) => {
    for (let extra = 1; extra <= 8; extra++) {
      const text = unit.repeat(Math.ceil((CAP + extra) / bytes(unit)))
      const cut = truncateUtf8(text, CAP)!
      const { kept, keptBytes, originalBytes } = parseCut(cut)
      expect(bytes(cut)).toBeLessThanOrEqual(CAP)
      expect(keptBytes).toBe(bytes(kept))
      expect(originalBytes).toBe(bytes(text))
      expect(text.startsWith(kept)).toBe(true)
      expect(kept.includes('\ufffd')).toBe(false)
      // At most one character of room is lost to the boundary.
      expect(CAP - bytes(cut)).toBeLessThan(4)
    }
  })

  test('keeps text at the cap whole', () => {
    expect(truncateUtf8('a'.repeat(CAP), CAP)).toBeNull()
    expect(truncateUtf8('é'.repeat(CAP / 2), CAP)).toBeNull()
  })

  test('counts a lone surrogate as the 3 bytes it is encoded with', () => {
    const text = '\ud800'.repeat(CAP)
    const { originalBytes } = parseCut(truncateUtf8(text, CAP)!)
    expect(originalBytes).toBe(3 * CAP)
  })

  test('writes the marker with both sizes', () => {
    expect(truncationMarker(10, 20)).toBe('…[truncated by Loupe: 10 of 20 bytes]')
  })
})

describe('ValueTruncator', () => {
  test('rejects a cap below 1024 bytes', () => {
    expect(() => new ValueTruncator(1000)).toThrow(RangeError)
  })

  test('stores an oversized bytes value as its cut JSON text', () => {
    const attributes = createAttributes()
    const base64 = Buffer.alloc(2 * CAP, 7).toString('base64')
    setAttribute(attributes, 'payload', { bytes: base64 }, { bytesValue: base64 })
    setAttribute(attributes, 'small', { bytes: 'AAE=' }, { bytesValue: 'AAE=' })
    expect(new ValueTruncator(CAP).truncateAttributes(attributes)).toBe(1)
    const { kept } = parseCut(attributes.values.payload as string)
    expect(kept.startsWith(`{"bytes":"${base64.slice(0, 20)}`)).toBe(true)
    // The cut value is a string now, so its bytes type is gone; the small one keeps it.
    expect(Object.keys(attributes.otlpTypes!)).toEqual(['small'])
  })

  test('counts cuts per span and once per shared resource', () => {
    const long = 'x'.repeat(2 * CAP)
    const span = (spanId: string, attributes: object[]) => ({
      traceId: 'ab'.repeat(16),
      spanId,
      name: 'chat',
      startTimeUnixNano: '1',
      endTimeUnixNano: '2',
      attributes,
      events: [
        {
          name: 'e',
          timeUnixNano: '1',
          attributes: [{ key: 'detail', value: { stringValue: long } }],
        },
      ],
    })
    const resource = { attributes: [{ key: 'host.description', value: { stringValue: long } }] }
    const traces = decodeTracesJson(
      JSON.stringify({
        resourceSpans: [
          {
            resource,
            scopeSpans: [
              {
                spans: [
                  span('01'.repeat(8), [
                    { key: 'prompt', value: { stringValue: long } },
                    { key: TRUNCATED_VALUES_ATTRIBUTE, value: { intValue: '3' } },
                  ]),
                  span('02'.repeat(8), []),
                ],
              },
            ],
          },
        ],
      }),
    )
    const total = new ValueTruncator(CAP).truncateTraces(traces)
    const spans = traces.groups.flatMap((group) => group.spans)
    // An earlier count (a trace exported from Loupe and imported again) is added to.
    expect(spans[0]!.attributes.values[TRUNCATED_VALUES_ATTRIBUTE]).toBe(5)
    expect(spans[1]!.attributes.values[TRUNCATED_VALUES_ATTRIBUTE]).toBe(1)
    expect(traces.groups[0]!.resource.attributes.values[TRUNCATED_VALUES_ATTRIBUTE]).toBe(1)
    expect(total).toBe(4)
  })
})
