import { describe, expect, it } from 'vitest'
import { parseRoute, SETTINGS_HASH } from '../../../src/renderer/src/route'
import {
  formatSettingValue,
  fromForm,
  invalidFieldsMessage,
  toForm,
} from '../../../src/renderer/src/settings-form'
import type { SettingsDocument } from '../../../src/shared/settings'

function defaults(): SettingsDocument {
  return {
    dataDir: null,
    host: '127.0.0.1',
    allowedHosts: [],
    retentionDays: null,
    maxStoreMb: null,
    maxAttributeMb: 4,
    pricesFile: null,
    ports: { otlpHttp: null, otlpGrpc: null, ui: null },
    redaction: { enabled: true, extraRules: [] },
    forwarding: { url: null, headers: {} },
    alerts: { intervalSeconds: 60 },
  }
}

describe('settings form', () => {
  it('round-trips a document', () => {
    const settings: SettingsDocument = {
      ...defaults(),
      dataDir: '/srv/loupe',
      allowedHosts: ['host.docker.internal', 'loupe.test'],
      retentionDays: 0.5,
      ports: { otlpHttp: 14318, otlpGrpc: null, ui: 0 },
      redaction: { enabled: false, extraRules: [{ name: 'itk', pattern: 'itk_[0-9]+' }] },
      forwarding: { url: 'http://127.0.0.1:4318', headers: { 'X-Token': 't' } },
    }
    const form = toForm(settings)
    expect(form['ports.otlpGrpc']).toBe('')
    expect(form['ports.ui']).toBe('0')
    expect(form.allowedHosts).toBe('host.docker.internal, loupe.test')
    expect(form['redaction.enabled']).toBe(false)
    expect(fromForm(form, defaults())).toEqual({ settings, problems: [] })
  })

  it('reads empty inputs as defaults', () => {
    const form = toForm(defaults())
    form['redaction.extraRules'] = ''
    form['forwarding.headers'] = '  '
    form.allowedHosts = ' a.test ,b.test  c.test '
    const { settings, problems } = fromForm(form, defaults())
    expect(problems).toEqual([])
    expect(settings.redaction.extraRules).toEqual([])
    expect(settings.forwarding.headers).toEqual({})
    expect(settings.allowedHosts).toEqual(['a.test', 'b.test', 'c.test'])
  })

  it('reports inputs it cannot read', () => {
    const form = toForm(defaults())
    form['ports.ui'] = 'http'
    form.maxAttributeMb = ''
    form['forwarding.headers'] = '{"a": '
    const { problems } = fromForm(form, defaults())
    expect(problems.map((problem) => problem.field)).toEqual([
      'ports.ui',
      'maxAttributeMb',
      'forwarding.headers',
    ])
    expect(problems[0]!.message).toBe('http is not a number')
    expect(problems[1]!.message).toBe('required')
    expect(problems[2]!.message).toMatch(/^invalid JSON: /)
  })

  it('leaves range checks to the core', () => {
    const form = toForm(defaults())
    form['ports.ui'] = '70000'
    const { settings, problems } = fromForm(form, defaults())
    expect(problems).toEqual([])
    expect(settings.ports.ui).toBe(70000)
  })
})

describe('formatSettingValue', () => {
  it('shows values in one line', () => {
    expect(formatSettingValue('port', null)).toBe('default')
    expect(formatSettingValue('optional-number', null)).toBe('none')
    expect(formatSettingValue('boolean', false)).toBe('off')
    expect(formatSettingValue('headers', { Authorization: 'secret' })).toBe('Authorization')
    expect(formatSettingValue('rules', [{}, {}])).toBe('2 rules')
    expect(formatSettingValue('host-list', ['a.test'])).toBe('a.test')
    expect(formatSettingValue('number', 60)).toBe('60')
  })
})

describe('settings route', () => {
  it('explains invalid fields at start', () => {
    expect(invalidFieldsMessage([])).toBe(
      'Loupe reads them as their defaults. Fix them below and save.',
    )
  })

  it('explains a file broken while running', () => {
    // The file's retentionDays broke after start, so the read value differs from the running one.
    const message = invalidFieldsMessage(['retentionDays'])
    expect(message).toContain('keeps running with the values it started with until it restarts')
    expect(message).not.toContain('started with their defaults')
  })

  it('parses #/settings only', () => {
    expect(parseRoute(SETTINGS_HASH)).toEqual({ page: 'settings' })
    expect(parseRoute('#/settings/extra')).toEqual({ page: 'list' })
  })
})
