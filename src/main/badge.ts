// The badge for new failed runs. It is the dock badge on macOS and the
// launcher badge on Linux desktops that support one (Unity launcher API).
// On Linux and Windows a tray icon's tooltip gives the count, and the
// taskbar entry flashes when the count grows while the window is in the
// background. The renderer counts; see src/shared/failed-runs.ts.

import { app, Menu, nativeImage, Tray, type BrowserWindow } from 'electron'
import { failedRunsLabel } from '../shared/failed-runs'

export interface BadgeActions {
  show(): void
  quit(): void
}

export class FailedRunBadge {
  private tray: Tray | null = null
  private count = 0

  constructor(
    private readonly window: () => BrowserWindow | null,
    private readonly actions: BadgeActions,
  ) {}

  /** Creates the tray icon from `iconPath`, except on macOS, where the dock shows the badge. */
  createTray(iconPath: string): void {
    if (process.platform === 'darwin' || this.tray !== null) return
    const icon = nativeImage.createFromPath(iconPath).resize({ width: 16, height: 16 })
    this.tray = new Tray(icon)
    this.tray.setToolTip(failedRunsLabel(0))
    this.tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: 'Show Loupe', click: () => this.actions.show() },
        { type: 'separator' },
        { label: 'Quit Loupe', click: () => this.actions.quit() },
      ]),
    )
    this.tray.on('click', () => this.actions.show())
  }

  set(count: number): void {
    const grew = count > this.count
    this.count = count
    // Returns false where the desktop has no badge; the tray tooltip still shows the count.
    app.setBadgeCount(count)
    this.tray?.setToolTip(failedRunsLabel(count))
    const window = this.window()
    if (window === null) return
    if (grew && !window.isFocused()) window.flashFrame(true)
    if (count === 0) window.flashFrame(false)
  }

  destroy(): void {
    this.tray?.destroy()
    this.tray = null
  }
}
