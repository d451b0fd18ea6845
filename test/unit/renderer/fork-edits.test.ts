import { describe, expect, it } from 'vitest'
import type { CassetteCallJson, ReplayJson, RunJson } from '../../../src/shared/api'
import {
  editedSpansText,
  editsForCalls,
  editSummary,
  parseReplyEdit,
  replyEditText,
  runLineage,
  sameJsonText,
  upsertEdit,
} from '../../../src/renderer/src/fork-edits'

const FIRST = '00f067aa0ba902b7'
const SECOND = '1a2b3c4d5e6f7081'

function call(spanId: string, change: Partial<CassetteCallJson> = {}): CassetteCallJson {
  return {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId,
    model: 'gpt-4o-mini',
    request: { lastUserText: 'What is the weather?', toolResults: [], tools: null },
    reply: {
      text: null,
      toolCalls: [{ id: 'call_1', name: 'get_forecast', arguments: { city: 'Atlantis' } }],
      finishReason: 'tool_calls',
      inputTokens: 30,
      outputTokens: 10,
    },
    error: null,
    ...change,
  }
}

const CALLS = [call(FIRST), call(SECOND)]

describe('replyEditText', () => {
  it('shows the recorded reply', () => {
    expect(JSON.parse(replyEditText(CALLS[0]!, undefined))).toEqual({
      text: null,
      toolCalls: [{ id: 'call_1', name: 'get_forecast', arguments: { city: 'Atlantis' } }],
    })
  })

  it('shows the current edit instead', () => {
    const text = replyEditText(CALLS[0]!, { spanId: FIRST, text: 'Sunny.' })
    expect(JSON.parse(text)).toEqual({ text: 'Sunny.' })
  })
})

describe('sameJsonText', () => {
  it('ignores spacing', () => {
    expect(sameJsonText('{"text": "a"}', '{\n  "text": "a"\n}')).toBe(true)
  })

  it('ignores key order', () => {
    expect(
      sameJsonText('{"a": 1, "b": [{"c": 2, "d": 3}]}', '{"b": [{"d": 3, "c": 2}], "a": 1}'),
    ).toBe(true)
  })

  it('compares values', () => {
    expect(sameJsonText('{"text": "a"}', '{"text": "b"}')).toBe(false)
  })

  it('treats invalid JSON as different', () => {
    expect(sameJsonText('{"text": ', '{"text": ')).toBe(false)
  })
})

describe('parseReplyEdit', () => {
  it('reads text and tool calls', () => {
    const text = JSON.stringify({
      text: null,
      toolCalls: [{ id: 'call_1', name: 'get_forecast', arguments: { city: 'Lisbon' } }],
    })
    expect(parseReplyEdit(FIRST, text)).toEqual({
      edit: {
        spanId: FIRST,
        text: null,
        toolCalls: [{ id: 'call_1', name: 'get_forecast', arguments: { city: 'Lisbon' } }],
      },
      error: null,
    })
  })

  it('defaults missing arguments to an empty object', () => {
    const parsed = parseReplyEdit(FIRST, '{"toolCalls": [{"name": "get_time"}]}')
    expect(parsed.edit?.toolCalls).toEqual([{ name: 'get_time', arguments: {} }])
  })

  it.each([
    ['not json', 'invalid JSON: '],
    ['[]', 'the reply must be a JSON object'],
    ['{}', 'an edit changes "text", "toolCalls" or both; this one has neither'],
    ['{"text": 3}', '"text" must be a string or null'],
    ['{"reply": "x"}', 'unknown key reply: a reply has only "text" and "toolCalls"'],
    ['{"toolCalls": {}}', '"toolCalls" must be an array'],
    ['{"toolCalls": [{"arguments": {}}]}', 'toolCalls[0].name must name the tool'],
    ['{"toolCalls": [{"name": "f", "id": 1}]}', 'toolCalls[0].id must be a string'],
    [
      '{"toolCalls": [{"name": "f", "args": {}}]}',
      'toolCalls[0] has the unknown key args; a tool call has "id", "name" and "arguments"',
    ],
  ])('rejects %s', (text, error) => {
    const parsed = parseReplyEdit(FIRST, text)
    expect(parsed.edit).toBeNull()
    expect(parsed.error).toContain(error)
  })
})

describe('upsertEdit', () => {
  it('replaces the edit of the same call and keeps cassette order', () => {
    const second = { spanId: SECOND, text: 'b' }
    const first = { spanId: FIRST, text: 'a' }
    const edits = upsertEdit(upsertEdit([], second, CALLS), first, CALLS)
    expect(edits.map((edit) => edit.spanId)).toEqual([FIRST, SECOND])
    const replaced = upsertEdit(edits, { spanId: SECOND, text: 'c' }, CALLS)
    expect(replaced).toEqual([first, { spanId: SECOND, text: 'c' }])
  })
})

describe('editsForCalls', () => {
  it('drops edits of calls the cassette lacks', () => {
    const edits = [
      { spanId: FIRST, text: 'a' },
      { spanId: 'ffffffffffffffff', text: 'b' },
    ]
    expect(editsForCalls(edits, CALLS)).toEqual([{ spanId: FIRST, text: 'a' }])
  })
})

describe('editSummary', () => {
  it('lists the new text and tool calls', () => {
    expect(
      editSummary({
        spanId: FIRST,
        text: 'Sunny.',
        toolCalls: [{ name: 'get_forecast', arguments: { city: 'Lisbon' } }],
      }),
    ).toBe('text "Sunny.", calls get_forecast({"city":"Lisbon"})')
    expect(editSummary({ spanId: FIRST, text: null, toolCalls: [] })).toBe('no text, no tool calls')
  })

  it('shortens a long summary', () => {
    const summary = editSummary({ spanId: FIRST, text: 'x'.repeat(500) })
    expect(summary).toHaveLength(120)
    expect(summary.endsWith('…')).toBe(true)
  })
})

const REPLAY: ReplayJson = {
  source: 'run_1f2e3d4c5b6a7980',
  sourceKind: 'gateway',
  recordedCalls: 2,
  served: 2,
  until: null,
  then: 'mock',
  divergence: null,
  editedSpanIds: [],
}

describe('runLineage', () => {
  const base = { replay: null } as RunJson

  it('is null for a run that replayed nothing', () => {
    expect(runLineage(base)).toBeNull()
  })

  it('calls a replay without edits a replay', () => {
    expect(runLineage({ ...base, replay: REPLAY })).toEqual({
      kind: 'replay',
      source: REPLAY.source,
      editedSpanIds: [],
    })
  })

  it('calls a replay with edits a fork', () => {
    const replay = { ...REPLAY, editedSpanIds: [FIRST] }
    expect(runLineage({ ...base, replay })).toEqual({
      kind: 'fork',
      source: REPLAY.source,
      editedSpanIds: [FIRST],
    })
  })
})

describe('editedSpansText', () => {
  it('names one or several spans', () => {
    expect(editedSpansText([FIRST])).toBe(`edited reply at span ${FIRST}`)
    expect(editedSpansText([FIRST, SECOND])).toBe(`edited replies at spans ${FIRST}, ${SECOND}`)
  })
})
