/** The API that the Electron preload exposes to the page, undefined in a plain browser. */
interface LoupePreloadApi {
  /** Returns the core's UI/API base URL and the API token. */
  getConnection(): Promise<{ baseUrl: string; token: string }>
}

interface Window {
  loupe?: LoupePreloadApi
}

/** Vite's `?worker` imports: the default export constructs the bundled worker. */
declare module '*?worker' {
  const WorkerConstructor: new () => Worker
  export default WorkerConstructor
}
