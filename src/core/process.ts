// Entry point of the core when the desktop app runs it in an Electron utility
// process. It reads its options from LOUPE_CORE_OPTIONS, starts the core and
// reports the result to the main process through process.parentPort. Main
// sends the provider keys from the keychain as messages, which stay in
// this process's memory.

import type { Core, CoreOptions } from './core'
import { ProviderKeys } from './gateway/provider-keys'
import { holdYoungGeneration, releaseYoungGeneration } from './young-generation'

interface ParentPort {
  postMessage(message: unknown): void
  on(event: 'message', listener: (event: { data: unknown }) => void): void
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort

type MainMessage =
  { type: 'stop' } | { type: 'provider-keys'; keys: Record<string, string | undefined> }

async function run(): Promise<void> {
  const options = JSON.parse(process.env.LOUPE_CORE_OPTIONS ?? '{}') as CoreOptions
  // The options may carry forwarding headers; the agents the core starts must not inherit them.
  delete process.env.LOUPE_CORE_OPTIONS
  const providerKeys = new ProviderKeys()
  let core: Core | null = null
  parentPort?.on('message', (event) => {
    const message = event.data as MainMessage | undefined
    if (message?.type === 'provider-keys') providerKeys.replace(message.keys)
    if (message?.type === 'stop') {
      if (core === null) process.exit(0)
      else void core.stop().then(() => process.exit(0))
    }
  })
  // Imported here so that the young generation is limited while the core's modules load.
  holdYoungGeneration()
  const { startCore } = await import('./core')
  releaseYoungGeneration()
  core = await startCore({ ...options, providerKeys })
  parentPort?.postMessage({ type: 'ready', uiUrl: core.uiUrlWithToken, status: core.status() })
}

run().catch((error: unknown) => {
  parentPort?.postMessage({ type: 'failed', message: (error as Error).message })
  process.exit(1)
})
