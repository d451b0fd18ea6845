// From the settings file to the running core: command-line flags and
// environment variables override the file, the file overrides the defaults,
// and each running value remembers which of them it came from.

import type {
  SettingPath,
  SettingSource,
  SettingsDocument,
  SettingsProblem,
} from '../../shared/settings'
import { describeSource, settingValue, withSettingValue } from '../../shared/settings'
import type { CoreOptions } from '../core'
import { checkForwardUrl } from '../forward/config'
import { loadPricesFile, PricesFileError } from '../genai/prices-file'
import type { PriceOverride } from '../genai/pricing'
import { DEFAULT_REDACTION_RULES } from '../redact/rules'
import type { ParsedSettings } from './file'
import { SETTING_PATHS, type Settings } from './schema'

const MIB = 1024 * 1024

/** A value given on the command line or in the environment, which wins over the file. */
export interface SettingOverride {
  value: unknown
  source: Extract<SettingSource, { kind: 'flag' | 'environment' }>
}

export type SettingOverrides = Partial<Record<SettingPath, SettingOverride>>

/**
 * The settings a core runs with and where they came from. Plain data, so
 * that the desktop app can hand it to the core's process as JSON.
 */
export interface SettingsRuntime {
  /** Folder that contains settings.json. */
  folder: string
  overrides: SettingOverrides
  running: Settings
  sources: Record<SettingPath, SettingSource>
}

/**
 * Applies `overrides` to the settings read from `folder`'s file. A data
 * folder left null resolves to `folder`.
 */
export function resolveSettings(
  read: Pick<ParsedSettings, 'settings' | 'present'>,
  overrides: SettingOverrides,
  folder: string,
): SettingsRuntime {
  let running: SettingsDocument = read.settings
  const sources = {} as Record<SettingPath, SettingSource>
  for (const path of SETTING_PATHS) {
    const override = overrides[path]
    if (override !== undefined) {
      running = withSettingValue(running, path, override.value)
      sources[path] = override.source
    } else {
      sources[path] = read.present.includes(path) ? { kind: 'file' } : { kind: 'default' }
    }
  }
  if (running.dataDir === null) running = { ...running, dataDir: folder }
  return { folder, overrides, running, sources }
}

/**
 * Returns the settings whose value would change if the core started again
 * with the file as `read` now and the same flags and environment.
 */
export function settingsNeedingRestart(
  runtime: SettingsRuntime,
  read: Pick<ParsedSettings, 'settings' | 'present'>,
): SettingPath[] {
  const next = resolveSettings(read, runtime.overrides, runtime.folder).running
  return SETTING_PATHS.filter(
    (path) =>
      JSON.stringify(settingValue(next, path)) !==
      JSON.stringify(settingValue(runtime.running, path)),
  )
}

/** Returns the core options that the running settings set. */
export function coreOptionsFromSettings(
  running: Settings,
  fallbackOnConflict: boolean,
): Required<Pick<CoreOptions, 'dataDir' | 'host' | 'allowedHosts' | 'maxAttributeBytes'>> &
  Pick<
    CoreOptions,
    | 'otlpHttpPort'
    | 'otlpGrpcPort'
    | 'uiPort'
    | 'fallbackOnConflict'
    | 'retentionDays'
    | 'maxStoreBytes'
    | 'redaction'
    | 'forward'
    | 'alertIntervalSeconds'
  > {
  const { ports, redaction, forwarding } = running
  if (running.dataDir === null) throw new Error('resolveSettings must resolve the data folder')
  return {
    dataDir: running.dataDir,
    host: running.host,
    allowedHosts: running.allowedHosts,
    otlpHttpPort: ports.otlpHttp ?? undefined,
    otlpGrpcPort: ports.otlpGrpc ?? undefined,
    uiPort: ports.ui ?? undefined,
    fallbackOnConflict,
    retentionDays: running.retentionDays ?? undefined,
    maxStoreBytes: running.maxStoreMb === null ? undefined : running.maxStoreMb * MIB,
    maxAttributeBytes: running.maxAttributeMb * MIB,
    redaction: redaction.enabled
      ? { rules: [...DEFAULT_REDACTION_RULES, ...redaction.extraRules] }
      : false,
    forward:
      forwarding.url === null
        ? undefined
        : { url: checkForwardUrl(forwarding.url), headers: forwarding.headers },
    alertIntervalSeconds: running.alerts.intervalSeconds,
  }
}

/**
 * Loads the prices file that `settings` names, or returns [] when it names
 * none. Returns a problem under `pricesFile` instead of throwing.
 */
export async function loadSettingsPrices(
  settings: Settings,
): Promise<{ prices: PriceOverride[]; problems: SettingsProblem[] }> {
  if (settings.pricesFile === null) return { prices: [], problems: [] }
  try {
    return { prices: await loadPricesFile(settings.pricesFile), problems: [] }
  } catch (error) {
    if (!(error instanceof PricesFileError)) throw error
    return { prices: [], problems: [{ field: 'pricesFile', message: error.message }] }
  }
}

/**
 * Describes, one line each, the settings that do not have their default
 * value and where each came from. Header values are left out: they may be
 * credentials.
 */
export function describeRunningSettings(runtime: SettingsRuntime): string[] {
  const lines: string[] = []
  for (const path of SETTING_PATHS) {
    const source = runtime.sources[path]
    if (source.kind === 'default') continue
    const value = settingValue(runtime.running, path)
    const shown =
      path === 'forwarding.headers'
        ? Object.keys(value as Record<string, string>).join(', ') || '(none)'
        : JSON.stringify(value)
    lines.push(`${path} = ${shown} (${describeSource(source)})`)
  }
  return lines
}
