interface Window {
  /** The API that the Electron preload exposes to the page, undefined in a plain browser. */
  loupe?: import('../../shared/ipc').LoupeBridge
}

/** Vite's `?worker` imports: the default export constructs the bundled worker. */
declare module '*?worker' {
  const WorkerConstructor: new () => Worker
  export default WorkerConstructor
}
