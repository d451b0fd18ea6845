// The settings of `loupe serve`: settings.json in the data folder, with the
// command-line flags and environment variables of `serve` overriding it.

import type { Command } from 'commander'
import type { CoreOptions } from '../core/core'
import { dataDirFromEnvironment, defaultDataDir } from '../core/paths'
import { readSettings, type SettingsRead } from '../core/settings/file'
import {
  coreOptionsFromSettings,
  describeRunningSettings,
  loadSettingsPrices,
  resolveSettings,
  type SettingOverrides,
  type SettingsRuntime,
} from '../core/settings/resolve'
import type { SettingPath } from '../shared/settings'
import { CliError } from './folder'

/** A `serve` option that a setting also sets: its commander name, flag and environment variable. */
interface OptionSetting {
  option: string
  path: SettingPath
  flag: string
  env?: string
}

const OPTION_SETTINGS: readonly OptionSetting[] = [
  { option: 'host', path: 'host', flag: '--host' },
  { option: 'allowHost', path: 'allowedHosts', flag: '--allow-host' },
  { option: 'port', path: 'ports.otlpHttp', flag: '--port' },
  { option: 'grpcPort', path: 'ports.otlpGrpc', flag: '--grpc-port' },
  { option: 'uiPort', path: 'ports.ui', flag: '--ui-port' },
  {
    option: 'maxAttributeMb',
    path: 'maxAttributeMb',
    flag: '--max-attribute-mb',
    env: 'LOUPE_MAX_ATTRIBUTE_MB',
  },
  { option: 'maxStoreMb', path: 'maxStoreMb', flag: '--max-store-mb', env: 'LOUPE_MAX_STORE_MB' },
  {
    option: 'retentionDays',
    path: 'retentionDays',
    flag: '--retention-days',
    env: 'LOUPE_RETENTION_DAYS',
  },
]

const PORT_PATHS: readonly SettingPath[] = ['ports.otlpHttp', 'ports.otlpGrpc', 'ports.ui']

export interface ServeSettings {
  read: SettingsRead
  runtime: SettingsRuntime
  coreOptions: ReturnType<typeof coreOptionsFromSettings> & Pick<CoreOptions, 'priceOverrides'>
  /** Start-up lines: the settings file and each value that is not a default, with its source. */
  lines: string[]
}

/**
 * Returns the flags and environment variables given to `serve` as overrides
 * of the settings file. The data folder given by `--data` or LOUPE_DATA_DIR
 * is both where settings.json is read and an override of its `dataDir`.
 */
export function serveOverrides(
  options: Record<string, unknown>,
  sourceOf: (option: string) => string | undefined,
  env: NodeJS.ProcessEnv,
): SettingOverrides {
  const overrides: SettingOverrides = {}
  for (const setting of OPTION_SETTINGS) {
    const source = sourceOf(setting.option)
    if (source === 'cli') {
      overrides[setting.path] = {
        value: options[setting.option],
        source: { kind: 'flag', name: setting.flag },
      }
    } else if (source === 'env' && setting.env !== undefined) {
      overrides[setting.path] = {
        value: options[setting.option],
        source: { kind: 'environment', name: setting.env },
      }
    }
  }
  if (typeof options.data === 'string') {
    overrides.dataDir = { value: options.data, source: { kind: 'flag', name: '--data' } }
  } else if (dataDirFromEnvironment(env) !== undefined) {
    overrides.dataDir = {
      value: env.LOUPE_DATA_DIR,
      source: { kind: 'environment', name: 'LOUPE_DATA_DIR' },
    }
  }
  return overrides
}

/**
 * Reads and checks the settings file of the data folder, applies the flags
 * and environment of `command`, and returns the core options. Throws a
 * CliError listing every invalid field when the file has any.
 */
export async function prepareServeSettings(
  options: Record<string, unknown> & { data?: string },
  command: Command,
): Promise<ServeSettings> {
  const folder = options.data ?? defaultDataDir()
  let read: SettingsRead
  try {
    read = await readSettings(folder)
  } catch (error) {
    throw new CliError(`cannot read the settings file in ${folder}: ${(error as Error).message}`)
  }
  const prices = read.problems.length === 0 ? await loadSettingsPrices(read.settings) : null
  const problems = [...read.problems, ...(prices?.problems ?? [])]
  if (problems.length > 0) {
    const list = problems.map((problem) => `  ${problem.field || '(document)'}: ${problem.message}`)
    throw new CliError(
      `invalid settings in ${read.file}:\n${list.join('\n')}\nFix or remove these fields in the file.`,
    )
  }
  const overrides = serveOverrides(
    options,
    (option) => command.getOptionValueSource(option),
    process.env,
  )
  const runtime = resolveSettings(read, overrides, folder)
  // Ports from the file take the next free port when taken, as in the desktop app; a port flag fails instead.
  const portFlagGiven = PORT_PATHS.some((path) => overrides[path] !== undefined)
  const lines = [
    read.exists ? `Settings:  ${read.file}` : `Settings:  defaults (no ${read.file})`,
    ...describeRunningSettings(runtime).map((line) => `  ${line}`),
  ]
  return {
    read,
    runtime,
    coreOptions: {
      ...coreOptionsFromSettings(runtime.running, !portFlagGiven),
      priceOverrides: prices?.prices,
    },
    lines,
  }
}
