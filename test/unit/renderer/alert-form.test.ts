import { describe, expect, it } from 'vitest'
import type { AlertRule } from '../../../src/shared/alerts'
import {
  describeCondition,
  EMPTY_ALERT_FORM,
  formatInterval,
  formToRule,
  ruleToForm,
} from '../../../src/renderer/src/alert-form'
import { alertsHash, parseRoute } from '../../../src/renderer/src/route'

const RULES: AlertRule[] = [
  {
    name: 'agent failures',
    kind: 'error_rate',
    threshold: 20,
    window: '15m',
    minRuns: 5,
    agent: 'support_agent',
    errorClasses: ['timeout', 'upstream_unavailable'],
    deliver: {
      desktop: false,
      command: { argv: ['./notify.sh', '--channel', 'ops alerts'], timeoutMs: 2000 },
      webhook: {
        url: 'http://127.0.0.1:9000/hook',
        headers: { Authorization: 'Bearer not-a-real-token', 'X-Team': 'agents' },
        retries: 1,
      },
    },
  },
  { name: 'spend', kind: 'cost_per_hour', threshold: 2.5, service: 'api', enabled: false },
  {
    name: 'slow tools',
    kind: 'sql',
    sql: 'SELECT tool_name, percentile(duration, 95) AS p95 FROM tool_calls GROUP BY tool_name',
    valueColumn: 'p95',
    threshold: 2,
    direction: 'below',
    timeoutMs: 1000,
  },
  { name: 'any rejection', kind: 'sql', sql: 'SELECT trace_id FROM agent_runs' },
]

describe('alert rule form', () => {
  it.each(RULES.map((rule) => [rule.name, rule]))('%s round-trips', (_, rule) => {
    expect(formToRule(ruleToForm(rule))).toEqual(rule)
  })

  it('names a missing threshold', () => {
    expect(formToRule({ ...EMPTY_ALERT_FORM, name: 'x' })).toBe('Threshold is required.')
  })

  it('names a threshold that is not a number', () => {
    expect(formToRule({ ...EMPTY_ALERT_FORM, name: 'x', threshold: 'twenty' })).toBe(
      'Threshold must be a number, not "twenty".',
    )
  })

  it('names a header without a colon', () => {
    const form = {
      ...EMPTY_ALERT_FORM,
      name: 'x',
      threshold: '1',
      webhookUrl: 'http://127.0.0.1:9000/',
      webhookHeaders: 'Authorization Bearer x',
    }
    expect(formToRule(form)).toBe(
      'Webhook header "Authorization Bearer x" must be written as Name: value.',
    )
  })

  it('needs a name', () => {
    expect(formToRule({ ...EMPTY_ALERT_FORM, threshold: '5' })).toBe('Name is required.')
  })
})

describe('rule conditions', () => {
  it.each([
    [
      RULES[0]!,
      'more than 20% of agent runs (agent support_agent) failed with timeout or upstream_unavailable in 15m, at least 5 runs',
    ],
    [RULES[1]!, 'more than $2.5 spent in the last hour (service api)'],
    [RULES[2]!, 'p95 below 2 in a row'],
    [RULES[3]!, 'the query returns a row'],
  ])('%#: %s', (rule, text) => {
    expect(describeCondition(rule)).toBe(text)
  })
})

describe('alerts route', () => {
  it('parses the page and a rule', () => {
    expect(parseRoute('#/alerts')).toEqual({ page: 'alerts', rule: null })
    expect(parseRoute(alertsHash('agent failures'))).toEqual({
      page: 'alerts',
      rule: 'agent failures',
    })
    expect(alertsHash('agent failures')).toBe('#/alerts/agent%20failures')
  })
})

describe('evaluation interval', () => {
  it.each([
    [30, '30 s'],
    [90, '90 s'],
    [300, '5 min'],
    [3600, '1 h'],
    [5400, '1.5 h'],
    [7200, '2 h'],
  ])('%s seconds is %s', (seconds, text) => {
    expect(formatInterval(seconds)).toBe(text)
  })
})
