// The scenario format: parsing with line-numbered mistakes, which turn answers
// which request, what each kind of answer becomes, and the published schema.

import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Answer } from '../../../src/core/gateway/answer'
import type { GenAiMessage, ModelCall } from '../../../src/core/gateway/conversation'
import {
  parseScenario,
  ScenarioError,
  scenarioJsonSchema,
  ScenarioPlayer,
} from '../../../src/core/gateway/scenario'

const repoRoot = resolve(import.meta.dirname, '../../..')
const schemaFile = join(repoRoot, 'resources/schemas/scenario.schema.json')

function call(messages: GenAiMessage[], overrides: Partial<ModelCall> = {}): ModelCall {
  return {
    model: 'gpt-4o-mini',
    systemInstructions: [],
    messages,
    tools: [
      {
        name: 'get_forecast',
        description: 'Forecast for a city.',
        parameters: { type: 'object', properties: { city: { type: 'string' } } },
      },
    ],
    toolChoice: 'auto',
    parallelToolCalls: true,
    output: { type: 'text' },
    maxOutputTokens: null,
    stopSequences: [],
    temperature: null,
    topP: null,
    seed: null,
    stream: false,
    ...overrides,
  }
}

const ask = (text: string): GenAiMessage => ({
  role: 'user',
  parts: [{ type: 'text', content: text }],
})
const afterTool: GenAiMessage[] = [
  ask('Weather in Utrecht?'),
  {
    role: 'assistant',
    parts: [
      { type: 'tool_call', id: 'call_1', name: 'get_forecast', arguments: { city: 'Utrecht' } },
    ],
  },
  { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: 'sunny' }] },
]

function player(text: string): ScenarioPlayer {
  return new ScenarioPlayer(parseScenario(text, 'test.yaml'), 'test.yaml')
}

function answerText(answer: Answer): string | null {
  if (answer.kind !== 'reply') throw new Error(`expected a reply, got error ${answer.error.status}`)
  return answer.reply.text
}

const options = { seed: 1, toolCallIdPrefix: 'call_' }

function problemsOf(text: string): string[] {
  try {
    parseScenario(text, 'test.yaml')
  } catch (error) {
    if (error instanceof ScenarioError) return error.problems
    throw error
  }
  throw new Error('the scenario was accepted')
}

describe('parseScenario', () => {
  it('reads YAML and JSON alike', () => {
    const yaml = parseScenario('turns:\n  - text: hi\n    times: always\n', 'a.yaml')
    const json = parseScenario('{"turns": [{"text": "hi", "times": "always"}]}', 'a.json')
    expect(yaml).toEqual(json)
    expect(yaml.turns[0]).toEqual({ text: 'hi', times: 'always' })
  })

  it('names line and field of mistakes', () => {
    expect(
      problemsOf(
        [
          'turns:',
          '  - text: hi',
          '    colour: blue',
          '  - match: { lastUserText: "/(unclosed/" }',
          '    text: x',
          '  - {}',
          '  - fault: explode',
        ].join('\n'),
      ),
    ).toEqual([
      'line 2, turns[0]: Unrecognized key: "colour"',
      'line 4, turns[1].match.lastUserText: "/(unclosed/" is not a valid regular expression',
      'line 6, turns[2]: a turn needs one answer: text, toolCalls, output, error, fault, auto',
      'line 7, turns[3].fault: Invalid option: expected one of "hang"|"malformed_json"|"cut_stream"',
    ])
  })

  it('reports YAML errors with lines', () => {
    expect(problemsOf('turns:\n  - text: a\n    text: b\n')).toEqual([
      'line 3: Map keys must be unique',
    ])
  })

  it('requires turns', () => {
    expect(problemsOf('name: empty\n')).toEqual([
      'line 1, turns: Invalid input: expected array, received undefined',
    ])
  })

  it('rejects files over the limit', () => {
    expect(problemsOf(`# ${'x'.repeat(1024 * 1024)}\nturns: []\n`)[0]).toMatch(
      /larger than 1048576 bytes/,
    )
  })
})

describe('ScenarioPlayer', () => {
  it('plays turns in order with times', () => {
    const scenario = player('turns:\n  - text: one\n    times: 2\n  - text: two\n')
    const noTools = call([ask('hi')], { tools: [] })
    const answers = [1, 2, 3, 4].map(() => answerText(scenario.respond(noTools, options)))
    // After the turns run out, the automatic mock answers (`then: auto`).
    expect(answers.slice(0, 3)).toEqual(['one', 'one', 'two'])
    expect(answers[3]).toBe('Mock answer from the Loupe gateway to "hi".')
  })

  it('skips turns that do not match', () => {
    const scenario = player(
      [
        'turns:',
        '  - match: { toolResults: true }',
        '    text: after the tool',
        '  - match: { lastUserText: "/^weather/i", model: "gpt-4o*" }',
        '    text: about the weather',
        '  - match: { tool: get_time }',
        '    text: never, no such tool is offered',
        '  - match: { model: "claude-*" }',
        '    text: never, wrong model',
      ].join('\n'),
    )
    expect(answerText(scenario.respond(call([ask('Weather in Utrecht?')]), options))).toBe(
      'about the weather',
    )
    expect(answerText(scenario.respond(call(afterTool), options))).toBe('after the tool')
  })

  it('calls scripted tools with stable ids', () => {
    const text =
      'turns:\n  - toolCalls: [{ name: get_forecast, arguments: { city: Paris } }, { name: other }]\n'
    const first = player(text).respond(call([ask('hi')]), options)
    const again = player(text).respond(call([ask('hi')]), options)
    if (first.kind !== 'reply' || again.kind !== 'reply') throw new Error('expected replies')
    expect(first.reply.toolCalls.map((c) => [c.name, c.argumentsJson])).toEqual([
      ['get_forecast', '{"city":"Paris"}'],
      ['other', '{}'],
    ])
    expect(first.reply.finishReason).toBe('tool_calls')
    expect(first.reply.toolCalls[0]!.id).toMatch(/^call_[0-9a-f]{24}$/)
    expect(first.reply.toolCalls.map((c) => c.id)).toEqual(again.reply.toolCalls.map((c) => c.id))
  })

  it('gives output via tool or JSON', () => {
    const scenario = 'turns:\n  - output: { city: Utrecht }\n    times: always\n'
    const withOutputTool = call([ask('hi')], {
      tools: [{ name: 'final_result', description: null, parameters: { type: 'object' } }],
    })
    const viaTool = player(scenario).respond(withOutputTool, options)
    if (viaTool.kind !== 'reply') throw new Error('expected a reply')
    expect(viaTool.reply.toolCalls.map((c) => [c.name, c.arguments])).toEqual([
      ['final_result', { city: 'Utrecht' }],
    ])
    const asJson = player(scenario).respond(
      call([ask('hi')], { output: { type: 'json_schema', name: 'Report', schema: {} } }),
      options,
    )
    expect(answerText(asJson)).toBe('{"city":"Utrecht"}')
    // A bare value goes in the `response` field, as pydantic-ai's output tool for a non-object type takes it.
    const bare = player('turns:\n  - output: 42\n').respond(withOutputTool, options)
    if (bare.kind !== 'reply') throw new Error('expected a reply')
    expect(bare.reply.toolCalls[0]!.arguments).toEqual({ response: 42 })
  })

  it('reports scripted or estimated tokens', () => {
    const scripted = player('turns:\n  - text: hi\n    usage: { inputTokens: 7 }\n').respond(
      call([ask('hello')]),
      options,
    )
    if (scripted.kind !== 'reply') throw new Error('expected a reply')
    expect(scripted.reply.usage).toEqual({ inputTokens: 7, outputTokens: 1 })
  })

  it('turns an error turn into an error', () => {
    const answer = player(
      'turns:\n  - error: { status: 429, retryAfter: 1.5 }\n    latencyMs: 20\n',
    ).respond(call([ask('hi')]), options)
    expect(answer).toEqual({
      kind: 'error',
      error: {
        status: 429,
        message: 'Error 429 from scenario test.yaml.',
        type: null,
        retryAfterSeconds: 1.5,
        body: undefined,
      },
      delivery: {
        latencyMs: 20,
        chunkSize: 16,
        chunkDelayMs: 0,
        fault: null,
        scenario: { name: 'test.yaml', turn: 1 },
      },
    })
  })

  it('explains a request no turn matches', () => {
    const scenario = player('then: error\nturns:\n  - match: { toolResults: true }\n    text: x\n')
    const answer = scenario.respond(call([ask('hi')]), options)
    if (answer.kind !== 'error') throw new Error('expected an error')
    expect(answer.error.status).toBe(500)
    expect(answer.error.message).toContain('no turn with uses left matches it')
  })
})

describe('the published JSON Schema', () => {
  it('matches the zod schema', () => {
    const generated = scenarioJsonSchema()
    if (process.env.LOUPE_WRITE_SCHEMA === '1') {
      writeFileSync(schemaFile, `${JSON.stringify(generated, null, 2)}\n`)
    }
    expect(
      JSON.parse(readFileSync(schemaFile, 'utf8')),
      'resources/schemas/scenario.schema.json is stale: run LOUPE_WRITE_SCHEMA=1 npx vitest run test/unit/gateway/scenario.test.ts, then npx prettier --write resources/schemas',
    ).toEqual(generated)
  })

  it('requires one answer per turn', () => {
    const schema = scenarioJsonSchema() as {
      properties: { turns: { items: { oneOf: { required: string[] }[] } } }
    }
    expect(schema.properties.turns.items.oneOf.map((entry) => entry.required[0])).toEqual([
      'text',
      'toolCalls',
      'output',
      'error',
      'fault',
      'auto',
    ])
  })
})

describe('regular expressions that backtrack without end', () => {
  it('stop at the time limit', () => {
    const scenario = player('turns:\n  - match: { lastUserText: "/^(a+)+$/" }\n    text: x\n')
    const started = performance.now()
    const answer = scenario.respond(call([ask(`${'a'.repeat(40)}b`)], { tools: [] }), options)
    // A hang check, not a speed test: without the limit this call would not return.
    expect(performance.now() - started).toBeLessThan(5_000)
    if (answer.kind !== 'error') throw new Error('expected an error')
    expect(answer.error.status).toBe(500)
    expect(answer.error.message).toContain('/^(a+)+$/ took over 50 ms')
  })
})
