import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  parseSettings,
  readSettings,
  settingsFile,
  writeSettings,
} from '../../../src/core/settings/file'
import { defaultSettings } from '../../../src/core/settings/schema'

let dataDir: string

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'loupe-settings-'))
})

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true })
})

describe('readSettings', () => {
  it('returns defaults without a file', async () => {
    const read = await readSettings(dataDir)
    expect(read.problems).toEqual([])
    expect(read.exists).toBe(false)
    expect(read.present).toEqual([])
    expect(read.settings).toEqual(defaultSettings())
    expect(read.settings.redaction.enabled).toBe(true)
    expect(read.settings.maxAttributeMb).toBe(4)
    expect(read.settings.host).toBe('127.0.0.1')
    expect(read.settings.allowedHosts).toEqual([])
    expect(read.settings.alerts.intervalSeconds).toBe(60)
    expect(read.settings.forwarding).toEqual({ url: null, headers: {} })
    expect(read.settings.ports).toEqual({ otlpHttp: null, otlpGrpc: null, ui: null })
    expect(read.file).toBe(join(dataDir, 'settings.json'))
  })

  it('reports invalid JSON and uses defaults', async () => {
    await writeFile(settingsFile(dataDir), '{"ports": ')
    const read = await readSettings(dataDir)
    expect(read.settings).toEqual(defaultSettings())
    expect(read.problems).toHaveLength(1)
    expect(read.problems[0]!.message).toMatch(/^invalid JSON: /)
  })

  it('reads a valid file whole', async () => {
    const file = {
      dataDir: '/srv/loupe',
      host: '0.0.0.0',
      allowedHosts: ['host.docker.internal'],
      retentionDays: 7,
      maxStoreMb: 512,
      maxAttributeMb: 8,
      pricesFile: '/srv/prices.json',
      ports: { otlpHttp: 14318, otlpGrpc: 0, ui: 14320 },
      redaction: {
        enabled: false,
        extraRules: [{ name: 'internal-token', pattern: 'itk_[0-9a-f]{20}' }],
      },
      forwarding: {
        url: 'http://127.0.0.1:4318',
        headers: { Authorization: 'Bearer not-a-real-token' },
      },
      alerts: { intervalSeconds: 30 },
    }
    await writeFile(settingsFile(dataDir), JSON.stringify(file))
    const read = await readSettings(dataDir)
    expect(read.problems).toEqual([])
    expect(read.exists).toBe(true)
    expect(read.settings).toEqual(file)
    expect(read.present).toHaveLength(15)
  })
})

describe('parseSettings', () => {
  it('keeps valid fields beside invalid ones', () => {
    const { settings, problems } = parseSettings({
      ports: { ui: 99999, otlpHttp: 14318 },
      retentionDays: -1,
      maxStoreMb: 100,
      forwarding: { url: 'ftp://example.test/' },
      dataDir: 'relative/folder',
    })
    expect(settings.ports.otlpHttp).toBe(14318)
    expect(settings.ports.ui).toBeNull()
    expect(settings.retentionDays).toBeNull()
    expect(settings.maxStoreMb).toBe(100)
    expect(settings.forwarding.url).toBeNull()
    expect(settings.dataDir).toBeNull()
    expect(problems.map((p) => p.field)).toEqual([
      'dataDir',
      'retentionDays',
      'ports.ui',
      'forwarding.url',
    ])
    expect(problems[0]!.message).toBe('must be an absolute path')
    expect(problems[1]!.message).toMatch(/>0|positive|greater/i)
    expect(problems[2]!.message).toMatch(/65535/)
    expect(problems[3]!.message).toContain('only http and https are supported')
  })

  it('checks hosts, headers and the alert interval', () => {
    const { settings, problems } = parseSettings({
      host: 'not a host!',
      allowedHosts: ['host.docker.internal', 'bad host'],
      forwarding: {
        url: 'https://collector.example.test:4318',
        headers: { 'Bad Header': 'x', 'X-Token': 'line\nbreak' },
      },
      alerts: { intervalSeconds: 1 },
      retentionDays: 40_000,
    })
    expect(settings.host).toBe('127.0.0.1')
    expect(settings.allowedHosts).toEqual([])
    expect(settings.forwarding.url).toBe('https://collector.example.test:4318')
    expect(settings.forwarding.headers).toEqual({})
    expect(settings.alerts.intervalSeconds).toBe(60)
    expect(problems.map((p) => p.field)).toEqual([
      'host',
      'allowedHosts.1',
      'retentionDays',
      'forwarding.headers.Bad Header',
      'forwarding.headers.X-Token',
      'alerts.intervalSeconds',
    ])
    expect(problems[0]!.message).toMatch(/IP address/)
    expect(problems[1]!.message).toMatch(/host name/)
    expect(problems[4]!.message).toBe('must not contain line breaks')
  })

  it('accepts IPv6 and wildcard bind addresses', () => {
    for (const host of ['::1', '0.0.0.0', '::', 'localhost']) {
      const { settings, problems } = parseSettings({ host })
      expect(problems, host).toEqual([])
      expect(settings.host).toBe(host)
    }
  })

  it('reports unknown fields', () => {
    const { settings, problems } = parseSettings({ uiPort: 4000, ports: { grpc: 1 } })
    expect(settings).toEqual(defaultSettings())
    expect(problems).toEqual([
      { field: 'uiPort', message: 'unknown setting, ignored' },
      { field: 'ports.grpc', message: 'unknown setting, ignored' },
    ])
  })

  it('rejects a group that is no object', () => {
    const { settings, problems } = parseSettings({ redaction: false })
    expect(settings.redaction.enabled).toBe(true)
    expect(problems).toEqual([{ field: 'redaction', message: 'must be an object' }])
  })

  it('rejects a document that is no object', () => {
    const { settings, problems } = parseSettings([1, 2])
    expect(settings).toEqual(defaultSettings())
    expect(problems).toHaveLength(1)
    expect(problems[0]!.message).toBe('the settings file must contain a JSON object')
  })

  it('drops only the invalid redaction rules', () => {
    const { settings, problems } = parseSettings({
      redaction: {
        extraRules: [
          { name: 'broken', pattern: '(' },
          { name: 'internal-token', pattern: 'itk_[0-9a-f]{20}' },
          { name: 'openai-api-key', pattern: 'oak_[0-9]+' },
          { name: 'empty', pattern: 'x*' },
          { name: 'Bad Name', pattern: 'y+' },
        ],
      },
    })
    expect(settings.redaction.extraRules).toEqual([
      { name: 'internal-token', pattern: 'itk_[0-9a-f]{20}' },
    ])
    expect(problems.map((p) => p.field)).toEqual([
      'redaction.extraRules.0.pattern',
      'redaction.extraRules.2',
      'redaction.extraRules.3',
      'redaction.extraRules.4.name',
    ])
    expect(problems[0]!.message).toBe('pattern is not a valid JavaScript regular expression')
    expect(problems[1]!.message).toMatch(/openai-api-key/)
    expect(problems[2]!.message).toMatch(/empty/)
  })
})

describe('writeSettings', () => {
  it('round-trips through readSettings', async () => {
    const settings = defaultSettings()
    settings.retentionDays = 0.5
    settings.ports.ui = 14320
    settings.redaction.extraRules.push({ name: 'internal-token', pattern: 'itk_[0-9a-f]{20}' })
    const file = await writeSettings(dataDir, settings)
    expect(file).toBe(settingsFile(dataDir))
    const read = await readSettings(dataDir)
    expect(read.problems).toEqual([])
    expect(read.settings).toEqual(settings)
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(settings)
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600)
  })

  it('rejects invalid settings and leaves the file', async () => {
    await writeSettings(dataDir, defaultSettings())
    const before = await readFile(settingsFile(dataDir), 'utf8')
    const invalid = { ...defaultSettings(), maxAttributeMb: 0 }
    await expect(writeSettings(dataDir, invalid)).rejects.toThrow(/maxAttributeMb/)
    expect(await readFile(settingsFile(dataDir), 'utf8')).toBe(before)
  })
})
