// Secret redaction: each default rule, text that must stay as it is, nested
// and lossy attribute values, decoded batches, and the Ingestor's report.
// Fake secrets are built from repeated pieces, so that no string in this
// file looks like a real credential to a secret scanner.

import pino from 'pino'
import { describe, expect, test } from 'vitest'
import type { JsonValue } from '../../../src/shared/api'
import { Ingestor } from '../../../src/core/ingest'
import { createAttributes, setAttribute } from '../../../src/core/otlp/attributes'
import { decodeLogsJson, decodeTracesJson } from '../../../src/core/otlp/decode-json'
import type { DecodedLogs, DecodedTraces } from '../../../src/core/otlp/model'
import {
  REDACTION_RULES_ATTRIBUTE,
  REDACTIONS_ATTRIBUTE,
  redactLogs,
  redactTraces,
} from '../../../src/core/redact/decoded'
import {
  InvalidRedactionRuleError,
  RedactionTally,
  Redactor,
} from '../../../src/core/redact/redactor'
import { DEFAULT_REDACTION_RULES, type RedactionRule } from '../../../src/core/redact/rules'
import type { SpanWriter } from '../../../src/core/store/writer'

const OPENAI_LEGACY = `sk-${'Ab1Cd2Ef3G'.repeat(2)}T3BlbkFJ${'Hi4Jk5Lm6N'.repeat(2)}`
const OPENAI_PROJECT = `sk-proj-${'x9_Yz8-Wv7'.repeat(15)}`
const ANTHROPIC = `sk-ant-api03-${'Qr5St6_Uv7'.repeat(9)}-AbCdEfAA`
const LOGFIRE = `pylf_v1_us_${'kL3mN4pQ5r'.repeat(4)}`
const AWS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE'
const GITHUB_CLASSIC = `ghp_${'a1B2c3D4e5F6'.repeat(3)}`
const GITHUB_FINE_GRAINED = `github_pat_11ABCDEFG0${'h7J8k9L0m1_'.repeat(5)}`
const SLACK = `xoxb-123456789012-1234567890123-${'aBcDeFgHiJkL'.repeat(2)}`
const JWT = `eyJhbGciOiJIUzI1NiJ9.${'eyJzdWIiOiIxMjM0In0'}.${'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'}`

function redact(text: string, redactor = new Redactor()): { text: string; tally: RedactionTally } {
  const tally = new RedactionTally()
  return { text: redactor.redactText(text, tally), tally }
}

/** A deterministic pseudo-random generator (mulberry32), for reproducible blobs. */
function seededBytes(length: number, seed: number): Buffer {
  let state = seed >>> 0
  const bytes = Buffer.alloc(length)
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0
    let value = state
    value = Math.imul(value ^ (value >>> 15), value | 1)
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61)
    bytes[i] = (value ^ (value >>> 14)) & 0xff
  }
  return bytes
}

describe('default rules', () => {
  const cases: [rule: string, text: string, expected: string][] = [
    ['openai-api-key', `use ${OPENAI_LEGACY} here`, 'use [REDACTED:openai-api-key] here'],
    [
      'openai-api-key',
      `OPENAI_API_KEY=${OPENAI_PROJECT}`,
      'OPENAI_API_KEY=[REDACTED:openai-api-key]',
    ],
    ['anthropic-api-key', `key "${ANTHROPIC}".`, 'key "[REDACTED:anthropic-api-key]".'],
    ['logfire-token', `LOGFIRE_TOKEN=${LOGFIRE}`, 'LOGFIRE_TOKEN=[REDACTED:logfire-token]'],
    [
      'aws-access-key-id',
      `aws_access_key_id = ${AWS_KEY_ID}`,
      'aws_access_key_id = [REDACTED:aws-access-key-id]',
    ],
    ['github-token', `token ${GITHUB_CLASSIC} used`, 'token [REDACTED:github-token] used'],
    ['github-token', `pat: ${GITHUB_FINE_GRAINED}`, 'pat: [REDACTED:github-token]'],
    ['slack-token', `slack ${SLACK}`, 'slack [REDACTED:slack-token]'],
    [
      'bearer-token',
      `curl -H 'X-Auth: Bearer ${JWT}' https://api.example`,
      "curl -H 'X-Auth: Bearer [REDACTED:bearer-token]' https://api.example",
    ],
    [
      'bearer-token',
      `headers carry bearer ${OPENAI_LEGACY}`,
      'headers carry bearer [REDACTED:bearer-token]',
    ],
    [
      'authorization-header',
      'Authorization: Basic dXNlcjpwYXNzd29yZA==',
      'Authorization: Basic [REDACTED:authorization-header]',
    ],
    [
      'authorization-header',
      '{"authorization": "Token 9f8e7d6c5b4a39281706"}',
      '{"authorization": "Token [REDACTED:authorization-header]"}',
    ],
    [
      'authorization-header',
      '"{\\"Authorization\\": \\"Bearer abc123def456ghi\\"}"',
      '"{\\"Authorization\\": \\"Bearer [REDACTED:authorization-header]\\"}"',
    ],
    [
      'url-password',
      'DATABASE_URL=postgres://app:s3cr3t-Pa55@db.internal:5432/app',
      'DATABASE_URL=postgres://app:[REDACTED:url-password]@db.internal:5432/app',
    ],
    [
      'url-password',
      'fetching https://alice:hunter2@example.com/private',
      'fetching https://alice:[REDACTED:url-password]@example.com/private',
    ],
    [
      'url-query-secret',
      'GET https://x.example/cb?api_key=abcdef123456&page=2',
      'GET https://x.example/cb?api_key=[REDACTED:url-query-secret]&page=2',
    ],
    [
      'url-query-secret',
      'POST /login?user=bob&password=hunter2 200',
      'POST /login?user=bob&password=[REDACTED:url-query-secret] 200',
    ],
    [
      'url-query-secret',
      '{"callback": "https://app.example/auth?access_token=ya29.a0AfH6SMBx#state"}',
      '{"callback": "https://app.example/auth?access_token=[REDACTED:url-query-secret]#state"}',
    ],
  ]

  test.each(cases)('%s in %j', (rule, text, expected) => {
    const result = redact(text)
    expect(result.text).toBe(expected)
    expect(result.tally.count).toBe(1)
    expect([...result.tally.rules]).toEqual([rule])
  })

  test('keep the rest of a prompt', () => {
    const prompt =
      `Please debug this config.\nMy key is ${OPENAI_PROJECT} and the AWS id ${AWS_KEY_ID}.\n` +
      'Why does it fail?'
    const result = redact(prompt)
    expect(result.text).toBe(
      'Please debug this config.\nMy key is [REDACTED:openai-api-key] and the AWS id ' +
        '[REDACTED:aws-access-key-id].\nWhy does it fail?',
    )
    expect(result.tally.count).toBe(2)
    expect([...result.tally.rules].sort()).toEqual(['aws-access-key-id', 'openai-api-key'])
  })

  test('keep JSON message text valid', () => {
    const messages = JSON.stringify([
      { role: 'user', parts: [{ type: 'text', content: `my key: ${ANTHROPIC}\nthanks` }] },
      { role: 'assistant', parts: [{ type: 'text', content: `Use "Bearer ${JWT}".` }] },
    ])
    const result = redact(messages)
    const parsed = JSON.parse(result.text) as { parts: { content: string }[] }[]
    expect(parsed[0]!.parts[0]!.content).toBe('my key: [REDACTED:anthropic-api-key]\nthanks')
    expect(parsed[1]!.parts[0]!.content).toBe('Use "Bearer [REDACTED:bearer-token]".')
    expect(result.tally.count).toBe(2)
  })

  test('match an Anthropic key before an OpenAI one', () => {
    expect(redact(ANTHROPIC).text).toBe('[REDACTED:anthropic-api-key]')
  })

  test('leave redacted text unchanged', () => {
    const once = redact(
      `Authorization: Bearer ${JWT}; bearer ${JWT}; https://u:p4ss@h; ${OPENAI_LEGACY}`,
    )
    expect(once.tally.count).toBe(4)
    const twice = redact(once.text)
    expect(twice.text).toBe(once.text)
    expect(twice.tally.count).toBe(0)
  })
})

describe('text without secrets', () => {
  const unchanged: [label: string, text: string][] = [
    ['task and sketch', 'Each task-runner ran a sketch-pad and a risk-assessment-for-the-quarter.'],
    ['sk- words', 'The sk-learn-compatible-estimator-interface wrapper; ask-me-anything-about-it.'],
    ['Bearer prose', 'Bearer authentication sends a token. The bearer of this letter is known.'],
    ['Authorization prose', 'Authorization: required for every endpoint. authorization = pending'],
    ['hex trace id', 'trace 5b8efff798038103d269b633813fc60c span eee19b7ec3c1b174'],
    ['UUIDs', 'run 123e4567-e89b-12d3-a456-426614174000 and 9f1c2b3a-0d4e-4f5a-8b6c-7d8e9fa0b1c2'],
    ['URLs without a password', 'http://127.0.0.1:4318/v1/traces https://bob@example.com/x'],
    ['URL with a port and an at sign', 'https://example.com:8443/users/@alice'],
    ['Python scopes', 'pydantic_ai.agent, logfire.openai and pylf_version 3'],
    ['upper-case words', 'AKIANOTAKEY is too short, and AWSACCESSKEYEXAMPLE is no key'],
    ['short tokens', 'ghp_short xoxb-1 sk-ant-api03-x Bearer abc'],
    ['paging and cache parameters', 'GET /items?token=eyJwYWdlIjoyfQ&key=users:42&sort=asc'],
    ['a password page', 'Open /account?tab=password to change it'],
  ]

  test.each(unchanged)('%s', (_label, text) => {
    const result = redact(text)
    expect(result.text).toBe(text)
    expect(result.tally.count).toBe(0)
  })

  test('base64 image blobs', () => {
    for (const seed of [1, 2, 3, 4]) {
      const image = `data:image/png;base64,${seededBytes(96 * 1024, seed).toString('base64')}`
      const result = redact(image)
      expect(result.text).toBe(image)
      expect(result.tally.count).toBe(0)
    }
  })

  test('strings shorter than any secret are not scanned', () => {
    const redactor = new Redactor()
    expect(redactor.minLength).toBe(6)
    expect(redact('?pwd=x', redactor).tally.count).toBe(1)
    expect(redact('?pwd=', redactor).tally.count).toBe(0)
    expect(redact('://a:b@', redactor).tally.count).toBe(1)
  })
})

describe('attribute values', () => {
  test('nested arrays and key-value lists', () => {
    const redactor = new Redactor()
    const tally = new RedactionTally()
    const value: JsonValue = {
      headers: { authorization: [`Bearer ${JWT}`] },
      keys: [OPENAI_LEGACY, 'plain', 42, true, null],
    }
    expect(redactor.redactValue(value, tally)).toEqual({
      headers: { authorization: ['Bearer [REDACTED:bearer-token]'] },
      keys: ['[REDACTED:openai-api-key]', 'plain', 42, true, null],
    })
    expect(tally.count).toBe(2)
  })

  test('lossy values and their OTLP form', () => {
    const redactor = new Redactor()
    const attributes = createAttributes()
    setAttribute(attributes, 'plain', `key ${GITHUB_CLASSIC}`, null)
    // Bytes are binary: a base64 text that looks like a key stays as it is.
    setAttribute(attributes, 'mixed', [OPENAI_LEGACY, 3, { bytes: `${AWS_KEY_ID}AA==` }], {
      arrayValue: {
        values: [
          { stringValue: OPENAI_LEGACY },
          { doubleValue: 3 },
          { bytesValue: `${AWS_KEY_ID}AA==` },
        ],
      },
    })
    setAttribute(
      attributes,
      'map',
      { token: `xoxp-${'1234567890'.repeat(2)}`, ratio: 2 },
      {
        kvlistValue: {
          values: [
            { key: 'token', value: { stringValue: `xoxp-${'0987654321'.repeat(2)}` } },
            { key: 'token', value: { stringValue: `xoxp-${'1234567890'.repeat(2)}` } },
            { key: 'ratio', value: { doubleValue: 2 } },
          ],
        },
      },
    )

    const tally = new RedactionTally()
    redactor.redactAttributes(attributes, tally)
    expect(attributes.values).toEqual({
      plain: 'key [REDACTED:github-token]',
      mixed: ['[REDACTED:openai-api-key]', 3, { bytes: `${AWS_KEY_ID}AA==` }],
      map: { token: '[REDACTED:slack-token]', ratio: 2 },
    })

    expect(attributes.otlpTypes!['mixed']).toEqual({
      arrayValue: {
        values: [
          { stringValue: '[REDACTED:openai-api-key]' },
          { doubleValue: 3 },
          { bytesValue: `${AWS_KEY_ID}AA==` },
        ],
      },
    })
    expect(attributes.otlpTypes!['map']).toEqual({
      kvlistValue: {
        values: [
          { key: 'token', value: { stringValue: '[REDACTED:slack-token]' } },
          { key: 'token', value: { stringValue: '[REDACTED:slack-token]' } },
          { key: 'ratio', value: { doubleValue: 2 } },
        ],
      },
    })
    // The duplicate key's earlier entry is redacted but not counted: it is not stored as a value.
    expect(tally.count).toBe(3)
    expect([...tally.rules].sort()).toEqual(['github-token', 'openai-api-key', 'slack-token'])
  })
})

const TRACE_ID = '5b8efff798038103d269b633813fc60c'

function keyValue(key: string, value: string) {
  return { key, value: { stringValue: value } }
}

function tracesWithSecrets(): DecodedTraces {
  return decodeTracesJson(
    JSON.stringify({
      resourceSpans: [
        {
          resource: {
            attributes: [
              keyValue('service.name', 'agent'),
              keyValue('env.dsn', 'mysql://root:toor@localhost/db'),
            ],
          },
          scopeSpans: [
            {
              scope: { name: 'pydantic-ai' },
              spans: [
                {
                  traceId: TRACE_ID,
                  spanId: 'eee19b7ec3c1b173',
                  name: 'chat gpt-4o',
                  startTimeUnixNano: '1772362800000000000',
                  endTimeUnixNano: '1772362801000000000',
                  attributes: [
                    keyValue('gen_ai.input.messages', `[{"content":"key ${OPENAI_PROJECT}"}]`),
                    keyValue('gen_ai.request.model', 'gpt-4o'),
                  ],
                  events: [
                    {
                      timeUnixNano: '1772362800500000000',
                      name: 'exception',
                      attributes: [
                        keyValue('exception.message', `401 for Authorization: Bearer ${JWT}`),
                      ],
                    },
                  ],
                  status: { code: 2, message: `invalid key ${ANTHROPIC}` },
                },
                {
                  traceId: TRACE_ID,
                  spanId: 'eee19b7ec3c1b174',
                  name: 'clean',
                  startTimeUnixNano: '1772362800000000000',
                  endTimeUnixNano: '1772362801000000000',
                  attributes: [keyValue('note', 'nothing secret here')],
                },
              ],
            },
          ],
        },
      ],
    }),
  )
}

describe('decoded batches', () => {
  test('traces count per span and resource', () => {
    const traces = tracesWithSecrets()
    const total = redactTraces(new Redactor(), traces)
    expect(total.count).toBe(4)
    expect([...total.rules].sort()).toEqual([
      'anthropic-api-key',
      'authorization-header',
      'openai-api-key',
      'url-password',
    ])

    const group = traces.groups[0]!
    expect(group.resource.attributes.values).toEqual({
      'service.name': 'agent',
      'env.dsn': 'mysql://root:[REDACTED:url-password]@localhost/db',
      [REDACTIONS_ATTRIBUTE]: 1,
      [REDACTION_RULES_ATTRIBUTE]: ['url-password'],
    })

    const [secret, clean] = group.spans
    expect(secret!.attributes.values['gen_ai.input.messages']).toBe(
      '[{"content":"key [REDACTED:openai-api-key]"}]',
    )
    expect(secret!.events[0]!.attributes.values['exception.message']).toBe(
      '401 for Authorization: Bearer [REDACTED:authorization-header]',
    )
    expect(secret!.statusMessage).toBe('invalid key [REDACTED:anthropic-api-key]')
    expect(secret!.attributes.values[REDACTIONS_ATTRIBUTE]).toBe(3)
    expect(secret!.attributes.values[REDACTION_RULES_ATTRIBUTE]).toEqual([
      'anthropic-api-key',
      'authorization-header',
      'openai-api-key',
    ])
    expect(clean!.attributes.values).toEqual({ note: 'nothing secret here' })
  })

  test('traces add to an earlier count', () => {
    const traces = tracesWithSecrets()
    const span = traces.groups[0]!.spans[0]!
    setAttribute(span.attributes, REDACTIONS_ATTRIBUTE, 2, null)
    setAttribute(span.attributes, REDACTION_RULES_ATTRIBUTE, ['slack-token'], null)
    redactTraces(new Redactor(), traces)
    expect(span.attributes.values[REDACTIONS_ATTRIBUTE]).toBe(5)
    expect(span.attributes.values[REDACTION_RULES_ATTRIBUTE]).toEqual([
      'anthropic-api-key',
      'authorization-header',
      'openai-api-key',
      'slack-token',
    ])
  })

  test('logs redact body and attributes', () => {
    const logs: DecodedLogs = decodeLogsJson(
      JSON.stringify({
        resourceLogs: [
          {
            resource: { attributes: [keyValue('service.name', 'agent')] },
            scopeLogs: [
              {
                scope: { name: 'app' },
                logRecords: [
                  {
                    timeUnixNano: '1772362800000000000',
                    body: { stringValue: `connecting with ${LOGFIRE}` },
                    attributes: [keyValue('aws', AWS_KEY_ID)],
                  },
                  {
                    timeUnixNano: '1772362800000000001',
                    body: {
                      kvlistValue: {
                        values: [keyValue('github', GITHUB_FINE_GRAINED), keyValue('ok', 'yes')],
                      },
                    },
                  },
                ],
              },
            ],
          },
        ],
      }),
    )
    const total = redactLogs(new Redactor(), logs)
    expect(total.count).toBe(3)
    const [first, second] = logs.groups[0]!.records
    expect(first!.body.value).toBe('connecting with [REDACTED:logfire-token]')
    expect(first!.attributes.values['aws']).toBe('[REDACTED:aws-access-key-id]')
    expect(first!.attributes.values[REDACTIONS_ATTRIBUTE]).toBe(2)
    expect(second!.body.value).toEqual({ github: '[REDACTED:github-token]', ok: 'yes' })
    expect(second!.attributes.values[REDACTION_RULES_ATTRIBUTE]).toEqual(['github-token'])
  })
})

describe('custom rules', () => {
  test('replacement with groups', () => {
    const rules: RedactionRule[] = [
      {
        name: 'session-cookie',
        pattern: '(?<cookie>session=)[0-9a-f]{16,}',
        replacement: '$<cookie>[hidden]',
      },
      { name: 'pin', pattern: '(PIN:? ?)([0-9]{4})\\b', replacement: '$1****($$)' },
      ...DEFAULT_REDACTION_RULES,
    ]
    const redactor = new Redactor(rules)
    const result = redact(
      `Cookie: session=0123456789abcdef0123; PIN 1234; key ${OPENAI_LEGACY}`,
      redactor,
    )
    expect(result.text).toBe('Cookie: session=[hidden]; PIN ****($); key [REDACTED:openai-api-key]')
    expect([...result.tally.rules].sort()).toEqual(['openai-api-key', 'pin', 'session-cookie'])
  })

  test('minLength lets short strings through', () => {
    const redactor = new Redactor([{ name: 'word', pattern: 'secret[0-9]+', minLength: 12 }])
    expect(redactor.minLength).toBe(12)
    expect(redact('secret1', redactor).text).toBe('secret1')
    expect(redact('a secret1234', redactor).text).toBe('a [REDACTED:word]')
  })

  const invalid: [label: string, rules: RedactionRule[], message: RegExp][] = [
    ['a bad pattern', [{ name: 'bad', pattern: '([a-z' }], /invalid pattern in redaction rule bad/],
    ['an empty match', [{ name: 'empty', pattern: 'x*' }], /empty\b.*matches the empty string/],
    ['a numbered backreference', [{ name: 'repeat', pattern: '(a)\\1' }], /numbered backreference/],
    [
      'duplicate names',
      [
        { name: 'same', pattern: 'a' },
        { name: 'same', pattern: 'b' },
      ],
      /two redaction rules are named same/,
    ],
    ['a bad name', [{ name: 'has space', pattern: 'a' }], /invalid redaction rule name/],
    [
      'clashing group names',
      [
        { name: 'one', pattern: '(?<key>a)' },
        { name: 'two', pattern: '(?<key>b)' },
      ],
      /cannot be combined/,
    ],
    ['no rules', [], /no redaction rules/],
  ]

  test.each(invalid)('reject %s', (_label, rules, message) => {
    expect(() => new Redactor(rules)).toThrow(InvalidRedactionRuleError)
    expect(() => new Redactor(rules)).toThrow(message)
  })
})

/** Returns a writer stub that resolves at once and records the batches it receives. */
function recordingWriter() {
  const written: DecodedTraces[] = []
  const writer = {
    writeTraces: (data: DecodedTraces) => {
      written.push(data)
      const spans = data.groups.reduce((sum, group) => sum + group.spans.length, 0)
      return Promise.resolve({ spans, logRecords: 0 })
    },
  } as unknown as SpanWriter
  return { writer, written }
}

function secretTraceBody(): Buffer {
  return Buffer.from(
    JSON.stringify({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: TRACE_ID,
                  spanId: 'eee19b7ec3c1b173',
                  name: 'call',
                  startTimeUnixNano: '1',
                  endTimeUnixNano: '2',
                  attributes: [
                    keyValue('api.key', OPENAI_LEGACY),
                    keyValue('header', `Bearer ${JWT}`),
                  ],
                },
              ],
            },
          ],
        },
      ],
    }),
  )
}

describe('Ingestor redaction', () => {
  const silent = pino({ level: 'silent' })

  test('reports redactions as a partial success', async () => {
    const { writer, written } = recordingWriter()
    const ingestor = new Ingestor(writer, silent)
    const outcome = await ingestor.ingest('traces', 'json', secretTraceBody(), 'http')
    expect(outcome.accepted).toBe(1)
    expect(outcome.partial).toEqual({
      rejected: 0,
      errorMessage: '2 values redacted: bearer-token, openai-api-key',
    })
    const stored = written[0]!.groups[0]!.spans[0]!.attributes.values
    expect(stored['api.key']).toBe('[REDACTED:openai-api-key]')
    expect(stored['header']).toBe('Bearer [REDACTED:bearer-token]')
    expect(ingestor.recentProblems()).toEqual([])
  })

  test('stores values as sent with redaction off', async () => {
    const { writer, written } = recordingWriter()
    const ingestor = new Ingestor(writer, silent, { redaction: false })
    const outcome = await ingestor.ingest('traces', 'json', secretTraceBody(), 'http')
    expect(outcome.partial).toBeNull()
    const stored = written[0]!.groups[0]!.spans[0]!.attributes.values
    expect(stored['api.key']).toBe(OPENAI_LEGACY)
    expect(stored[REDACTIONS_ATTRIBUTE]).toBeUndefined()
  })

  test('applies configured rules only', async () => {
    const { writer, written } = recordingWriter()
    const ingestor = new Ingestor(writer, silent, {
      redaction: { rules: [{ name: 'jwt', pattern: 'eyJ[A-Za-z0-9._-]{20,}' }] },
    })
    const outcome = await ingestor.ingest('traces', 'json', secretTraceBody(), 'http')
    expect(outcome.partial?.errorMessage).toBe('1 value redacted: jwt')
    const stored = written[0]!.groups[0]!.spans[0]!.attributes.values
    expect(stored['api.key']).toBe(OPENAI_LEGACY)
    expect(stored['header']).toBe('Bearer [REDACTED:jwt]')
  })
})
