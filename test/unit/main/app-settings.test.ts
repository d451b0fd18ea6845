import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadAppSettings } from '../../../src/main/app-settings'

let folder: string
let warnings: { field: string; msg: string }[]
const log = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line)) })

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'loupe-app-settings-'))
  warnings = []
})

afterEach(async () => {
  await rm(folder, { recursive: true, force: true })
})

describe('loadAppSettings', () => {
  it('starts with the valid fields', async () => {
    await writeFile(
      join(folder, 'settings.json'),
      JSON.stringify({ ports: { ui: 99999, otlpHttp: 14318 }, retentionDays: 3 }),
    )
    const options = await loadAppSettings(folder, {}, log)
    expect(options.dataDir).toBe(folder)
    expect(options.otlpHttpPort).toBe(14318)
    expect(options.uiPort).toBeUndefined()
    expect(options.retentionDays).toBe(3)
    expect(options.fallbackOnConflict).toBe(true)
    expect(options.demo).toBe(false)
    expect(options.settings?.folder).toBe(folder)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]!.field).toBe('ports.ui')
    expect(warnings[0]!.msg).toMatch(/^invalid setting ignored: .*65535/)
  })

  it('lets LOUPE_DATA_DIR move the store', async () => {
    await writeFile(join(folder, 'settings.json'), JSON.stringify({ dataDir: '/srv/loupe' }))
    const options = await loadAppSettings(folder, { LOUPE_DATA_DIR: '/tmp/elsewhere' }, log)
    expect(options.dataDir).toBe('/tmp/elsewhere')
    expect(options.settings?.sources.dataDir).toEqual({
      kind: 'environment',
      name: 'LOUPE_DATA_DIR',
    })
  })

  it('logs a prices file that does not load', async () => {
    const prices = join(folder, 'prices.json')
    await writeFile(prices, 'not json')
    await writeFile(join(folder, 'settings.json'), JSON.stringify({ pricesFile: prices }))
    const options = await loadAppSettings(folder, {}, log)
    expect(options.priceOverrides).toEqual([])
    expect(warnings).toHaveLength(1)
    expect(warnings[0]!.field).toBe('pricesFile')
    expect(warnings[0]!.msg).toMatch(/is not valid JSON/)
  })
})
