// Electron main process: starts the core in a utility process, opens a window
// on the UI it serves, and routes what the OS hands to the app (a second
// launch, a loupe:// link, a file) to that window. The decisions live in
// plain modules next to this file, which Node tests.

import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { app, BrowserWindow, dialog, ipcMain, type IpcMainInvokeEvent } from 'electron'
import pino from 'pino'
import { defaultDataDir } from '../core/paths'
import { IpcChannels, type CoreConnection } from '../shared/ipc'
import { CoreSupervisor, type RunningCore } from './core-supervisor'
import { DEEP_LINK_SCHEME } from './deep-link'
import { acceptIpcSender, type IpcSender } from './ipc-sender'
import { chooseNativeBinding, currentRuntime } from './native-binding'
import { coreOptionsFromSettings, readSettings } from './settings'
import { decideHandOff, handOffForUrl, importKindOf, type HandOff } from './single-instance'
import { focus, openWindow, showRoute } from './window'

const here = fileURLToPath(new URL('.', import.meta.url))
const log = pino({ name: 'loupe-desktop' }, pino.destination(2))

let core: RunningCore | null = null
let supervisor: CoreSupervisor | null = null
let window: BrowserWindow | null = null
/** Hand-offs that arrived before the window was open. */
const pending: HandOff[] = []

async function start(): Promise<void> {
  const settingsDir = defaultDataDir()
  const { settings, problems, file } = await readSettings(settingsDir)
  for (const problem of problems) {
    log.warn({ file, field: problem.field }, `invalid setting ignored: ${problem.message}`)
  }

  const moduleRoot = app.isPackaged
    ? join(process.resourcesPath, 'app.asar.unpacked')
    : app.getAppPath()
  const nativeBinding = chooseNativeBinding(currentRuntime(moduleRoot))
  const options = {
    ...coreOptionsFromSettings(settings),
    dataDir: settings.dataDir ?? settingsDir,
    demo: false,
  }

  supervisor = new CoreSupervisor(join(here, 'core-process.js'), options, nativeBinding, log, {
    onRestarted: (exitCode, restarted) => {
      core = restarted
      if (window !== null) showRoute(window, restarted.baseUrl, '')
      void dialog.showMessageBox({
        type: 'warning',
        title: 'Loupe',
        message: 'The Loupe core stopped and was restarted.',
        detail: `It exited with code ${exitCode}. Traces stored before the exit are kept.`,
      })
    },
    onGaveUp: (exitCode, error) => {
      dialog.showErrorBox(
        'Loupe stopped',
        `The Loupe core exited with code ${exitCode} and could not be restarted: ${error.message}`,
      )
      app.quit()
    },
  })

  core = await supervisor.start()
  window = openWindow(core.baseUrl, join(here, '../preload/index.mjs'), uiOrigin, log)
  window.on('closed', () => {
    window = null
  })
  const launch = decideHandOff(process.argv, process.cwd())
  for (const reason of launch.rejected) log.warn(`ignored a launch argument: ${reason}`)
  pending.push(launch.handOff)
  for (const handOff of pending.splice(0)) void act(handOff)
}

function uiOrigin(): string {
  return core?.baseUrl ?? 'about:blank'
}

/** Carries out a hand-off in the open window, or keeps it until the window opens. */
async function act(handOff: HandOff): Promise<void> {
  if (window === null || core === null) {
    pending.push(handOff)
    return
  }
  switch (handOff.action) {
    case 'focus':
      focus(window)
      return
    case 'open-route':
      showRoute(window, core.baseUrl, handOff.link.hash)
      return
    case 'import-file':
      focus(window)
      if (handOff.kind === 'otlp-json') await importOtlpJson(handOff.path, core, window)
      else
        // NOTE: the core has no API to import a cassette yet, so the app shows the CLI command instead.
        void dialog.showMessageBox(window, {
          type: 'info',
          message: 'Loupe cannot open cassettes in the app yet.',
          detail: `Replay this cassette from a terminal:\nloupe replay ${handOff.path} -- COMMAND`,
        })
      return
  }
}

/** Sends an OTLP/JSON export to the core's OTLP/HTTP receiver and shows the trace list. */
async function importOtlpJson(
  path: string,
  target: RunningCore,
  shown: BrowserWindow,
): Promise<void> {
  try {
    if (target.otlpHttpUrl === null) throw new Error('the OTLP/HTTP receiver is off')
    const response = await fetch(`${target.otlpHttpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: await readFile(path),
    })
    if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`)
    log.info({ path }, 'imported an OTLP/JSON file')
    showRoute(shown, target.baseUrl, '#/')
  } catch (error) {
    log.error({ path, err: error }, 'import of an OTLP/JSON file failed')
    dialog.showErrorBox(
      'Import failed',
      `Loupe could not import ${path}: ${(error as Error).message}`,
    )
  }
}

function senderOf(event: IpcMainInvokeEvent): IpcSender {
  const frame = event.senderFrame
  return {
    webContentsId: event.sender.id,
    frameUrl: frame?.url ?? null,
    isMainFrame: frame !== null && frame.parent === null,
  }
}

function registerIpc(): void {
  ipcMain.handle(IpcChannels.getConnection, (event): CoreConnection => {
    const trusted = { webContentsId: window?.webContents.id ?? null, origin: core?.baseUrl ?? null }
    if (!acceptIpcSender(IpcChannels.getConnection, senderOf(event), trusted, log) || !core) {
      throw new Error('rejected IPC from a page that is not the Loupe UI')
    }
    return { baseUrl: core.baseUrl, token: core.token }
  })
}

function registerOsEvents(): void {
  app.on('second-instance', (_event, argv, workingDirectory) => {
    const { handOff, rejected } = decideHandOff(argv, workingDirectory)
    for (const reason of rejected) log.warn(`ignored a launch argument: ${reason}`)
    void act(handOff)
  })
  // macOS delivers links and files as events, also before the app is ready.
  app.on('open-url', (event, url) => {
    event.preventDefault()
    const handOff = handOffForUrl(url)
    if (handOff.action === 'reject') log.warn({ url }, `ignored a link: ${handOff.reason}`)
    else void act(handOff)
  })
  app.on('open-file', (event, path) => {
    event.preventDefault()
    const kind = importKindOf(path)
    if (kind === null) log.warn({ path }, 'ignored a file that is neither .otlp.json nor .json')
    else void act({ action: 'import-file', path, kind })
  })
}

function registerShutdown(): void {
  app.on('window-all-closed', () => app.quit())
  let stopped = false
  app.on('before-quit', (event) => {
    if (stopped || supervisor === null) return
    event.preventDefault()
    stopped = true
    void supervisor.stop().finally(() => app.quit())
  })
}

if (process.argv.includes('--version')) {
  // For smoke tests of packaged builds: no window, no core, no lock.
  process.stdout.write(`${app.getVersion()}\n`)
  app.exit(0)
} else if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  if (app.isPackaged) app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME)
  registerIpc()
  registerOsEvents()
  registerShutdown()
  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      log.error({ err: error }, 'Loupe could not start')
      dialog.showErrorBox('Loupe could not start', (error as Error).message)
      app.exit(1)
    })
}
