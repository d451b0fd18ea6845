// Decodes the request bodies of the OTLP cases in test/fixtures/cases (see
// manifest.json there) and checks the values a user would see.

import { gunzipSync, inflateSync } from 'node:zlib'
import { describe, expect, test } from 'vitest'
import { decodeTracesJson } from '../../../src/core/otlp/decode-json'
import { decodeTracesProto } from '../../../src/core/otlp/decode-proto'
import type { DecodedSpan, DecodedTraces } from '../../../src/core/otlp/model'
import { readCase } from './helpers'

function jsonCase(file: string): DecodedTraces {
  return decodeTracesJson(readCase(file).toString('utf8'))
}

function allSpans(decoded: DecodedTraces): DecodedSpan[] {
  return decoded.groups.flatMap((group) => group.spans)
}

function spanNamed(decoded: DecodedTraces, name: string): DecodedSpan {
  const span = allSpans(decoded).find((candidate) => candidate.name === name)
  if (span === undefined) throw new Error(`no span named ${name}`)
  return span
}

describe('c01 id encodings', () => {
  test('base64 ids decode to hex with the tree intact', () => {
    const decoded = jsonCase('c01-base64-ids.json')
    expect(decoded.rejectedSpans).toBe(0)
    expect(decoded.errors).toEqual([])
    const spans = allSpans(decoded)
    expect(spans.map((span) => span.traceId)).toEqual(
      Array(3).fill('7d3a1f0c9b2e4d5a8c6f1e2d3b4a5c6d'),
    )
    expect(spans.map((span) => [span.name, span.spanId, span.parentSpanId])).toEqual([
      ['sync ledger batch', 'a1b2c3d4e5f60718', null],
      ['fetch remote entries', '0f1e2d3c4b5a6978', 'a1b2c3d4e5f60718'],
      ['decode entries', '5c7e9a0b1d3f2e4c', '0f1e2d3c4b5a6978'],
    ])
    expect(spanNamed(decoded, 'sync ledger batch').attributes.values['ledger.batch.size']).toBe(48)
  })

  test('upper-case hex ids are lower-cased', () => {
    const decoded = jsonCase('c01-uppercase-hex.json')
    const spans = allSpans(decoded)
    expect(spans.map((span) => span.traceId)).toEqual(
      Array(2).fill('e4b7c2a19f0d3e5b6a7c8d9e0f1a2b3c'),
    )
    expect(spanNamed(decoded, 'compare balances').spanId).toBe('1f2e3d4c5b6a7988')
    expect(spanNamed(decoded, 'compare balances').parentSpanId).toBe('9ab8c7d6e5f40312')
    expect(spanNamed(decoded, 'reconcile accounts').spanId).toBe('9ab8c7d6e5f40312')
  })
})

describe('c03 enum forms', () => {
  test('kinds and statuses map without an off-by-one', () => {
    const decoded = jsonCase('c03-enum-forms.json')
    expect(decoded.rejectedSpans).toBe(0)
    const summary = allSpans(decoded).map((span) => [
      span.name,
      span.kind,
      span.statusCode,
      span.statusMessage,
    ])
    expect(summary).toEqual([
      ['POST /routes', 2, 2, 'route table locked'],
      ['GET geo-service /zones', 3, 1, ''],
      ['publish route.updated', 4, 2, 'broker unavailable'],
      ['consume zone.changed', 5, 0, ''],
      ['score candidates', 0, 0, ''],
      ['persist route', 9, 0, ''],
    ])
  })
})

describe('c07 compressed bodies', () => {
  test('gzip protobuf matches its readable JSON', () => {
    const decoded = decodeTracesProto(gunzipSync(readCase('c07-trace-b.pb.gz')))
    expect(decoded).toEqual(jsonCase('c07-trace-b.json'))
    const span = spanNamed(decoded, 'price quotes')
    expect(span.traceId).toBe('07b1b1b1c2c2c2c2d3d3d3d3e4e4e4e4')
    expect(span.endTimeUnixNano - span.startTimeUnixNano).toBe(250_000_000n)
  })

  test('zlib protobuf matches its readable JSON', () => {
    const decoded = decodeTracesProto(inflateSync(readCase('c07-trace-d.pb.zlib')))
    expect(decoded).toEqual(jsonCase('c07-trace-d.json'))
    expect(spanNamed(decoded, 'compact archive').traceId).toBe('07d1d1d1e2e2e2e2f3f3f3f3a4a4a4a4')
  })

  test('gzip JSON in two members decodes all three spans', () => {
    const decoded = decodeTracesJson(
      gunzipSync(readCase('c07-trace-c.two-members.json.gz')).toString('utf8'),
    )
    expect(
      allSpans(decoded)
        .map((span) => span.name)
        .sort(),
    ).toEqual(['move stock north', 'move stock south', 'nightly rebalance'])
  })
})

describe('c11 oversized attributes', () => {
  test('keeps the 5 MiB tool result and the 1 MiB event attribute whole', () => {
    const decoded = jsonCase('c11-big-attributes.json')
    const tool = spanNamed(decoded, 'execute_tool fetch_all_pages')
    expect((tool.attributes.values['gen_ai.tool.call.result'] as string).length).toBe(5_242_880)
    const event = tool.events.find((candidate) => candidate.name === 'crawler.checkpoint')!
    expect((event.attributes.values['crawler.snapshot'] as string).length).toBe(1_048_576)
    expect(tool.attributes.values['gen_ai.tool.call.arguments']).toBe('{"max_pages": 99999}')
    expect(allSpans(decoded)).toHaveLength(3)
  })
})

describe('c13 5000 spans in protobuf', () => {
  test('decodes every span under the root', () => {
    const decoded = decodeTracesProto(readCase('c13-5000-spans.pb'))
    const spans = allSpans(decoded)
    expect(spans).toHaveLength(5000)
    expect(decoded.rejectedSpans).toBe(0)
    const roots = spans.filter((span) => span.parentSpanId === null)
    expect(roots.map((span) => span.name)).toEqual(['invoke_agent research_swarm'])
    expect(roots[0]!.endTimeUnixNano - roots[0]!.startTimeUnixNano).toBe(501_800_000_000n)
    const counts = new Map<string, number>()
    for (const span of spans) counts.set(span.name, (counts.get(span.name) ?? 0) + 1)
    expect(counts.get('chat gpt-4o-mini')).toBe(834)
    for (const tool of ['search_web', 'open_page', 'extract_facts', 'score_source', 'save_note']) {
      expect(counts.get(`execute_tool ${tool}`)).toBe(833)
    }
    expect(spans.every((span) => span.traceId === '13bead5000000000000000000000000a')).toBe(true)
    const ids = new Set(spans.map((span) => span.spanId))
    expect(
      spans.filter((span) => span.parentSpanId !== null && !ids.has(span.parentSpanId)),
    ).toEqual([])
  })

  test('keeps tool arguments and the final marker', () => {
    const spans = allSpans(decodeTracesProto(readCase('c13-5000-spans.pb')))
    const tool = spans.find(
      (span) => span.attributes.values['gen_ai.tool.call.id'] === 'call_832_4',
    )!
    expect(JSON.parse(tool.attributes.values['gen_ai.tool.call.arguments'] as string)).toEqual({
      step: 832,
      slot: 4,
    })
    const final = spans.find(
      (span) => span.attributes.values['loupe.case.marker'] === 'final summary',
    )!
    expect(final.name).toBe('chat gpt-4o-mini')
    expect(final.endTimeUnixNano).toBe(1772406501700000000n)
  })
})

describe('c27 invalid UTF-8', () => {
  function checkReplacement(decoded: DecodedTraces): void {
    expect(decoded.rejectedSpans).toBe(0)
    expect(allSpans(decoded).map((span) => span.name)).toEqual([
      'screen applications',
      'chat gpt-4o-mini',
      'r\ufffdsum\ufffd upload',
    ])
    const chat = spanNamed(decoded, 'chat gpt-4o-mini')
    expect(chat.attributes.values['llm.prompt.preview']).toBe('preview: caf\ufffd')
    // One U+FFFD for the cut three-byte euro sign.
    expect(chat.attributes.values['cv.salary.note']).toBe('price 12 \ufffd')
    expect(chat.attributes.values['gen_ai.usage.input_tokens']).toBe(700)
    expect(chat.attributes.values['gen_ai.usage.output_tokens']).toBe(35)
    expect(chat.parentSpanId).toBe('27a0000000000001')
  }

  test('protobuf strings get U+FFFD', () => {
    checkReplacement(decodeTracesProto(readCase('c27-invalid-utf8.pb')))
  })

  test('JSON bytes decoded as UTF-8 give the same spans', () => {
    const text = new TextDecoder('utf-8').decode(readCase('c27-invalid-utf8-json.bin'))
    const decoded = decodeTracesJson(text)
    checkReplacement(decoded)
    expect(decoded).toEqual(decodeTracesProto(readCase('c27-invalid-utf8.pb')))
  })
})

describe('c41 partial success', () => {
  test('rejects the 3 spans with invalid ids and names why', () => {
    const decoded = jsonCase('c41-invalid-ids.json')
    expect(allSpans(decoded).map((span) => [span.name, span.parentSpanId])).toEqual([
      ['valid root', null],
      ['valid child', '41a0000000000001'],
    ])
    expect(decoded.rejectedSpans).toBe(3)
    expect(decoded.errors).toEqual([
      'span "all-zero trace id": trace_id is all zeros',
      'span "six-byte span id": span_id has 6 bytes, expected 8',
      'span "empty span id": span_id is empty, expected 8 bytes',
    ])
  })
})

describe('GenAI protobuf bodies match their readable JSON', () => {
  const pairs: [string, () => Buffer, string, string, number][] = [
    [
      'c28',
      () => readCase('c28-pydantic-v2-run.pb'),
      'c28-pydantic-v2-run.json',
      '28a9d0e5a9d0e5a9d0e5a9d0e5a9d0e5',
      5,
    ],
    [
      'c30',
      () => gunzipSync(readCase('c30-usage-limit-exceeded.pb.gz')),
      'c30-usage-limit-exceeded.json',
      '30c4a5e1c4a5e1c4a5e1c4a5e1c4a5e1',
      7,
    ],
    [
      'c33',
      () => readCase('c33-cache-accounting.pb'),
      'c33-cache-accounting.json',
      '33a0cace33a0cace33a0cace33a0cace',
      3,
    ],
    [
      'c43',
      () => readCase('c43-model-retry-then-success.pb'),
      'c43-model-retry-then-success.json',
      '43a1e7a143a1e7a143a1e7a143a1e7a1',
      9,
    ],
  ]
  for (const [id, protobufBody, jsonFile, traceId, spanCount] of pairs) {
    test(`${id} decodes identically from both encodings`, () => {
      const fromProtobuf = decodeTracesProto(protobufBody())
      expect(fromProtobuf).toEqual(jsonCase(jsonFile))
      expect(fromProtobuf.rejectedSpans).toBe(0)
      const spans = allSpans(fromProtobuf).filter((span) => span.traceId === traceId)
      expect(spans).toHaveLength(spanCount)
    })
  }

  test('c28 keeps the root last and the usage values', () => {
    const decoded = decodeTracesProto(readCase('c28-pydantic-v2-run.pb'))
    const spans = allSpans(decoded)
    expect(spans.at(-1)!.name).toBe('agent run')
    expect(spans.at(-1)!.parentSpanId).toBeNull()
    const chats = spans.filter((span) => span.name === 'chat gpt-4o')
    expect(chats.map((span) => span.attributes.values['gen_ai.usage.input_tokens'])).toEqual([
      812, 1180,
    ])
    expect(decoded.groups[0]!.scope.name).toBe('pydantic-ai')
    expect(decoded.groups[0]!.scope.version).toBe('1.40.0')
    expect(decoded.groups[0]!.resource.attributes.values['service.name']).toBe('garden-advisor')
  })

  test('c30 keeps the error on the root span', () => {
    const decoded = decodeTracesProto(gunzipSync(readCase('c30-usage-limit-exceeded.pb.gz')))
    const root = spanNamed(decoded, 'invoke_agent research_digest')
    expect(root.statusCode).toBe(2)
    const exception = root.events.find((event) => event.name === 'exception')!
    expect(exception.attributes.values['exception.type']).toBe(
      'pydantic_ai.exceptions.UsageLimitExceeded',
    )
    expect(root.endTimeUnixNano - root.startTimeUnixNano).toBe(7_300_000_000n)
  })
})

describe('c22 links', () => {
  test('keeps link targets, attributes and dropped counts', () => {
    const decoded = jsonCase('c22-links.json')
    const message = spanNamed(decoded, 'process message 1')
    expect(message.links).toHaveLength(1)
    expect(message.links[0]!.traceState).toBe('vendor=abc')
    expect(message.links[0]!.attributes.values['messaging.message.id']).toBe('msg-0002')
    const report = spanNamed(decoded, 'aggregate report')
    expect(report.links.map((link) => [link.traceId, link.spanId])).toEqual([
      ['22a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0', '22a0000000000001'],
      ['22ffffffffffffffffffffffffffff22', '22ff000000000001'],
    ])
    expect(report.droppedLinksCount).toBe(3)
  })
})

describe('c36 AI SDK JSON with numeric intValues', () => {
  test('reads intValue JSON numbers as integers', () => {
    const decoded = jsonCase('c36-ai-sdk-generate-text.json')
    const spans = allSpans(decoded)
    expect(spans.map((span) => span.name)).toEqual([
      'ai.generateText',
      'ai.generateText.doGenerate',
      'ai.toolCall',
      'ai.generateText.doGenerate',
    ])
    const root = spans[0]!
    expect(root.attributes.values['ai.usage.inputTokens']).toBe(6570)
    expect(root.attributes.values['ai.usage.cachedInputTokens']).toBe(3000)
    expect(root.attributes.otlpTypes).toBeNull()
    expect(decoded.groups[0]!.scope.name).toBe('ai')
  })
})

describe('c17 and c18 parentage', () => {
  test('c17 children arrive before their root', () => {
    const children = jsonCase('c17-batch1-children.json')
    expect(allSpans(children)).toHaveLength(4)
    expect(allSpans(children).every((span) => span.parentSpanId !== null)).toBe(true)
    const root = jsonCase('c17-batch2-root.json')
    expect(allSpans(root).map((span) => [span.name, span.spanId, span.parentSpanId])).toEqual([
      ['invoke_agent support_agent', '17a0000000000001', null],
    ])
    expect(allSpans(root)[0]!.startTimeUnixNano).toBe(1772420400000000000n)
  })

  test('c18 keeps self-parented and cyclic spans', () => {
    const decoded = jsonCase('c18-parent-cycles.json')
    expect(allSpans(decoded)).toHaveLength(10)
    const self = spanNamed(decoded, 'self-parented job')
    expect(self.parentSpanId).toBe(self.spanId)
  })
})
