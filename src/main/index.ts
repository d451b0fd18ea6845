// Electron main process: starts the core in a utility process, so that ingest
// runs outside the window's process, and opens a window on the UI it serves.

import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  shell,
  utilityProcess,
  type UtilityProcess,
} from 'electron'
import { defaultDataDir } from '../core/paths'
import { IpcChannels, type CoreConnection } from '../shared/ipc'

const here = fileURLToPath(new URL('.', import.meta.url))

interface CoreReady {
  type: 'ready'
  uiUrl: string
}

interface CoreFailed {
  type: 'failed'
  message: string
}

let core: UtilityProcess | null = null
let connection: CoreConnection | null = null

function startCoreProcess(): Promise<CoreConnection> {
  const options = { dataDir: defaultDataDir(), demo: false }
  core = utilityProcess.fork(join(here, 'core-process.js'), [], {
    serviceName: 'Loupe core',
    env: { ...process.env, LOUPE_CORE_OPTIONS: JSON.stringify(options) },
  })
  return new Promise((resolve, reject) => {
    core?.on('message', (message: CoreReady | CoreFailed) => {
      if (message.type === 'ready') {
        const url = new URL(message.uiUrl)
        resolve({ baseUrl: url.origin, token: url.searchParams.get('token') ?? '' })
      } else reject(new Error(message.message))
    })
    core?.once('exit', (code) => reject(new Error(`the Loupe core exited with code ${code}`)))
  })
}

function openWindow(target: CoreConnection): void {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    title: 'Loupe',
    webPreferences: {
      preload: join(here, '../preload/index.mjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  })
  // Links to other origins open in the system browser, never in the app.
  window.webContents.setWindowOpenHandler(({ url }) => {
    void shell.openExternal(url)
    return { action: 'deny' }
  })
  window.webContents.on('will-navigate', (event, url) => {
    if (new URL(url).origin !== target.baseUrl) event.preventDefault()
  })
  void window.loadURL(`${target.baseUrl}/`)
}

ipcMain.handle(IpcChannels.getConnection, (event) => {
  const origin = new URL(event.senderFrame?.url ?? 'about:blank').origin
  if (!connection || origin !== connection.baseUrl)
    throw new Error('rejected IPC from an unknown page')
  return connection
})

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.on('second-instance', () => {
    const [window] = BrowserWindow.getAllWindows()
    if (window) {
      if (window.isMinimized()) window.restore()
      window.focus()
    }
  })
  app.whenReady().then(
    async () => {
      try {
        connection = await startCoreProcess()
        openWindow(connection)
      } catch (error) {
        dialog.showErrorBox('Loupe could not start', (error as Error).message)
        app.quit()
      }
    },
    () => app.quit(),
  )
  app.on('window-all-closed', () => app.quit())
  app.on('before-quit', () => {
    core?.postMessage({ type: 'stop' })
  })
}
