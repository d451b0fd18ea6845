// Entry point of the core when the desktop app runs it in an Electron utility
// process. It reads its options from LOUPE_CORE_OPTIONS, starts the core and
// reports the result to the main process through process.parentPort.

import { startCore, type CoreOptions } from './core'

interface ParentPort {
  postMessage(message: unknown): void
  on(event: 'message', listener: (event: { data: unknown }) => void): void
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort

async function run(): Promise<void> {
  const options = JSON.parse(process.env.LOUPE_CORE_OPTIONS ?? '{}') as CoreOptions
  const core = await startCore(options)
  parentPort?.postMessage({ type: 'ready', uiUrl: core.uiUrlWithToken, status: core.status() })
  parentPort?.on('message', (event) => {
    if ((event.data as { type?: string })?.type === 'stop') {
      void core.stop().then(() => process.exit(0))
    }
  })
}

run().catch((error: unknown) => {
  parentPort?.postMessage({ type: 'failed', message: (error as Error).message })
  process.exit(1)
})
