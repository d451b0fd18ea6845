// The application menu: the usual roles (app, edit, view, window, help),
// the settings page, the offer to put `loupe` on the PATH, and help links
// that open in the system browser. Only Electron's types are imported, so
// that Node tests can build the template.

import type { MenuItemConstructorOptions } from 'electron'

/** Callbacks of the menu's own items; main passes in the Electron calls. */
export interface MenuActions {
  openSettings(): void
  installCommand(): void
  /** Opens an http(s) URL in the system browser. */
  openExternal(url: string): void
}

export interface HelpLink {
  label: string
  url: string
}

/** Documentation for pointing agents at Loupe. */
export const HELP_LINKS: readonly HelpLink[] = [
  {
    label: 'OpenTelemetry OTLP Exporter Settings',
    url: 'https://opentelemetry.io/docs/languages/sdk-configuration/otlp-exporter/',
  },
  { label: 'Pydantic Logfire Documentation', url: 'https://logfire.pydantic.dev/docs/' },
  { label: 'Pydantic AI Documentation', url: 'https://ai.pydantic.dev/' },
]

export const INSTALL_COMMAND_LABEL = "Install 'loupe' Command in PATH…"

/** Builds the menu template for `platform`; `devTools` adds the developer tools toggle. */
export function buildMenuTemplate(
  platform: NodeJS.Platform,
  appName: string,
  actions: MenuActions,
  devTools: boolean,
): MenuItemConstructorOptions[] {
  const settings: MenuItemConstructorOptions = {
    label: platform === 'darwin' ? 'Settings…' : 'Settings',
    accelerator: 'CmdOrCtrl+,',
    click: () => actions.openSettings(),
  }
  const install: MenuItemConstructorOptions = {
    label: INSTALL_COMMAND_LABEL,
    click: () => actions.installCommand(),
  }
  const help: MenuItemConstructorOptions = {
    role: 'help',
    submenu: [
      ...HELP_LINKS.map((link): MenuItemConstructorOptions => ({
        label: link.label,
        click: () => actions.openExternal(link.url),
      })),
      ...(platform === 'darwin'
        ? []
        : [{ type: 'separator' } as const, { role: 'about' } as const]),
    ],
  }
  const view: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [
      { role: 'reload' },
      { role: 'forceReload' },
      ...(devTools ? [{ role: 'toggleDevTools' } as const] : []),
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  }
  if (platform === 'darwin') {
    return [
      {
        label: appName,
        submenu: [
          { role: 'about' },
          { type: 'separator' },
          settings,
          install,
          { type: 'separator' },
          { role: 'services' },
          { type: 'separator' },
          { role: 'hide' },
          { role: 'hideOthers' },
          { role: 'unhide' },
          { type: 'separator' },
          { role: 'quit' },
        ],
      },
      { role: 'fileMenu' },
      { role: 'editMenu' },
      view,
      { role: 'windowMenu' },
      help,
    ]
  }
  return [
    {
      label: 'File',
      submenu: [settings, install, { type: 'separator' }, { role: 'quit' }],
    },
    { role: 'editMenu' },
    view,
    { role: 'windowMenu' },
    help,
  ]
}
