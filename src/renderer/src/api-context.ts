import { createContext, useContext } from 'react'
import type { ApiClient } from './api'
import type { PushBus } from './push-bus'

export interface ApiContextValue {
  client: ApiClient
  bus: PushBus
}

export const ApiContext = createContext<ApiContextValue | null>(null)

/** Returns the API client and push bus; only valid below the App's provider. */
export function useApi(): ApiContextValue {
  const value = useContext(ApiContext)
  if (value === null) throw new Error('useApi() was called outside <ApiContext.Provider>')
  return value
}
