// The desktop app's side of settings.json: it reads the same file as
// `loupe serve`, but starts with what is valid, because it must open a
// window in which the settings page can fix the rest.

import type { Logger } from 'pino'
import type { CoreOptions } from '../core/core'
import { dataDirFromEnvironment } from '../core/paths'
import { readSettings } from '../core/settings/file'
import {
  coreOptionsFromSettings,
  loadSettingsPrices,
  resolveSettings,
  type SettingOverrides,
} from '../core/settings/resolve'

/**
 * Returns the core options for the settings file in `folder`. Each invalid
 * field, and a prices file that cannot be loaded, is logged and left at its
 * default. LOUPE_DATA_DIR in `env` overrides the file's data folder, as it
 * does for `loupe serve`.
 */
export async function loadAppSettings(
  folder: string,
  env: NodeJS.ProcessEnv,
  log: Pick<Logger, 'warn'>,
): Promise<CoreOptions> {
  const read = await readSettings(folder)
  const prices = await loadSettingsPrices(read.settings)
  for (const problem of [...read.problems, ...prices.problems]) {
    log.warn(
      { file: read.file, field: problem.field },
      `invalid setting ignored: ${problem.message}`,
    )
  }
  const overrides: SettingOverrides = {}
  if (dataDirFromEnvironment(env) !== undefined) {
    overrides.dataDir = {
      value: env.LOUPE_DATA_DIR,
      source: { kind: 'environment', name: 'LOUPE_DATA_DIR' },
    }
  }
  const runtime = resolveSettings(read, overrides, folder)
  return {
    // The window follows the core wherever it listens, so a taken port is no reason to fail.
    ...coreOptionsFromSettings(runtime.running, true),
    settings: runtime,
    priceOverrides: prices.prices,
    demo: false,
  }
}
