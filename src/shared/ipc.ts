// The contract between the Electron main process and the preload: every IPC
// channel with its argument and result types. Nothing else crosses.

export interface CoreConnection {
  /** Base URL of the UI/API server, e.g. http://127.0.0.1:4320 */
  baseUrl: string
  token: string
}

export const IpcChannels = {
  getConnection: 'loupe:get-connection',
} as const

/** What the preload exposes to the renderer as `window.loupe`. */
export interface LoupeBridge {
  getConnection(): Promise<CoreConnection>
}
