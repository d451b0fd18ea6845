// The packaged desktop app driven by Playwright's Electron mode. It opens on
// the UI and loads the demo traces. The renderer stays locked down: no Node,
// a bridge of named functions only, the UI's Content-Security-Policy and no
// second window. A provider key stored through the keychain reaches the
// core, and the `loupe` launcher runs the bundled CLI.
//
// It needs a packaged app, which only the release workflow builds:
// LOUPE_ELECTRON_APP names its executable, or one is looked for under dist/.
// Without one, every test is skipped and the reason is printed.

import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { _electron, type ElectronApplication, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONTENT_SECURITY_POLICY } from '../../src/shared/csp'
import { IpcChannels } from '../../src/shared/ipc'
import type { SettingsView } from '../../src/shared/settings'

const execFileAsync = promisify(execFile)
const repoRoot = resolve(import.meta.dirname, '../..')
const version = (
  JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    version: string
  }
).version

/** Returns the packaged app's executable, or null when there is none. */
function findPackagedApp(): string | null {
  const appFromEnvironment = process.env.LOUPE_ELECTRON_APP
  if (appFromEnvironment) return existsSync(appFromEnvironment) ? appFromEnvironment : null
  const dist = join(repoRoot, 'dist')
  const candidates = [
    join(dist, 'linux-unpacked', 'loupe-desktop'),
    join(dist, 'win-unpacked', 'Loupe.exe'),
    ...(existsSync(dist)
      ? readdirSync(dist)
          .filter((name) => name.startsWith('mac'))
          .map((name) => join(dist, name, 'Loupe.app', 'Contents', 'MacOS', 'Loupe'))
      : []),
  ]
  return candidates.find((candidate) => existsSync(candidate)) ?? null
}

const executable = findPackagedApp()
if (executable === null) {
  const appFromEnvironment = process.env.LOUPE_ELECTRON_APP
  process.stdout.write(
    'test/electron/app.spec.ts: skipped: ' +
      (appFromEnvironment
        ? `LOUPE_ELECTRON_APP=${appFromEnvironment} does not exist.\n`
        : 'no packaged Loupe app (set LOUPE_ELECTRON_APP, or run `npm run build:app` on a ' +
          'machine that can download Electron; the release workflow does both).\n'),
  )
}

const KEY = 'sk-test-not-a-real-key-electron'

let app: ElectronApplication
let page: Page
let dataDir: string

describe.skipIf(executable === null)('packaged desktop app', () => {
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'loupe-electron-'))
    // Free ports, and no first-start offer of the PATH command, whose dialog would wait for a click.
    writeFileSync(
      join(dataDir, 'settings.json'),
      JSON.stringify({ ports: { otlpHttp: 0, otlpGrpc: 0, ui: 0 } }),
    )
    writeFileSync(join(dataDir, 'command-offer.json'), '{}')
    app = await _electron.launch({
      executablePath: executable!,
      // The unpacked Linux app's chrome-sandbox has no setuid bit.
      args: process.platform === 'linux' ? ['--no-sandbox'] : [],
      env: { ...process.env, LOUPE_DATA_DIR: dataDir } as Record<string, string>,
    })
    page = await app.firstWindow()
    await page.getByRole('link', { name: 'Traces' }).waitFor()
  })

  afterAll(async () => {
    await app?.close()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  it('loads the demo traces', async () => {
    await page.getByRole('button', { name: 'Load demo traces' }).click()
    await page.getByTestId('trace-row').first().waitFor()
    expect(await page.getByTestId('trace-row').count()).toBeGreaterThanOrEqual(2)
  })

  it('gives the page no Node and a small bridge', async () => {
    expect(await page.evaluate('typeof require')).toBe('undefined')
    expect(await page.evaluate('typeof process')).toBe('undefined')
    const bridge = (await page.evaluate('Object.keys(window.loupe).sort()')) as string[]
    expect(bridge).toEqual(
      [
        'deleteProviderKey',
        'getConnection',
        'getKeychainStatus',
        'listProviderKeys',
        'relaunch',
        'setFailedRunCount',
        'storeProviderKey',
      ].sort(),
    )
    expect(bridge).toHaveLength(Object.keys(IpcChannels).length)
  })

  it('loads the UI under its policy', async () => {
    const header = await page.evaluate(
      "fetch('/').then((response) => response.headers.get('content-security-policy'))",
    )
    expect(header).toBe(CONTENT_SECURITY_POLICY)
  })

  it('opens no second window', async () => {
    expect(await page.evaluate("window.open('file:///etc/hosts') === null")).toBe(true)
    expect(app.windows()).toHaveLength(1)
  })

  it('stores a provider key for the gateway', async () => {
    // Answers the keychain's question, asked where no OS keyring protects keys (Linux CI).
    await app.evaluate(({ dialog }) => {
      const questions: string[] = []
      ;(globalThis as { loupeQuestions?: string[] }).loupeQuestions = questions
      dialog.showMessageBox = (async (...args: unknown[]) => {
        const options = args.at(-1) as { message: string }
        questions.push(options.message)
        return { response: 0, checkboxChecked: false }
      }) as typeof dialog.showMessageBox
    })
    await page.evaluate("location.hash = '#/settings'")
    const keys = page.getByTestId('provider-keys-app')
    await keys.waitFor()
    const status = await page.getByTestId('keychain-status').innerText()
    expect(status.length).toBeGreaterThan(0)

    const openai = page.getByRole('form', { name: 'OpenAI key' })
    await openai.getByPlaceholder('paste a new OpenAI key').fill(KEY)
    await openai.getByRole('button', { name: 'Store' }).click()
    await openai.getByText('Stored. Record runs use this key from now on.').waitFor()

    const stored = readFileSync(join(dataDir, 'provider-keys.json'), 'utf8')
    expect(stored).not.toContain(KEY)
    const questions = (await app.evaluate(
      () => (globalThis as { loupeQuestions?: string[] }).loupeQuestions ?? [],
    )) as string[]
    if (status.includes('fixed password')) {
      expect(questions).toEqual([
        'No keyring protects stored keys on this desktop. Store the key anyway?',
      ])
    } else {
      expect(questions).toEqual([])
    }

    const view = (await page.evaluate(`(async () => {
      const { baseUrl, token } = await window.loupe.getConnection()
      const response = await fetch(baseUrl + '/api/settings', {
        headers: { Authorization: 'Bearer ' + token },
      })
      return response.json()
    })()`)) as SettingsView
    expect(view.providerKeys.openai).toBe('app')
    expect(JSON.stringify(view)).not.toContain(KEY)
  })

  it.skipIf(process.platform === 'win32')('runs the loupe launcher', async () => {
    const resources = (await app.evaluate(() => process.resourcesPath)) as string
    const { stdout } = await execFileAsync(join(resources, 'bin', 'loupe'), ['--version'])
    expect(stdout.trim()).toBe(version)
  })
})
