import { useCallback, useEffect, useState } from 'react'
import { errorMessage, isAbortError, type PriceList, type PriceOverride } from '../api'
import { useApi } from '../api-context'

export interface PricesState {
  prices: PriceList | null
  /** Failure of loading the list. */
  loadError: string | null
  /** Saves an override; rejects with the core's message when it is invalid. */
  save: (override: PriceOverride) => Promise<void>
  remove: (provider: string, model: string) => Promise<void>
}

/** Loads the price overrides and saves or deletes them. */
export function usePrices(): PricesState {
  const { client } = useApi()
  const [prices, setPrices] = useState<PriceList | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)

  useEffect(() => {
    const controller = new AbortController()
    client.getPrices(controller.signal).then(
      (list) => {
        setPrices(list)
        setLoadError(null)
      },
      (error: unknown) => {
        if (!isAbortError(error)) setLoadError(errorMessage(error))
      },
    )
    return () => controller.abort()
  }, [client])

  const save = useCallback(
    async (override: PriceOverride) => setPrices(await client.savePrice(override)),
    [client],
  )
  const remove = useCallback(
    async (provider: string, model: string) => setPrices(await client.deletePrice(provider, model)),
    [client],
  )

  return { prices, loadError, save, remove }
}
