// `GET` and `PUT /api/settings`: the settings file of the data folder, the
// values the core runs with and where they came from. A PUT validates the
// whole document and saves it only when it has no problem. The running core
// keeps its values, and the response lists those that apply after a restart.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import type { JsonValue } from '../../shared/api'
import type {
  ProviderId,
  ProviderKeySource,
  SettingsRejection,
  SettingsView,
} from '../../shared/settings'
import { parseSettings, readSettings, writeSettings, type ParsedSettings } from '../settings/file'
import {
  loadSettingsPrices,
  settingsNeedingRestart,
  type SettingsRuntime,
} from '../settings/resolve'
import { redactionRulesJsonSchema } from '../settings/schema'
import { readRequestBody, RequestBodyTooLargeError, sendJson } from './http-json'

/** Largest settings document accepted, in bytes. */
const MAX_SETTINGS_BYTES = 1024 * 1024

export interface SettingsApi {
  runtime: SettingsRuntime
  /** Returns the source of each provider's key for the gateway. */
  providerKeys: () => Record<ProviderId, ProviderKeySource>
}

/** Handles `/api/settings`; `api` is null for a core started without a settings file. */
export async function routeSettings(
  api: SettingsApi | null,
  method: string,
  request: IncomingMessage,
  response: ServerResponse,
  log: Logger,
): Promise<void> {
  if (api === null) {
    sendJson(response, 404, {
      error:
        'this core was started without a settings file; `loupe serve` and the desktop app have one',
    })
    return
  }
  if (method === 'GET') {
    const read = await readSettings(api.runtime.folder)
    sendJson(response, 200, settingsView(api, read, read.file, read.exists))
    return
  }
  if (method === 'PUT') {
    await saveSettings(api, request, response, log)
    return
  }
  sendJson(response, 405, { error: `${method} is not allowed on /api/settings; use GET or PUT` })
}

async function saveSettings(
  api: SettingsApi,
  request: IncomingMessage,
  response: ServerResponse,
  log: Logger,
): Promise<void> {
  let raw: Buffer
  try {
    raw = await readRequestBody(
      request,
      MAX_SETTINGS_BYTES,
      `the settings document is larger than ${MAX_SETTINGS_BYTES} bytes`,
    )
  } catch (error) {
    const status = error instanceof RequestBodyTooLargeError ? 413 : 400
    sendJson(response, status, { error: (error as Error).message, problems: [] })
    return
  }
  let body: unknown
  try {
    body = JSON.parse(raw.toString('utf8'))
  } catch (error) {
    sendJson(response, 400, {
      error: `invalid JSON body: ${(error as Error).message}`,
      problems: [],
    })
    return
  }

  const parsed = parseSettings(body)
  const prices = parsed.problems.length === 0 ? await loadSettingsPrices(parsed.settings) : null
  const problems = [...parsed.problems, ...(prices?.problems ?? [])]
  if (problems.length > 0) {
    const rejection: SettingsRejection = {
      error: `the settings were not saved: ${problems.length === 1 ? 'one field is' : `${problems.length} fields are`} invalid`,
      problems,
    }
    sendJson(response, 400, rejection)
    return
  }

  const file = await writeSettings(api.runtime.folder, parsed.settings)
  const view = settingsView(api, parsed, file, true)
  log.info(
    { file, restartRequired: view.restartRequired },
    `settings saved; ${view.restartRequired.length} setting(s) apply after a restart`,
  )
  sendJson(response, 200, view)
}

function settingsView(
  api: SettingsApi,
  read: ParsedSettings,
  file: string,
  fileExists: boolean,
): SettingsView {
  return {
    file,
    fileExists,
    saved: read.settings,
    running: api.runtime.running,
    sources: api.runtime.sources,
    problems: read.problems,
    restartRequired: settingsNeedingRestart(api.runtime, read),
    providerKeys: api.providerKeys(),
    extraRulesSchema: redactionRulesJsonSchema() as JsonValue,
  }
}
