// Validates electron-builder.yml with the check electron-builder itself runs
// before packaging (its JSON schema, through app-builder-lib), without
// packaging anything.

import { existsSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { validateConfiguration } from 'app-builder-lib/out/util/config/config'
import { DebugLogger } from 'builder-util/out/DebugLogger'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '../../..')

async function loadConfig(): Promise<Record<string, unknown>> {
  return parse(await readFile(join(root, 'electron-builder.yml'), 'utf8')) as Record<
    string,
    unknown
  >
}

function validate(config: Record<string, unknown>): Promise<void> {
  return validateConfiguration(config, new DebugLogger(false))
}

describe('electron-builder.yml', () => {
  it('passes electron-builder validation', async () => {
    await expect(validate(await loadConfig())).resolves.toBeUndefined()
  })

  it('fails validation when broken', async () => {
    const config = { ...(await loadConfig()), nsis: { oneClick: 'sometimes' } }
    await expect(validate(config)).rejects.toThrow(/oneClick/)
    const unknown = { ...(await loadConfig()), autoUpdate: true }
    await expect(validate(unknown)).rejects.toThrow(/autoUpdate/)
  })

  it('names the app and its targets', async () => {
    const config = await loadConfig()
    expect(config.appId).toBe('dev.loupe.desktop')
    expect(config.productName).toBe('Loupe')
    expect((config.linux as { target: string[] }).target).toEqual(['AppImage', 'deb'])
    expect((config.mac as { target: string[] }).target).toEqual(['dmg'])
    expect((config.win as { target: string[] }).target).toEqual(['nsis'])
  })

  it('publishes nothing', async () => {
    const config = await loadConfig()
    expect(config).toHaveProperty('publish', null)
  })

  it('unpacks and rebuilds better-sqlite3', async () => {
    const config = await loadConfig()
    const unpacked = config.asarUnpack as string[]
    expect(unpacked).toContain('node_modules/better-sqlite3/build/Release/better_sqlite3.node')
    expect(unpacked).toContain('node_modules/better-sqlite3/build/Release/.forge-meta')
    expect(config.npmRebuild).toBe(true)
    expect(config.buildDependenciesFromSource).toBe(true)
  })

  it('registers the loupe scheme', async () => {
    const protocols = (await loadConfig()).protocols as { schemes: string[] }[]
    expect(protocols.flatMap((protocol) => protocol.schemes)).toEqual(['loupe'])
  })

  it('ships the loupe launcher and the tray icon', async () => {
    const config = await loadConfig()
    expect(config.extraResources).toEqual([{ from: 'resources/bin', to: 'bin' }])
    expect(config.files).toContain('resources/icons/icon.png')
    if (process.platform !== 'win32') {
      const mode = (await stat(join(root, 'resources/bin/loupe'))).mode
      expect(mode & 0o111, 'resources/bin/loupe is executable').toBe(0o111)
    }
  })

  it('points at icons that exist', async () => {
    const config = await loadConfig()
    for (const platform of ['linux', 'mac', 'win']) {
      const icon = (config[platform] as { icon: string }).icon
      expect(existsSync(join(root, icon)), `${platform} icon ${icon}`).toBe(true)
    }
  })
})
