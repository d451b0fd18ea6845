// The app's one window: sandboxed, with navigation kept on the UI's origin
// and the UI's Content-Security-Policy set on every response it loads.

import { BrowserWindow, shell } from 'electron'
import type { Logger } from 'pino'
import { withContentSecurityPolicy } from './csp'
import { decideNavigation, decideWindowOpen } from './navigation'

/**
 * Opens the window on `baseUrl` with the preload at `preload`. `uiOrigin`
 * returns the current UI origin, which changes when the core restarts on
 * another port.
 */
export function openWindow(
  baseUrl: string,
  preload: string,
  uiOrigin: () => string,
  log: Logger,
): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    title: 'Loupe',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
    },
  })
  const contents = window.webContents
  contents.session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withContentSecurityPolicy(details.responseHeaders) })
  })
  contents.setWindowOpenHandler(({ url }) => {
    if (decideWindowOpen(url, uiOrigin()) === 'open-external') openExternal(url, log)
    else log.warn({ url }, 'denied a new window')
    return { action: 'deny' }
  })
  contents.on('will-navigate', (event, url) => {
    const decision = decideNavigation(url, uiOrigin())
    if (decision === 'allow') return
    event.preventDefault()
    if (decision === 'open-external') openExternal(url, log)
    else log.warn({ url }, 'denied a navigation')
  })
  contents.on('will-attach-webview', (event) => {
    event.preventDefault()
    log.warn('denied a webview')
  })
  void window.loadURL(`${baseUrl}/`)
  return window
}

/** Shows the window on `hash` of the UI at `baseUrl`, restoring it from the dock or taskbar. */
export function showRoute(window: BrowserWindow, baseUrl: string, hash: string): void {
  void window.loadURL(`${baseUrl}/${hash}`)
  focus(window)
}

export function focus(window: BrowserWindow): void {
  if (window.isMinimized()) window.restore()
  window.show()
  window.focus()
}

function openExternal(url: string, log: Logger): void {
  shell.openExternal(url).catch((error: unknown) => {
    log.warn({ url, err: error }, 'could not open the link in the system browser')
  })
}
