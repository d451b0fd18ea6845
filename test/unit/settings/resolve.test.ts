import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command, Option } from 'commander'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { serveOverrides } from '../../../src/cli/serve-settings'
import { DEFAULT_REDACTION_RULES } from '../../../src/core/redact/rules'
import { parseSettings } from '../../../src/core/settings/file'
import {
  coreOptionsFromSettings,
  describeRunningSettings,
  loadSettingsPrices,
  resolveSettings,
  settingsNeedingRestart,
  type SettingOverrides,
} from '../../../src/core/settings/resolve'
import { defaultSettings } from '../../../src/core/settings/schema'

const folder = '/home/someone/.local/share/loupe'

let temporary: string

beforeEach(async () => {
  temporary = await mkdtemp(join(tmpdir(), 'loupe-settings-resolve-'))
})

afterEach(async () => {
  await rm(temporary, { recursive: true, force: true })
})

describe('resolveSettings', () => {
  it('marks defaults and file values', () => {
    const read = parseSettings({ ports: { ui: 14320 }, retentionDays: 3 })
    const runtime = resolveSettings(read, {}, folder)
    expect(runtime.running.ports.ui).toBe(14320)
    expect(runtime.running.dataDir).toBe(folder)
    expect(runtime.sources['ports.ui']).toEqual({ kind: 'file' })
    expect(runtime.sources.retentionDays).toEqual({ kind: 'file' })
    expect(runtime.sources['ports.otlpHttp']).toEqual({ kind: 'default' })
    expect(runtime.sources.dataDir).toEqual({ kind: 'default' })
  })

  it('lets flags and environment win', () => {
    const read = parseSettings({ ports: { ui: 14320 }, maxStoreMb: 100, dataDir: '/srv/loupe' })
    const overrides: SettingOverrides = {
      'ports.ui': { value: 15000, source: { kind: 'flag', name: '--ui-port' } },
      maxStoreMb: { value: 50, source: { kind: 'environment', name: 'LOUPE_MAX_STORE_MB' } },
      dataDir: { value: '/tmp/other', source: { kind: 'flag', name: '--data' } },
    }
    const runtime = resolveSettings(read, overrides, folder)
    expect(runtime.running.ports.ui).toBe(15000)
    expect(runtime.running.maxStoreMb).toBe(50)
    expect(runtime.running.dataDir).toBe('/tmp/other')
    expect(runtime.sources['ports.ui']).toEqual({ kind: 'flag', name: '--ui-port' })
    expect(runtime.sources.maxStoreMb).toEqual({
      kind: 'environment',
      name: 'LOUPE_MAX_STORE_MB',
    })
  })

  it('uses the file data folder without a flag', () => {
    const runtime = resolveSettings(parseSettings({ dataDir: '/srv/loupe' }), {}, folder)
    expect(runtime.running.dataDir).toBe('/srv/loupe')
    expect(runtime.sources.dataDir).toEqual({ kind: 'file' })
  })
})

describe('settingsNeedingRestart', () => {
  it('lists changed file values', () => {
    const runtime = resolveSettings(parseSettings({ retentionDays: 3 }), {}, folder)
    const saved = parseSettings({ retentionDays: 5, redaction: { enabled: false } })
    expect(settingsNeedingRestart(runtime, saved)).toEqual(['retentionDays', 'redaction.enabled'])
  })

  it('ignores values that a flag overrides', () => {
    const overrides: SettingOverrides = {
      'ports.ui': { value: 15000, source: { kind: 'flag', name: '--ui-port' } },
    }
    const runtime = resolveSettings(parseSettings({}), overrides, folder)
    expect(settingsNeedingRestart(runtime, parseSettings({ ports: { ui: 16000 } }))).toEqual([])
  })

  it('is empty for an unchanged file', () => {
    const read = parseSettings({ maxAttributeMb: 8 })
    const runtime = resolveSettings(read, {}, folder)
    expect(settingsNeedingRestart(runtime, read)).toEqual([])
  })
})

describe('coreOptionsFromSettings', () => {
  it('maps defaults to core defaults', () => {
    const { running } = resolveSettings(parseSettings({}), {}, folder)
    const options = coreOptionsFromSettings(running, true)
    expect(options.dataDir).toBe(folder)
    expect(options.host).toBe('127.0.0.1')
    expect(options.allowedHosts).toEqual([])
    expect(options.uiPort).toBeUndefined()
    expect(options.otlpHttpPort).toBeUndefined()
    expect(options.retentionDays).toBeUndefined()
    expect(options.maxStoreBytes).toBeUndefined()
    expect(options.maxAttributeBytes).toBe(4 * 1024 * 1024)
    expect(options.redaction).toEqual({ rules: DEFAULT_REDACTION_RULES })
    expect(options.fallbackOnConflict).toBe(true)
  })

  it('maps sizes, ports and redaction', () => {
    const settings = { ...defaultSettings(), dataDir: folder, maxStoreMb: 10 }
    settings.ports.otlpGrpc = 14317
    settings.redaction.enabled = false
    const options = coreOptionsFromSettings(settings, false)
    expect(options.maxStoreBytes).toBe(10 * 1024 * 1024)
    expect(options.otlpGrpcPort).toBe(14317)
    expect(options.fallbackOnConflict).toBe(false)
    expect(options.redaction).toBe(false)
  })

  it('appends extra rules to the defaults', () => {
    const rule = { name: 'internal-token', pattern: 'itk_[0-9a-f]{20}' }
    const { running } = resolveSettings(
      parseSettings({ redaction: { extraRules: [rule] } }),
      {},
      folder,
    )
    const options = coreOptionsFromSettings(running, true)
    expect(options.redaction).toEqual({ rules: [...DEFAULT_REDACTION_RULES, rule] })
  })

  it('maps forwarding and the alert interval', () => {
    const off = resolveSettings(parseSettings({}), {}, folder).running
    expect(coreOptionsFromSettings(off, true).forward).toBeUndefined()
    expect(coreOptionsFromSettings(off, true).alertIntervalSeconds).toBe(60)
    const { running } = resolveSettings(
      parseSettings({
        forwarding: {
          url: 'https://collector.test/otlp/',
          headers: { 'x-team-token': 'not-a-real-token' },
        },
        alerts: { intervalSeconds: 15 },
      }),
      {},
      folder,
    )
    const options = coreOptionsFromSettings(running, true)
    expect(options.forward).toEqual({
      url: 'https://collector.test/otlp',
      headers: { 'x-team-token': 'not-a-real-token' },
    })
    expect(options.alertIntervalSeconds).toBe(15)
  })

  it('rejects a forwarding URL with a signal path and headers Loupe sets itself', () => {
    const { settings, problems } = parseSettings({
      forwarding: {
        url: 'http://collector.test:4318/v1/traces',
        headers: { 'Content-Type': 'text/plain' },
      },
    })
    expect(settings.forwarding.url).toBeNull()
    expect(problems.map((p) => p.field)).toEqual([
      'forwarding.url',
      'forwarding.headers.Content-Type',
    ])
    expect(problems[0]!.message).toContain('give the base URL without it')
    expect(problems[1]!.message).toContain('the header Content-Type cannot be set')
  })
})

describe('describeRunningSettings', () => {
  it('names each source and hides header values', () => {
    const read = parseSettings({
      retentionDays: 2,
      forwarding: { headers: { Authorization: 'Bearer sk-test-not-a-real-key' } },
    })
    const overrides: SettingOverrides = {
      'ports.ui': { value: 15000, source: { kind: 'flag', name: '--ui-port' } },
    }
    const lines = describeRunningSettings(resolveSettings(read, overrides, folder))
    expect(lines).toEqual([
      'retentionDays = 2 (settings file)',
      'ports.ui = 15000 (flag --ui-port)',
      'forwarding.headers = Authorization (settings file)',
    ])
    expect(lines.join('\n')).not.toContain('sk-test-not-a-real-key')
  })
})

describe('loadSettingsPrices', () => {
  it('loads a valid prices file', async () => {
    const file = join(temporary, 'prices.json')
    const price = { provider: 'openai', model: 'gpt-test', inputPerMTok: 1, outputPerMTok: 2 }
    await writeFile(file, JSON.stringify([price]))
    const loaded = await loadSettingsPrices({ ...defaultSettings(), pricesFile: file })
    expect(loaded.problems).toEqual([])
    expect(loaded.prices).toEqual([{ ...price, cacheReadPerMTok: null, cacheWritePerMTok: null }])
  })

  it('reports a missing file', async () => {
    const file = join(temporary, 'missing.json')
    const loaded = await loadSettingsPrices({ ...defaultSettings(), pricesFile: file })
    expect(loaded.prices).toEqual([])
    expect(loaded.problems).toHaveLength(1)
    expect(loaded.problems[0]!.field).toBe('pricesFile')
    expect(loaded.problems[0]!.message).toMatch(/^cannot read .*missing\.json/)
  })

  it('names the invalid entry', async () => {
    const file = join(temporary, 'prices.json')
    await writeFile(file, JSON.stringify([{ provider: 'openai', model: 'm', inputPerMTok: -1 }]))
    const loaded = await loadSettingsPrices({ ...defaultSettings(), pricesFile: file })
    expect(loaded.problems[0]!.message).toMatch(/entry 0\.inputPerMTok/)
  })

  it('returns nothing without a file', async () => {
    expect(await loadSettingsPrices(defaultSettings())).toEqual({ prices: [], problems: [] })
  })
})

describe('serveOverrides', () => {
  function parse(args: string[], env: Record<string, string> = {}) {
    const command = new Command('serve')
      .exitOverride()
      .option('--host <address>', 'address', '127.0.0.1')
      .option('--ui-port <port>', 'port', Number)
      .option('--data <dir>', 'folder')
      .addOption(new Option('--max-store-mb <mib>').argParser(Number).env('LOUPE_MAX_STORE_MB'))
    const saved = { ...process.env }
    Object.assign(process.env, env)
    try {
      command.parse(args, { from: 'user' })
    } finally {
      process.env = saved
    }
    return serveOverrides(command.opts(), (name) => command.getOptionValueSource(name), env)
  }

  it('takes flags, not defaults', () => {
    const overrides = parse(['--ui-port', '15000'])
    expect(overrides['ports.ui']).toEqual({
      value: 15000,
      source: { kind: 'flag', name: '--ui-port' },
    })
    expect(overrides.host).toBeUndefined()
  })

  it('takes environment variables', () => {
    const overrides = parse([], { LOUPE_MAX_STORE_MB: '64', LOUPE_DATA_DIR: '/tmp/loupe-env' })
    expect(overrides.maxStoreMb).toEqual({
      value: 64,
      source: { kind: 'environment', name: 'LOUPE_MAX_STORE_MB' },
    })
    expect(overrides.dataDir).toEqual({
      value: '/tmp/loupe-env',
      source: { kind: 'environment', name: 'LOUPE_DATA_DIR' },
    })
  })

  it('prefers --data over LOUPE_DATA_DIR', () => {
    const overrides = parse(['--data', '/tmp/flag'], { LOUPE_DATA_DIR: '/tmp/loupe-env' })
    expect(overrides.dataDir).toEqual({
      value: '/tmp/flag',
      source: { kind: 'flag', name: '--data' },
    })
  })
})
