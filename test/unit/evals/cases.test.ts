// Reading cases from `case: {case_name}` span attributes as Logfire 5.4
// encodes them for pydantic_evals 2.62: the values below have the shapes
// of spans captured from test/interop/eval_experiment.py.

import { describe, expect, it } from 'vitest'
import type { AttributeMap } from '../../../src/shared/api'
import { caseFromSpan, type EvalSpan } from '../../../src/core/evals/cases'
import { LogfireAttributes } from '../../../src/core/evals/logfire-values'

const CASE_SCHEMA = JSON.stringify({
  type: 'object',
  properties: {
    task_name: {},
    case_name: {},
    inputs: {},
    metadata: { type: 'object' },
    expected_output: {},
    output: {},
    task_duration: {},
    metrics: { type: 'object' },
    attributes: { type: 'object' },
    assertions: { type: 'object' },
    scores: { type: 'object' },
    labels: { type: 'object' },
  },
})

function result(name: string, value: unknown, reason: string | null = null, source = name) {
  return { name, value, reason, source: { name: source, arguments: null }, evaluator_version: null }
}

function span(attributes: AttributeMap, overrides: Partial<EvalSpan> = {}): EvalSpan {
  return {
    traceId: '01a2430881d32409260569410c98e689',
    spanId: '841f92f606f78444',
    parentSpanId: 'bff4bda3c0ec7d3c',
    startNs: 1_796_420_960_000_000_000n,
    endNs: 1_796_420_960_011_110_458n,
    statusCode: 0,
    statusMessage: '',
    attributes,
    events: [],
    pending: false,
    errorClass: 'none',
    ...overrides,
  }
}

/** Returns the attributes of a finished case that failed both assertions. */
function spainAttributes(): AttributeMap {
  return {
    task_name: 'ask_capital',
    case_name: 'spain',
    inputs: 'Spain',
    metadata: '{"continent":"Europe"}',
    expected_output: 'Madrid',
    'logfire.msg_template': 'case: {case_name}',
    'logfire.msg': 'case: spain',
    output: 'Barcelona',
    task_duration: 0.009786124,
    metrics: '{"requests":1,"input_tokens":50,"output_tokens":3,"cost":9.3e-06}',
    attributes: '{}',
    assertions: JSON.stringify({
      EqualsExpected: result('EqualsExpected', false),
      MatchesCity: result('MatchesCity', false, "expected 'Madrid', got 'Barcelona'"),
    }),
    scores: JSON.stringify({ conciseness: result('conciseness', 1.0, null, 'Conciseness') }),
    labels: JSON.stringify({ answer_form: result('answer_form', 'city', null, 'Conciseness') }),
    'logfire.json_schema': CASE_SCHEMA,
  }
}

describe('LogfireAttributes', () => {
  it('parses values the schema lists', () => {
    const attributes = new LogfireAttributes({
      output: '{"city":"Paris"}',
      inputs: '{"country":"France"}',
      'logfire.json_schema': JSON.stringify({
        type: 'object',
        properties: { output: {}, inputs: { type: 'object' } },
      }),
    })
    // An empty schema marks a str that Logfire sent as it is, even when it looks like JSON.
    expect(attributes.read('output')).toEqual({ value: '{"city":"Paris"}', unreadable: false })
    expect(attributes.read('inputs')).toEqual({ value: { country: 'France' }, unreadable: false })
  })

  it('reads null, missing and cut values', () => {
    const attributes = new LogfireAttributes({
      metadata: 'null',
      scores: '{"conciseness": {"name": "concisen…[truncated by Loupe: 30 of 900 bytes]',
      'logfire.json_schema': JSON.stringify({
        type: 'object',
        properties: { metadata: { type: 'null' }, scores: { type: 'object' } },
      }),
    })
    expect(attributes.read('metadata')).toEqual({ value: null, unreadable: false })
    expect(attributes.read('expected_output')).toEqual({ value: null, unreadable: false })
    expect(attributes.read('scores')).toEqual({ unreadable: true })
  })

  it('keeps values without a schema', () => {
    const attributes = new LogfireAttributes({ inputs: '[1, 2]', n_cases: 2 })
    expect(attributes.read('inputs')).toEqual({ value: '[1, 2]', unreadable: false })
    expect(attributes.number('n_cases')).toBe(2)
    expect(attributes.string('n_cases')).toBeNull()
  })

  it('ignores a schema that is not JSON', () => {
    const attributes = new LogfireAttributes({ inputs: '[1]', 'logfire.json_schema': '{oops' })
    expect(attributes.read('inputs')).toEqual({ value: '[1]', unreadable: false })
  })
})

describe('caseFromSpan', () => {
  it('reads a failed case', () => {
    const c = caseFromSpan(span(spainAttributes()))
    expect(c.name).toBe('spain')
    expect(c.outcome).toBe('failed')
    expect(c.inputs).toBe('Spain')
    expect(c.expectedOutput).toBe('Madrid')
    expect(c.output).toBe('Barcelona')
    expect(c.metadata).toEqual({ continent: 'Europe' })
    expect(c.assertions).toEqual([
      { name: 'EqualsExpected', value: false, reason: null, evaluator: 'EqualsExpected' },
      {
        name: 'MatchesCity',
        value: false,
        reason: "expected 'Madrid', got 'Barcelona'",
        evaluator: 'MatchesCity',
      },
    ])
    expect(c.scores).toEqual([
      { name: 'conciseness', value: 1, reason: null, evaluator: 'Conciseness' },
    ])
    expect(c.labels).toEqual([
      { name: 'answer_form', value: 'city', reason: null, evaluator: 'Conciseness' },
    ])
    expect(c.metrics).toEqual({ requests: 1, input_tokens: 50, output_tokens: 3, cost: 9.3e-6 })
    expect(c.attributes).toEqual({})
    expect(c.taskDurationMs).toBeCloseTo(9.786124, 9)
    expect(c.durationMs).toBeCloseTo(11.110458, 6)
    expect(c.startTimeUnixNano).toBe('1796420960000000000')
    expect(c.error).toBeNull()
    expect(c.unreadable).toEqual([])
    expect(c.sourceCaseName).toBeNull()
  })

  it('passes a case without assertions', () => {
    const attributes = spainAttributes()
    attributes['assertions'] = '{}'
    expect(caseFromSpan(span(attributes)).outcome).toBe('passed')
  })

  it('skips results of another type', () => {
    const attributes = spainAttributes()
    attributes['assertions'] = JSON.stringify({
      ok: result('ok', true),
      notBoolean: result('notBoolean', 1),
      broken: 'not an object',
    })
    // Logfire sends a NaN score as the string "nan".
    attributes['scores'] = JSON.stringify({
      text: result('text', 'high'),
      n: result('n', 2),
      nan: result('nan', 'nan'),
    })
    const c = caseFromSpan(span(attributes))
    expect(c.assertions.map((a) => a.name)).toEqual(['ok'])
    expect(c.scores.map((s) => s.name)).toEqual(['n'])
    expect(c.outcome).toBe('passed')
  })

  it('reads the error of a case that raised', () => {
    const attributes = spainAttributes()
    for (const key of ['output', 'task_duration', 'metrics', 'attributes']) delete attributes[key]
    for (const key of ['assertions', 'scores', 'labels']) delete attributes[key]
    const c = caseFromSpan(
      span(attributes, {
        statusCode: 2,
        statusMessage: 'ModelRequestRejectedError: status_code: 400',
        errorClass: 'provider_rejected',
        events: [
          {
            timeUnixNano: '1796420960010000000',
            name: 'exception',
            attributes: {
              'exception.type': 'pydantic_ai.exceptions.ModelRequestRejectedError',
              'exception.message': 'status_code: 400, model_name: gpt-4o-mini',
              'exception.escaped': 'True',
            },
            droppedAttributesCount: 0,
          },
        ],
      }),
    )
    expect(c.outcome).toBe('error')
    expect(c.output).toBeNull()
    expect(c.taskDurationMs).toBeNull()
    expect(c.assertions).toEqual([])
    expect(c.error).toEqual({
      type: 'pydantic_ai.exceptions.ModelRequestRejectedError',
      message: 'status_code: 400, model_name: gpt-4o-mini',
      errorClass: 'provider_rejected',
    })
  })

  it('uses the status message without an exception', () => {
    const c = caseFromSpan(
      span(spainAttributes(), { statusCode: 2, statusMessage: 'cancelled', errorClass: null }),
    )
    expect(c.error).toEqual({ type: null, message: 'cancelled', errorClass: 'internal' })
  })

  it('reads a running case', () => {
    const attributes: AttributeMap = {
      case_name: 'spain',
      inputs: 'Spain',
      expected_output: 'Madrid',
      'logfire.span_type': 'pending_span',
      'logfire.pending_parent_id': 'bff4bda3c0ec7d3c',
    }
    const c = caseFromSpan(
      span(attributes, {
        spanId: '1111111111111111',
        parentSpanId: '841f92f606f78444',
        pending: true,
      }),
    )
    expect(c.outcome).toBe('running')
    // The case is known by its real span's id, which a pending span has as parent.
    expect(c.spanId).toBe('841f92f606f78444')
    expect(c.durationMs).toBe(0)
    expect(c.error).toBeNull()
  })

  it('reads a repeated case', () => {
    const attributes = spainAttributes()
    attributes['case_name'] = 'spain [2/3]'
    attributes['logfire.experiment.source_case_name'] = 'spain'
    const c = caseFromSpan(span(attributes))
    expect(c.name).toBe('spain [2/3]')
    expect(c.sourceCaseName).toBe('spain')
  })

  it('lists attributes it cannot read', () => {
    const attributes = spainAttributes()
    attributes['output'] = '{"city": "Bar…[truncated by Loupe: 14 of 5000000 bytes]'
    attributes['logfire.json_schema'] = JSON.stringify({
      type: 'object',
      properties: { output: { type: 'object' }, assertions: { type: 'object' } },
    })
    attributes['assertions'] = '{"EqualsExpected": '
    const c = caseFromSpan(span(attributes))
    expect([...c.unreadable].sort()).toEqual(['assertions', 'output'])
    expect(c.output).toBeNull()
    expect(c.assertions).toEqual([])
  })

  it('takes the name from the message', () => {
    const attributes = spainAttributes()
    delete attributes['case_name']
    expect(caseFromSpan(span(attributes)).name).toBe('spain')
  })
})
