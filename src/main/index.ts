// Electron main process: starts the core in a utility process, opens a window
// on the UI it serves, and routes what the OS hands to the app (a second
// launch, a loupe:// link, a file) to that window. It also owns the menu, the
// keychain of provider keys, the failed-run badge and the PATH offer. The
// decisions live in plain modules next to this file, which Node tests.

import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { app, BrowserWindow, dialog, Menu, safeStorage, shell } from 'electron'
import pino from 'pino'
import { packageRoot } from '../core/package-root'
import { defaultDataDir } from '../core/paths'
import { loadAppSettings } from './app-settings'
import { FailedRunBadge } from './badge'
import { offerCommandFromMenu, offerCommandOnFirstStart } from './command-offer'
import { CoreSupervisor, type RunningCore } from './core-supervisor'
import { DEEP_LINK_SCHEME } from './deep-link'
import { registerIpcHandlers } from './ipc-handlers'
import { Keychain, KeychainFileError, type ConsentQuestion } from './keychain'
import { buildMenuTemplate } from './menu'
import { chooseNativeBinding, currentRuntime } from './native-binding'
import { decideHandOff, handOffForUrl, importKindOf, type HandOff } from './single-instance'
import { focus, openWindow, showRoute } from './window'

const here = fileURLToPath(new URL('.', import.meta.url))
const log = pino({ name: 'loupe-desktop' }, pino.destination(2))

/** The folder of settings.json and provider-keys.json; the store may be elsewhere. */
const settingsDir = defaultDataDir()

let core: RunningCore | null = null
let supervisor: CoreSupervisor | null = null
let window: BrowserWindow | null = null
let keychain: Keychain | null = null
const badge = new FailedRunBadge(() => window, {
  show: () => {
    if (window !== null) focus(window)
  },
  quit: () => app.quit(),
})
/** Hand-offs that arrived before the window was open. */
const pending: HandOff[] = []

async function start(): Promise<void> {
  const moduleRoot = app.isPackaged
    ? join(process.resourcesPath, 'app.asar.unpacked')
    : app.getAppPath()
  const nativeBinding = chooseNativeBinding(currentRuntime(moduleRoot))
  const options = await loadAppSettings(settingsDir, process.env, log)
  // safeStorage reports its backend only after the app's ready event, which has fired here.
  keychain = new Keychain(settingsDir, safeStorage, process.platform)

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

  await handKeysToCore()
  core = await supervisor.start()
  window = openWindow(core.baseUrl, join(here, '../preload/index.mjs'), uiOrigin, log)
  window.on('closed', () => {
    window = null
  })
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate()))
  badge.createTray(join(packageRoot(), 'resources', 'icons', 'icon.png'))
  const launch = decideHandOff(process.argv, process.cwd())
  for (const reason of launch.rejected) log.warn(`ignored a launch argument: ${reason}`)
  pending.push(launch.handOff)
  for (const handOff of pending.splice(0)) void act(handOff)
  void offerCommandOnFirstStart(window, settingsDir, log).catch((error: unknown) => {
    log.warn({ err: error }, 'the offer to install the loupe command failed')
  })
}

/**
 * Gives the supervisor the keychain's keys, which it hands to every core it
 * starts. A keys file that cannot be read leaves the core without keys from
 * the app; the settings page then shows the error.
 */
async function handKeysToCore(): Promise<void> {
  if (keychain === null || supervisor === null) return
  try {
    const { keys, problems } = await keychain.readAll()
    for (const problem of problems) log.warn(problem)
    supervisor.setProviderKeys(keys)
  } catch (error) {
    if (!(error instanceof KeychainFileError)) throw error
    log.error({ err: error }, 'could not read the stored provider keys')
  }
}

function menuTemplate() {
  return buildMenuTemplate(
    process.platform,
    app.name,
    {
      openSettings: () => {
        if (window !== null && core !== null) showRoute(window, core.baseUrl, '#/settings')
      },
      installCommand: () => {
        if (window !== null) void offerCommandFromMenu(window, log)
      },
      openExternal: (url) => {
        shell.openExternal(url).catch((error: unknown) => {
          log.warn({ url, err: error }, 'could not open the link in the system browser')
        })
      },
    },
    !app.isPackaged,
  )
}

/** Puts a keychain question to the user in a native dialog. */
async function askConsent(question: ConsentQuestion): Promise<boolean> {
  const options = {
    type: 'warning' as const,
    buttons: [question.confirm, 'Cancel'],
    defaultId: 1,
    cancelId: 1,
    message: question.message,
    detail: question.detail,
  }
  const { response } =
    window === null
      ? await dialog.showMessageBox(options)
      : await dialog.showMessageBox(window, options)
  return response === 0
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

function registerIpc(): void {
  registerIpcHandlers({
    trustedUi: () => ({
      webContentsId: window?.webContents.id ?? null,
      origin: core?.baseUrl ?? null,
    }),
    connection: () => (core === null ? null : { baseUrl: core.baseUrl, token: core.token }),
    get keychain() {
      if (keychain === null) throw new Error('the keychain is not ready yet')
      return keychain
    },
    askConsent,
    keysChanged: handKeysToCore,
    setFailedRunCount: (count) => badge.set(count),
    relaunch: () => {
      app.relaunch()
      app.quit()
    },
    log,
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
    badge.destroy()
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
