import { useCallback, useEffect, useState } from 'react'
import type { SettingsDocument, SettingsProblem, SettingsView } from '../../../shared/settings'
import { ApiError, errorMessage, isAbortError } from '../api'
import { useApi } from '../api-context'
import type { Connection } from '../connection'

export type SaveOutcome =
  { saved: true; view: SettingsView } | { saved: false; error: string; problems: SettingsProblem[] }

export interface SettingsState {
  view: SettingsView | null
  loadError: string | null
  /** Saves the whole document; the core rejects it, with each problem, when a field is invalid. */
  save: (settings: SettingsDocument) => Promise<SaveOutcome>
}

/** Loads `GET /api/settings` and saves through `PUT /api/settings`. */
export function useSettings(): SettingsState {
  const { client } = useApi()
  const [view, setView] = useState<SettingsView | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)

  useEffect(() => {
    const controller = new AbortController()
    requestSettings(client.connection, { signal: controller.signal })
      .then(async (response) => {
        if (!response.ok) throw await failure(response)
        setView((await response.json()) as SettingsView)
        setLoadError(null)
      })
      .catch((error: unknown) => {
        if (!isAbortError(error)) setLoadError(errorMessage(error))
      })
    return () => controller.abort()
  }, [client])

  const save = useCallback(
    async (settings: SettingsDocument): Promise<SaveOutcome> => {
      const response = await requestSettings(client.connection, {
        method: 'PUT',
        body: JSON.stringify(settings),
      })
      if (response.status === 400) {
        const body = (await response.json()) as { error: string; problems?: SettingsProblem[] }
        return { saved: false, error: body.error, problems: body.problems ?? [] }
      }
      if (!response.ok) throw await failure(response)
      const saved = (await response.json()) as SettingsView
      setView(saved)
      return { saved: true, view: saved }
    },
    [client],
  )

  return { view, loadError, save }
}

function requestSettings(connection: Connection, init: RequestInit): Promise<Response> {
  const headers: Record<string, string> = {
    Authorization: `Bearer ${connection.token}`,
    Accept: 'application/json',
  }
  if (init.body !== undefined) headers['Content-Type'] = 'application/json'
  return fetch(new URL('api/settings', connection.baseUrl), { ...init, headers })
}

async function failure(response: Response): Promise<ApiError> {
  let message = `${response.status} ${response.statusText}`.trim()
  try {
    const body = (await response.json()) as { error?: unknown }
    if (typeof body.error === 'string') message = body.error
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(message, response.status)
}
