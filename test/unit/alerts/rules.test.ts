import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  AlertRulesError,
  alertsJsonSchema,
  durationSeconds,
  parseRule,
  parseRulesFile,
} from '../../../src/core/alerts/rules'

const repoRoot = resolve(import.meta.dirname, '../../..')
const schemaFile = join(repoRoot, 'resources/schemas/alerts.schema.json')

/** Returns the problems of an invalid rules file, or fails when it is valid. */
function problemsOf(text: string): string[] {
  try {
    parseRulesFile(text, 'alerts.yaml')
  } catch (error) {
    if (error instanceof AlertRulesError) return error.problems
    throw error
  }
  throw new Error('expected the rules file to be invalid')
}

describe('rules file', () => {
  it('reads every kind of rule', () => {
    const file = parseRulesFile(
      `interval: 30s
rules:
  - name: agent failures
    kind: error_rate
    threshold: 20
    window: 15m
    minRuns: 5
    agent: support_agent
    errorClasses: [upstream_unavailable, timeout]
    deliver:
      command: { argv: [./notify.sh, --loud] }
      webhook:
        url: http://127.0.0.1:9000/hook
        headers: { X-Token: not-a-real-token }
  - name: spend
    kind: cost_per_hour
    threshold: 2.5
    deliver: { desktop: false }
  - name: slow tools
    kind: sql
    sql: SELECT tool_name, percentile(duration, 95) AS p95 FROM tool_calls GROUP BY tool_name
    valueColumn: p95
    threshold: 2
`,
      'alerts.yaml',
    )
    expect(file.interval).toBe('30s')
    expect(file.rules.map((rule) => rule.kind)).toEqual(['error_rate', 'cost_per_hour', 'sql'])
    expect(file.rules[0]).toMatchObject({
      minRuns: 5,
      errorClasses: ['upstream_unavailable', 'timeout'],
      deliver: { command: { argv: ['./notify.sh', '--loud'] } },
    })
    expect(file.rules[2]).toMatchObject({ valueColumn: 'p95', threshold: 2 })
  })

  it('an empty file has no rules', () => {
    expect(parseRulesFile('', 'alerts.yaml').rules).toEqual([])
    expect(parseRulesFile('# nothing yet\n', 'alerts.yaml').rules).toEqual([])
  })

  it('reads JSON', () => {
    const file = parseRulesFile(
      JSON.stringify({ rules: [{ name: 'spend', kind: 'cost_per_hour', threshold: 1 }] }),
      'alerts.json',
    )
    expect(file.rules[0]!.name).toBe('spend')
  })

  it('names the line, rule and field', () => {
    const problems = problemsOf(`rules:
  - name: fine
    kind: cost_per_hour
    threshold: 1
  - name: too high
    kind: error_rate
    threshold: 120
`)
    expect(problems).toEqual([
      'line 7, rules[1] ("too high").threshold: Too big: expected number to be <=100',
    ])
  })

  it('rejects an unknown kind', () => {
    const problems = problemsOf('rules:\n  - name: x\n    kind: latency\n    threshold: 1\n')
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/^line 3, rules\[0\] \("x"\)\.kind: /)
    expect(problems[0]).toContain("'error_rate' | 'cost_per_hour' | 'sql'")
  })

  it('rejects a misspelled field', () => {
    const problems = problemsOf(
      'rules:\n  - name: spend\n    kind: cost_per_hour\n    treshold: 1\n',
    )
    expect(problems).toContain('line 2, rules[0] ("spend"): Unrecognized key: "treshold"')
    expect(problems).toContain(
      'line 2, rules[0] ("spend").threshold: Invalid input: expected number, received undefined',
    )
  })

  it('rejects two rules of one name', () => {
    const problems = problemsOf(`rules:
  - { name: spend, kind: cost_per_hour, threshold: 1 }
  - { name: spend, kind: cost_per_hour, threshold: 2 }
`)
    expect(problems).toEqual([
      'line 3, rules[1] ("spend").name: another rule is named spend; names must be unique',
    ])
  })

  it('rejects a bad duration', () => {
    const problems = problemsOf(
      'rules:\n  - { name: r, kind: error_rate, threshold: 5, window: 15 minutes }\n',
    )
    expect(problems).toEqual([
      'line 2, rules[0] ("r").window: expected a duration such as 90s, 15m, 1h or 1d',
    ])
  })

  it('needs threshold with valueColumn', () => {
    const problems = problemsOf(
      'rules:\n  - name: q\n    kind: sql\n    sql: SELECT 1 AS n\n    valueColumn: n\n',
    )
    expect(problems).toEqual([
      'line 2, rules[0] ("q").threshold: threshold is required with valueColumn (the value n is compared with)',
    ])
  })

  it('checks webhook URLs and headers', () => {
    const problems = problemsOf(`rules:
  - name: w
    kind: cost_per_hour
    threshold: 1
    deliver:
      webhook:
        url: ftp://127.0.0.1/hook
        headers: { "Bad Name": x }
`)
    expect(problems).toContain(
      'line 7, rules[0] ("w").deliver.webhook.url: must be an http:// or https:// URL',
    )
    expect(problems).toContain(
      'line 8, rules[0] ("w").deliver.webhook.headers.Bad Name: "Bad Name" is not an HTTP header name (letters, digits and -, no spaces)',
    )
  })

  it('rejects an empty argv', () => {
    const problems = problemsOf(`rules:
  - name: c
    kind: cost_per_hour
    threshold: 1
    deliver: { command: { argv: [] } }
`)
    expect(problems).toEqual([
      'line 5, rules[0] ("c").deliver.command.argv: argv must name a program',
    ])
  })

  it('reports YAML syntax errors with their line', () => {
    const problems = problemsOf('rules:\n  - name: a\n   kind: sql\n')
    expect(problems[0]).toMatch(/^line 3: /)
  })
})

describe('one rule from the API', () => {
  it('returns the problems by field', () => {
    const parsed = parseRule({ name: '', kind: 'cost_per_hour', threshold: -1 })
    expect(parsed).toEqual({
      problems: ['name: name must not be empty', 'threshold: Too small: expected number to be >=0'],
    })
  })
})

describe('durations', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['1.5h', 5400],
    ['1d', 86_400],
    ['15', null],
    ['m', null],
    ['1w', null],
  ])('%s is %s seconds', (text, seconds) => {
    expect(durationSeconds(text)).toBe(seconds)
  })
})

describe('the published JSON Schema', () => {
  it('matches the zod schema', () => {
    const generated = alertsJsonSchema()
    if (process.env.LOUPE_WRITE_SCHEMA === '1') {
      writeFileSync(schemaFile, `${JSON.stringify(generated, null, 2)}\n`)
    }
    expect(
      JSON.parse(readFileSync(schemaFile, 'utf8')),
      'resources/schemas/alerts.schema.json is stale: run LOUPE_WRITE_SCHEMA=1 npx vitest run test/unit/alerts/rules.test.ts, then npx prettier --write resources/schemas',
    ).toEqual(generated)
  })

  it('lists the three kinds', () => {
    const schema = alertsJsonSchema() as {
      properties: { rules: { items: { oneOf?: { properties: { kind: { const: string } } }[] } } }
    }
    const variants = schema.properties.rules.items.oneOf ?? []
    expect(variants.map((variant) => variant.properties.kind.const)).toEqual([
      'error_rate',
      'cost_per_hour',
      'sql',
    ])
  })
})
