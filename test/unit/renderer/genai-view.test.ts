import { nestingDepth, parseEmbeddedJson } from '../../../src/renderer/src/format'
import { describe, expect, it } from 'vitest'
import type { TreeSpan } from '../../../src/shared/api'
import type { Message } from '../../../src/shared/genai'
import {
  formatBytes,
  formatCacheTokens,
  formatTokens,
  formatUsd,
  shortenFrame,
} from '../../../src/renderer/src/format'
import { pairToolCalls, partKey } from '../../../src/renderer/src/genai/conversation'
import { costText } from '../../../src/renderer/src/genai/figures'
import {
  codeLocation,
  isLogSpan,
  levelName,
  scrubbedReason,
} from '../../../src/renderer/src/genai/logfire'
import { rowLabel } from '../../../src/renderer/src/genai/row-label'
import { parseForm } from '../../../src/renderer/src/price-form'

function treeSpan(overrides: Partial<TreeSpan>): TreeSpan {
  return {
    spanId: 'a1',
    parentSpanId: null,
    name: 'span',
    spanKind: 'internal',
    spanKindCode: 1,
    startOffsetMs: 0,
    durationMs: 10,
    zeroTime: false,
    status: 'unset',
    serviceName: null,
    inProgress: false,
    eventCount: 0,
    kind: 'other',
    title: 'span',
    model: null,
    toolName: null,
    inputTokens: null,
    outputTokens: null,
    costUsd: null,
    errorClass: 'none',
    retried: false,
    level: null,
    spanType: null,
    toolCallId: null,
    ...overrides,
  }
}

function message(role: string, parts: Message['parts']): Message {
  return { role, parts, finishReason: null }
}

describe('pairToolCalls', () => {
  it('pairs results by call id', () => {
    const input = [
      message('assistant', [
        { type: 'tool_call', id: 'call_a', name: 'get_forecast', arguments: { city: 'Utrecht' } },
        { type: 'tool_call', id: 'call_b', name: 'soil_moisture', arguments: { bed_id: 'B3' } },
      ]),
      message('user', [
        { type: 'tool_result', id: 'call_b', name: 'soil_moisture', result: '31%', isError: false },
        { type: 'tool_result', id: 'call_a', name: 'get_forecast', result: {}, isError: false },
      ]),
    ]
    const pairing = pairToolCalls(input, null)
    expect(pairing.callOf.get(partKey('input', 1, 0))?.key).toBe(partKey('input', 0, 1))
    expect(pairing.callOf.get(partKey('input', 1, 1))?.key).toBe(partKey('input', 0, 0))
    expect(pairing.resultOf.get(partKey('input', 0, 0))?.key).toBe(partKey('input', 1, 1))
    expect(pairing.resultOf.get(partKey('input', 0, 1))?.id).toBe('call_b')
  })

  it('pairs results without id by name, in order', () => {
    const input = [
      message('assistant', [
        { type: 'tool_call', id: null, name: 'search', arguments: { q: 'one' } },
        { type: 'tool_call', id: null, name: 'search', arguments: { q: 'two' } },
      ]),
      message('tool', [
        { type: 'tool_result', id: null, name: 'search', result: 1, isError: false },
        { type: 'tool_result', id: null, name: 'search', result: 2, isError: false },
      ]),
    ]
    const pairing = pairToolCalls(input, null)
    expect(pairing.callOf.get(partKey('input', 1, 0))?.key).toBe(partKey('input', 0, 0))
    expect(pairing.callOf.get(partKey('input', 1, 1))?.key).toBe(partKey('input', 0, 1))
  })

  it('leaves a result of a missing call unpaired', () => {
    const input = [
      message('tool', [
        { type: 'tool_result', id: 'call_gone', name: 'lookup', result: 'x', isError: true },
      ]),
    ]
    const pairing = pairToolCalls(input, null)
    expect(pairing.callOf.size).toBe(0)
    expect(pairing.resultOf.size).toBe(0)
  })

  it('leaves an output call without result unpaired', () => {
    const input = [message('user', [{ type: 'text', content: 'hi' }])]
    const output = [
      message('assistant', [{ type: 'tool_call', id: 'call_1', name: 'lookup', arguments: {} }]),
    ]
    const pairing = pairToolCalls(input, output)
    expect(pairing.resultOf.has(partKey('output', 0, 0))).toBe(false)
  })

  it('does not pair an id with another call of the same name', () => {
    const input = [
      message('assistant', [{ type: 'tool_call', id: 'call_1', name: 'lookup', arguments: {} }]),
      message('tool', [
        { type: 'tool_result', id: 'call_2', name: 'lookup', result: 'x', isError: false },
      ]),
    ]
    expect(pairToolCalls(input, null).callOf.size).toBe(0)
  })
})

describe('formatUsd', () => {
  it.each([
    [0.00539, '$0.00539'],
    [0.0005009999999999999, '$0.000501'],
    [0.018285000000000003, '$0.0183'],
    [0.000093, '$0.000093'],
    [0.012975, '$0.013'],
    [0.5, '$0.50'],
    [0.9996, '$1.00'],
    [12.345, '$12.35'],
    [0, '$0.00'],
    [1e-9, '<$0.000001'],
  ])('formats %f as %s', (usd, text) => {
    expect(formatUsd(usd)).toBe(text)
  })
})

describe('token and size formatting', () => {
  it('shows cache reads as cached', () => {
    const tokens = {
      inputTokens: 1992,
      outputTokens: 137,
      cacheReadTokens: 768,
      cacheWriteTokens: 0,
    }
    expect(formatTokens(tokens)).toBe('1,992 in / 137 out / 768 cached')
  })

  it('leaves out zero cache buckets', () => {
    const tokens = { inputTokens: 700, outputTokens: 35, cacheReadTokens: 0, cacheWriteTokens: 0 }
    expect(formatTokens(tokens)).toBe('700 in / 35 out')
    expect(formatCacheTokens(tokens)).toBe('')
  })

  it('shows cache writes', () => {
    const tokens = {
      inputTokens: 6570,
      outputTokens: 295,
      cacheReadTokens: 3000,
      cacheWriteTokens: 3000,
    }
    expect(formatCacheTokens(tokens)).toBe('3,000 cached / 3,000 cache write')
  })

  it('formats byte sizes', () => {
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(12_595)).toBe('12 KiB')
    expect(formatBytes(5 * 1024 * 1024)).toBe('5 MiB')
    expect(formatBytes(1536)).toBe('1.5 KiB')
  })
})

describe('shortenFrame', () => {
  it.each([
    [
      '/venv/lib/python3.12/site-packages/pydantic_ai/usage.py:496 in check_before_request',
      'usage.py:496 in check_before_request',
    ],
    ['C:\\work\\agent.py:12 in run', 'agent.py:12 in run'],
    ['agent.py:3 in <lambda>/x', 'agent.py:3 in <lambda>/x'],
    ['<string> in main', '<string> in main'],
  ])('shortens %s', (frame, short) => {
    expect(shortenFrame(frame)).toBe(short)
  })
})

describe('costText', () => {
  it('says unpriced, never $0', () => {
    expect(costText(null, 2)).toBe('unpriced')
  })

  it('shows a dash with nothing to price', () => {
    expect(costText(null, 0)).toBe('—')
  })

  it('counts unpriced calls beside a sum', () => {
    expect(costText(0.00539, 1)).toBe('$0.00539 + 1 unpriced call')
  })
})

describe('Logfire helpers', () => {
  it('names levels by range', () => {
    expect(levelName(1)).toBe('trace')
    expect(levelName(5)).toBe('debug')
    expect(levelName(9)).toBe('info')
    expect(levelName(10)).toBe('notice')
    expect(levelName(14)).toBe('warn')
    expect(levelName(17)).toBe('error')
    expect(levelName(21)).toBe('fatal')
  })

  it('reads the scrubbing reason', () => {
    expect(scrubbedReason("[Scrubbed due to 'password']")).toBe("'password'")
    expect(scrubbedReason('password')).toBeNull()
    expect(scrubbedReason(42)).toBeNull()
  })

  it('treats Logfire log spans as log lines', () => {
    expect(isLogSpan(treeSpan({ spanType: 'log', level: 9, durationMs: 0 }))).toBe(true)
    expect(isLogSpan(treeSpan({ spanType: 'span', level: 9, durationMs: 0 }))).toBe(false)
    expect(isLogSpan(treeSpan({ spanType: null, level: null, durationMs: 0 }))).toBe(false)
  })

  it('links an absolute path to VS Code', () => {
    const location = codeLocation({ 'code.filepath': '/srv/app/agent.py', 'code.lineno': 42 }, {})
    expect(location?.href).toBe('vscode://file/srv/app/agent.py:42')
    expect(location?.path).toBe('/srv/app/agent.py')
  })

  it('joins a relative path to the root path', () => {
    const location = codeLocation(
      { 'code.filepath': 'agents/chat.py', 'code.lineno': 7 },
      { 'logfire.code.root_path': '/home/me/project' },
    )
    expect(location?.path).toBe('/home/me/project/agents/chat.py')
    expect(location?.href).toBe('vscode://file/home/me/project/agents/chat.py:7')
  })

  it('keeps a relative path without root path', () => {
    const location = codeLocation({ 'code.filepath': 'agent.py', 'code.lineno': '3' }, {})
    expect(location?.href).toBe('vscode://file/agent.py:3')
  })

  it('links a Windows path with slashes', () => {
    const location = codeLocation(
      { 'code.filepath': 'C:\\work\\my agent.py', 'code.lineno': 5 },
      {},
    )
    expect(location?.href).toBe('vscode://file/C:/work/my%20agent.py:5')
  })

  it('needs both file path and line', () => {
    expect(codeLocation({ 'code.filepath': 'agent.py' }, {})).toBeNull()
    expect(codeLocation({ 'code.lineno': 3 }, {})).toBeNull()
    expect(codeLocation({ 'code.filepath': 'agent.py', 'code.lineno': 0 }, {})).toBeNull()
  })
})

describe('rowLabel', () => {
  it('shows the name once when it is the title', () => {
    expect(rowLabel(treeSpan({ name: 'chat gpt-4o', title: 'chat gpt-4o' }))).toEqual({
      title: 'chat gpt-4o',
      secondaryName: null,
    })
  })

  it('adds an informative name', () => {
    const span = treeSpan({ name: 'invoke_agent support_agent', title: 'support_agent run' })
    expect(rowLabel(span).secondaryName).toBe('invoke_agent support_agent')
  })

  it('hides a message template', () => {
    const span = treeSpan({ name: 'chat_turn {user}', title: 'chat_turn u-1' })
    expect(rowLabel(span)).toEqual({ title: 'chat_turn u-1', secondaryName: null })
  })

  it('hides a name the title starts with', () => {
    const span = treeSpan({ name: 'running tool', title: 'running tool: get_forecast' })
    expect(rowLabel(span).secondaryName).toBeNull()
  })

  it('keeps the OTel name of a tool call', () => {
    const span = treeSpan({
      kind: 'tool',
      toolName: 'get_rate',
      name: 'execute_tool get_rate',
      title: 'running tool: get_rate',
    })
    expect(rowLabel(span).secondaryName).toBe('execute_tool get_rate')
  })
})

describe('parseForm', () => {
  const form = {
    provider: ' * ',
    model: 'gpt-4o-2024-08-06',
    inputPerMTok: '2.5',
    outputPerMTok: '10',
    cacheReadPerMTok: '',
    cacheWritePerMTok: '1.25',
  }

  it('parses prices and trims names', () => {
    expect(parseForm(form)).toEqual({
      provider: '*',
      model: 'gpt-4o-2024-08-06',
      inputPerMTok: 2.5,
      outputPerMTok: 10,
      cacheReadPerMTok: null,
      cacheWritePerMTok: 1.25,
    })
  })

  it('rejects a missing model', () => {
    expect(parseForm({ ...form, model: ' ' })).toBe('Model is required.')
  })

  it('rejects a negative price', () => {
    expect(parseForm({ ...form, outputPerMTok: '-1' })).toMatch(/^Output price must be/)
  })

  it('rejects text as a price', () => {
    expect(parseForm({ ...form, inputPerMTok: 'cheap' })).toMatch(/^Input price must be/)
  })
})

describe('parseEmbeddedJson depth', () => {
  it('keeps deeply nested JSON as text', () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`
    expect(nestingDepth(deep)).toBe(10_000)
    expect(parseEmbeddedJson(deep)).toBeUndefined()
    expect(parseEmbeddedJson('[[1, "]]]"], {"a": [2]}]')).toEqual([[1, ']]]'], { a: [2] }])
  })
})
