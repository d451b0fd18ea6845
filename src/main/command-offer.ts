// The dialogs of the offer to put `loupe` on the PATH: once at the first
// start of an installed app, and from the menu at any time. The decisions
// are in command-install.ts.

import { readFile, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { app, dialog, type BrowserWindow } from 'electron'
import type { Logger } from 'pino'
import { installCommand, planCommandInstall, type InstallContext } from './command-install'

/** Remembers in the data folder that the first-start offer was made. */
const OFFER_MARKER = 'command-offer.json'

function installContext(): InstallContext {
  return {
    platform: process.platform,
    homeDir: homedir(),
    pathEnv: process.env.PATH ?? '',
    systemBinDir: '/usr/local/bin',
    localAppData: process.env.LOCALAPPDATA ?? null,
    appImage: process.env.APPIMAGE ?? null,
    resourcesDir: process.resourcesPath,
    executable: process.execPath,
  }
}

/**
 * Offers the command once, at the first start of an installed app where it
 * can be installed; later starts stay quiet.
 */
export async function offerCommandOnFirstStart(
  window: BrowserWindow,
  folder: string,
  log: Logger,
): Promise<void> {
  if (!app.isPackaged) return
  const marker = join(folder, OFFER_MARKER)
  try {
    await readFile(marker)
    return
  } catch {
    // No marker yet: make the offer.
  }
  const plan = await planCommandInstall(installContext())
  if (plan.kind !== 'symlink' && plan.kind !== 'shim') return
  await writeFile(marker, `${JSON.stringify({ offeredAt: new Date().toISOString() })}\n`)
  await confirmAndInstall(window, plan, log)
}

/** Runs the offer from the menu: installs after a confirmation, or explains why it cannot. */
export async function offerCommandFromMenu(window: BrowserWindow, log: Logger): Promise<void> {
  if (!app.isPackaged) {
    await dialog.showMessageBox(window, {
      type: 'info',
      message: 'Only an installed Loupe can put loupe on the PATH.',
      detail: 'In a clone of the repository, run `npm link` to get the loupe command.',
    })
    return
  }
  const plan = await planCommandInstall(installContext())
  switch (plan.kind) {
    case 'installed':
      await dialog.showMessageBox(window, {
        type: 'info',
        message: `The loupe command is already installed at ${plan.path}.`,
        detail: plan.note ?? '',
      })
      return
    case 'unavailable':
      await dialog.showMessageBox(window, {
        type: 'warning',
        message: 'Loupe cannot put loupe on the PATH here.',
        detail: plan.reason,
      })
      return
    case 'symlink':
    case 'shim':
      await confirmAndInstall(window, plan, log)
      return
  }
}

async function confirmAndInstall(
  window: BrowserWindow,
  plan: Parameters<typeof installCommand>[0],
  log: Logger,
): Promise<void> {
  const where = plan.kind === 'symlink' ? plan.link : plan.file
  const { response } = await dialog.showMessageBox(window, {
    type: 'question',
    buttons: ['Install', 'Not Now'],
    defaultId: 0,
    cancelId: 1,
    message: 'Put the loupe command on the PATH?',
    detail:
      `Loupe can install ${where}, which runs the command line of this app ` +
      '(loupe run, loupe replay, loupe traces) in any terminal.',
  })
  if (response !== 0) return
  try {
    const message = await installCommand(plan)
    log.info({ path: where }, 'installed the loupe command')
    await dialog.showMessageBox(window, { type: 'info', message: 'Installed.', detail: message })
  } catch (error) {
    log.error({ err: error, path: where }, 'installing the loupe command failed')
    dialog.showErrorBox(
      'Install failed',
      `Loupe could not install ${where}: ${(error as Error).message}`,
    )
  }
}
