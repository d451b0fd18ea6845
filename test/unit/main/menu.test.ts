import type { MenuItemConstructorOptions } from 'electron'
import { describe, expect, it } from 'vitest'
import {
  buildMenuTemplate,
  HELP_LINKS,
  INSTALL_COMMAND_LABEL,
  type MenuActions,
} from '../../../src/main/menu'

interface Calls {
  settings: number
  install: number
  opened: string[]
}

function actions(): { actions: MenuActions; calls: Calls } {
  const calls: Calls = { settings: 0, install: 0, opened: [] }
  return {
    calls,
    actions: {
      openSettings: () => calls.settings++,
      installCommand: () => calls.install++,
      openExternal: (url) => calls.opened.push(url),
    },
  }
}

function items(template: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return template.flatMap((item) => [
    item,
    ...(Array.isArray(item.submenu) ? items(item.submenu) : []),
  ])
}

function roles(template: MenuItemConstructorOptions[]): string[] {
  return items(template).flatMap((item) => (item.role === undefined ? [] : [item.role]))
}

function click(item: MenuItemConstructorOptions | undefined): void {
  if (item?.click === undefined) throw new Error(`menu item ${item?.label} has no click`)
  ;(item.click as () => void)()
}

describe('buildMenuTemplate', () => {
  it('has the macOS app menu', () => {
    const { actions: menuActions } = actions()
    const template = buildMenuTemplate('darwin', 'Loupe', menuActions, false)
    expect(template[0]!.label).toBe('Loupe')
    expect(template.map((item) => item.role ?? item.label)).toEqual([
      'Loupe',
      'fileMenu',
      'editMenu',
      'View',
      'windowMenu',
      'help',
    ])
    expect(roles(template)).toEqual(
      expect.arrayContaining(['about', 'services', 'hide', 'hideOthers', 'unhide', 'quit']),
    )
  })

  it('has File, Edit, View, Window and Help elsewhere', () => {
    for (const platform of ['linux', 'win32'] as const) {
      const template = buildMenuTemplate(platform, 'Loupe', actions().actions, false)
      expect(template.map((item) => item.role ?? item.label)).toEqual([
        'File',
        'editMenu',
        'View',
        'windowMenu',
        'help',
      ])
      expect(roles(template)).toContain('quit')
      expect(roles(template)).toContain('about')
    }
  })

  it('has the view roles', () => {
    const template = buildMenuTemplate('linux', 'Loupe', actions().actions, false)
    expect(roles(template)).toEqual(
      expect.arrayContaining([
        'reload',
        'forceReload',
        'resetZoom',
        'zoomIn',
        'zoomOut',
        'togglefullscreen',
      ]),
    )
    expect(roles(template)).not.toContain('toggleDevTools')
    const development = buildMenuTemplate('linux', 'Loupe', actions().actions, true)
    expect(roles(development)).toContain('toggleDevTools')
  })

  it('opens help links in the browser', () => {
    const { actions: menuActions, calls } = actions()
    const template = buildMenuTemplate('linux', 'Loupe', menuActions, false)
    const help = template.find((item) => item.role === 'help')!
    const links = (help.submenu as MenuItemConstructorOptions[]).filter((item) => item.click)
    expect(links.map((item) => item.label)).toEqual(HELP_LINKS.map((link) => link.label))
    for (const link of links) click(link)
    expect(calls.opened).toEqual(HELP_LINKS.map((link) => link.url))
    for (const url of calls.opened) expect(new URL(url).protocol).toBe('https:')
  })

  it('opens settings and the PATH offer', () => {
    for (const platform of ['darwin', 'linux'] as const) {
      const { actions: menuActions, calls } = actions()
      const all = items(buildMenuTemplate(platform, 'Loupe', menuActions, false))
      const settings = all.find((item) => item.label?.startsWith('Settings'))
      expect(settings?.accelerator).toBe('CmdOrCtrl+,')
      click(settings)
      click(all.find((item) => item.label === INSTALL_COMMAND_LABEL))
      expect(calls.settings).toBe(1)
      expect(calls.install).toBe(1)
    }
  })
})
