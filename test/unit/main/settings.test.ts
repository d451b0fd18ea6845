import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_REDACTION_RULES } from '../../../src/core/redact/rules'
import {
  coreOptionsFromSettings,
  defaultSettings,
  parseSettings,
  readSettings,
  settingsFile,
  writeSettings,
} from '../../../src/main/settings'

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
    expect(read.settings).toEqual(defaultSettings())
    expect(read.settings.redaction.enabled).toBe(true)
    expect(read.settings.maxAttributeMb).toBe(4)
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
      retentionDays: 7,
      maxStoreMb: 512,
      maxAttributeMb: 8,
      ports: { otlpHttp: 14318, otlpGrpc: 0, ui: 14320 },
      redaction: {
        enabled: false,
        extraRules: [{ name: 'internal-token', pattern: 'itk_[0-9a-f]{20}' }],
      },
      forwarding: {
        otlpHttpEndpoint: 'http://127.0.0.1:4318',
        headers: { Authorization: 'Bearer sk-test-not-a-real-key' },
      },
    }
    await writeFile(settingsFile(dataDir), JSON.stringify(file))
    const read = await readSettings(dataDir)
    expect(read.problems).toEqual([])
    expect(read.settings).toEqual(file)
  })
})

describe('parseSettings', () => {
  it('keeps valid fields beside invalid ones', () => {
    const { settings, problems } = parseSettings({
      ports: { ui: 99999, otlpHttp: 14318 },
      retentionDays: -1,
      maxStoreMb: 100,
      forwarding: { otlpHttpEndpoint: 'ftp://example.test/' },
      dataDir: 'relative/folder',
    })
    expect(settings.ports.otlpHttp).toBe(14318)
    expect(settings.ports.ui).toBeNull()
    expect(settings.retentionDays).toBeNull()
    expect(settings.maxStoreMb).toBe(100)
    expect(settings.forwarding.otlpHttpEndpoint).toBeNull()
    expect(settings.dataDir).toBeNull()
    expect(problems.map((p) => p.field)).toEqual([
      'dataDir',
      'retentionDays',
      'ports.ui',
      'forwarding.otlpHttpEndpoint',
    ])
    expect(problems[0]!.message).toBe('must be an absolute path')
    expect(problems[1]!.message).toMatch(/>0|positive|greater/i)
    expect(problems[2]!.message).toMatch(/65535/)
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

describe('coreOptionsFromSettings', () => {
  it('maps defaults to core defaults', () => {
    const options = coreOptionsFromSettings(defaultSettings())
    expect(options.uiPort).toBeUndefined()
    expect(options.otlpHttpPort).toBeUndefined()
    expect(options.retentionDays).toBeUndefined()
    expect(options.maxStoreBytes).toBeUndefined()
    expect(options.maxAttributeBytes).toBe(4 * 1024 * 1024)
    expect(options.redaction).toEqual({ rules: DEFAULT_REDACTION_RULES })
  })

  it('maps sizes, ports and redaction', () => {
    const settings = defaultSettings()
    settings.maxStoreMb = 10
    settings.ports.otlpGrpc = 14317
    settings.redaction.enabled = false
    const options = coreOptionsFromSettings(settings)
    expect(options.maxStoreBytes).toBe(10 * 1024 * 1024)
    expect(options.otlpGrpcPort).toBe(14317)
    expect(options.fallbackOnConflict).toBe(true)
    expect(options.redaction).toBe(false)
  })

  it('appends extra rules to the defaults', () => {
    const settings = defaultSettings()
    const rule = { name: 'internal-token', pattern: 'itk_[0-9a-f]{20}' }
    settings.redaction.extraRules.push(rule)
    const options = coreOptionsFromSettings(settings)
    expect(options.redaction).toEqual({ rules: [...DEFAULT_REDACTION_RULES, rule] })
  })

  it('maps forwarding to the core', () => {
    expect(coreOptionsFromSettings(defaultSettings()).forward).toBeUndefined()
    const settings = defaultSettings()
    settings.forwarding.otlpHttpEndpoint = 'https://collector.test/otlp/'
    settings.forwarding.headers = { 'x-team-token': 'sk-test-not-a-real-key' }
    const options = coreOptionsFromSettings(settings)
    expect(options.forward).toEqual({
      url: 'https://collector.test/otlp',
      headers: { 'x-team-token': 'sk-test-not-a-real-key' },
    })
  })
})

describe('forwarding settings', () => {
  it('rejects a signal path and bad headers', () => {
    const { settings, problems } = parseSettings({
      forwarding: {
        otlpHttpEndpoint: 'http://collector.test:4318/v1/traces',
        headers: { 'Bad Name': 'x', 'Content-Type': 'text/plain', Authorization: 'a\nb' },
      },
    })
    expect(settings.forwarding.otlpHttpEndpoint).toBeNull()
    expect(settings.forwarding.headers).toEqual({})
    expect(problems.map((p) => p.field)).toEqual([
      'forwarding.otlpHttpEndpoint',
      'forwarding.headers.Bad Name',
      'forwarding.headers.Content-Type',
      'forwarding.headers.Authorization',
    ])
    expect(problems[0]!.message).toContain('give the base URL without it')
    expect(problems[1]!.message).toBe('invalid header name "Bad Name"')
    expect(problems[2]!.message).toContain('the header Content-Type cannot be set')
    expect(problems[3]!.message).toBe(
      'the value of the header Authorization contains a line break or control character',
    )
  })
})
