// The settings page and the failed-run count in headless Chromium, against
// the built `loupe serve` started on a settings file. The page shows each
// setting with its running value and source, edits the extra redaction rules
// in Monaco, shows the core's validation messages next to their fields,
// saves the file and lists what needs a restart. In a browser the provider
// keys section explains that keys come from the environment of serve. Every
// page checks that the Content-Security-Policy blocked nothing and that no
// script error occurred.

import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SpanStatusCode } from '@opentelemetry/api'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeClean, launchChromium, openLoupePage, screenshot } from '../helpers/browser'
import { makeDataDir, removeDir } from '../helpers/core'
import { encodeSpans, recordSpans } from '../helpers/otlp-bodies'
import { startServe, type ServedLoupe } from '../helpers/serve'

const RULE = { name: 'internal-token', pattern: 'itk_[0-9a-f]{20}' }

const VIEWPORT = { width: 1300, height: 1400 }

let browser: Browser
let served: ServedLoupe
let dataDir: string

beforeAll(async () => {
  browser = await launchChromium()
  dataDir = makeDataDir('loupe-settings-e2e-')
  writeFileSync(
    join(dataDir, 'settings.json'),
    JSON.stringify({ retentionDays: 2, redaction: { extraRules: [RULE] } }),
  )
  served = await startServe(dataDir, [], { OPENAI_API_KEY: 'sk-test-not-a-real-key' })
})

afterAll(async () => {
  await browser?.close()
  await served?.stop()
  if (dataDir) removeDir(dataDir)
})

function savedFile(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8')) as Record<string, unknown>
}

describe('settings page', () => {
  it('shows values, sources and the rules editor', async () => {
    const opened = await openLoupePage(browser, served, '#/settings', { viewport: VIEWPORT })
    const { page } = opened
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor()
    // The heading shows while the settings still load, so wait for the file's path.
    await expect
      .poll(() => page.getByTestId('settings-page').innerText(), { timeout: 10_000 })
      .toContain(join(dataDir, 'settings.json'))

    const retention = page.getByTestId('setting-retentionDays')
    expect(await retention.getByLabel('Retention (days)').inputValue()).toBe('2')
    expect(await page.getByTestId('setting-retentionDays-running').innerText()).toBe(
      'Running with 2 (settings file)',
    )
    expect(await page.getByTestId('setting-ports-ui-running').innerText()).toBe(
      'Running with 0 (flag --ui-port)',
    )
    expect(await page.getByTestId('setting-ports-ui').innerText()).toContain(
      'The flag --ui-port overrides the saved value while it is given.',
    )
    expect(await page.getByTestId('setting-maxStoreMb-running').innerText()).toBe(
      'Running with none (default)',
    )
    expect(await page.getByTestId('setting-forwarding-url').innerText()).toContain(
      'OTLP/HTTP base URL that received telemetry is also sent to',
    )

    // Monaco renders the rule under the page's Content-Security-Policy.
    const rules = page.getByTestId('setting-redaction-extraRules-editor')
    await rules.locator('.view-lines').waitFor()
    const rulesText = (await rules.locator('.view-lines').innerText()).replaceAll('\u00a0', ' ')
    expect(rulesText).toContain('"pattern": "itk_[0-9a-f]{20}"')

    const keys = page.getByTestId('provider-keys-browser')
    expect(await keys.innerText()).toContain('from the environment of loupe serve')
    expect(await page.getByTestId('provider-key-openai').innerText()).toBe(
      'OpenAI OPENAI_API_KEY is set',
    )
    expect(await page.getByTestId('provider-key-anthropic').innerText()).toBe(
      'Anthropic ANTHROPIC_API_KEY is not set',
    )
    await screenshot(page, 'settings-page')
    await closeClean(opened)
  })

  it('shows validation messages next to fields', async () => {
    const before = readFileSync(join(dataDir, 'settings.json'), 'utf8')
    const opened = await openLoupePage(browser, served, '#/settings', { viewport: VIEWPORT })
    const { page } = opened
    await page.getByLabel('UI and API port').fill('70000')
    await page.getByLabel('Bind address').fill('not a host')

    // Replace the rule's pattern, itk_[0-9a-f]{20} on the fourth of six lines, with "(".
    const rules = page.getByTestId('setting-redaction-extraRules-editor')
    await rules.locator('.view-lines').click()
    await page.keyboard.press('Control+End')
    await page.keyboard.press('ArrowUp')
    await page.keyboard.press('ArrowUp')
    await page.keyboard.press('End')
    await page.keyboard.press('ArrowLeft')
    for (let count = 0; count < RULE.pattern.length; count++) await page.keyboard.press('Backspace')
    await page.keyboard.insertText('(')

    await page.getByRole('button', { name: 'Save settings' }).click()
    const error = page.getByTestId('settings-save-error')
    await error.waitFor()
    expect(await error.innerText()).toBe('the settings were not saved: 3 fields are invalid')
    expect(await page.getByTestId('setting-ports-ui').getByRole('alert').innerText()).toMatch(
      /65535/,
    )
    expect(await page.getByTestId('setting-host').getByRole('alert').innerText()).toMatch(
      /IP address/,
    )
    expect(
      await page.getByTestId('setting-redaction-extraRules').getByRole('alert').innerText(),
    ).toBe('0.pattern: pattern is not a valid JavaScript regular expression')
    await screenshot(page, 'settings-page-invalid')
    expect(readFileSync(join(dataDir, 'settings.json'), 'utf8')).toBe(before)
    await closeClean(opened)
  })

  it('saves and lists what needs a restart', async () => {
    const opened = await openLoupePage(browser, served, '#/settings', { viewport: VIEWPORT })
    const { page } = opened
    await page.getByLabel('Retention (days)').fill('5')
    await page.getByLabel('Redact secrets').uncheck()
    await page.getByRole('button', { name: 'Save settings' }).click()
    const saved = page.getByTestId('settings-saved')
    await saved.waitFor()
    expect(await saved.innerText()).toBe(`Saved to ${join(dataDir, 'settings.json')}.`)

    const restart = page.getByTestId('settings-restart')
    expect(await restart.innerText()).toBe(
      'Saved settings that apply when Loupe starts again: Retention (days), Redact secrets. ' +
        'Stop loupe serve and start it again.',
    )
    expect(await page.getByTestId('setting-retentionDays-running').innerText()).toBe(
      'Running with 2 (settings file) · the saved value applies after a restart',
    )
    const file = savedFile()
    expect(file.retentionDays).toBe(5)
    expect((file.redaction as { enabled: boolean; extraRules: unknown[] }).enabled).toBe(false)
    expect((file.redaction as { extraRules: unknown[] }).extraRules).toEqual([RULE])

    // A reload shows the saved values, and still the restart notice.
    await page.reload()
    await page.getByTestId('settings-restart').waitFor()
    expect(await page.getByLabel('Retention (days)').inputValue()).toBe('5')
    await closeClean(opened)
  })

  it('opens from the top bar', async () => {
    const opened = await openLoupePage(browser, served, '', { viewport: VIEWPORT })
    const { page } = opened
    await page.getByRole('link', { name: 'Settings' }).click()
    await page.getByTestId('settings-page').waitFor()
    expect(page.url()).toMatch(/#\/settings$/)
    await closeClean(opened)
  })
})

describe('failed-run count', () => {
  it('counts failures while the window is in the background', async () => {
    const opened = await openLoupePage(browser, served, '', { viewport: VIEWPORT })
    const { page } = opened
    await page.getByRole('link', { name: 'Traces' }).waitFor()
    await page.locator('.push-live').waitFor()
    expect(await page.title()).toBe('Loupe')

    // The browser sends blur when the window goes to the background.
    await page.evaluate("window.dispatchEvent(new Event('blur'))")
    const spans = recordSpans('badge-test', (tracer) => {
      const span = tracer.startSpan('agent run')
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'tool exploded' })
      span.end()
    })
    const response = await fetch(`${served.otlpHttpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: encodeSpans(spans).json,
    })
    expect(response.status).toBe(200)
    // Polled from here: a string predicate would be evaluated inside the page, where the CSP forbids eval.
    await expect.poll(() => page.title(), { timeout: 10_000 }).toBe('(1) Loupe')

    await page.evaluate("window.dispatchEvent(new Event('focus'))")
    await expect.poll(() => page.title(), { timeout: 10_000 }).toBe('Loupe')
    await closeClean(opened)
  })
})
