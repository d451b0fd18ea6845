// Headless Chromium for the end-to-end tests: Debian's /usr/bin/chromium (or
// LOUPE_CHROMIUM), driven by playwright-core, with screenshots saved under
// test-results/screenshots and pages of the Loupe UI that record script
// errors and Content-Security-Policy violations.

import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { expect } from 'vitest'
import { repoRoot, type TestCore } from './core'
import type { ServedLoupe } from './serve'

export const screenshotDir = join(repoRoot, 'test-results', 'screenshots')

export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.LOUPE_CHROMIUM ?? '/usr/bin/chromium'
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}; run \`npm run test:setup\` or set LOUPE_CHROMIUM`,
    )
  }
  return chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true })
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: false })
}

/** A page of the Loupe UI and what Chromium reported while it was open. */
export interface LoupePage {
  page: Page
  /** Messages of the uncaught script errors. */
  errors: string[]
  /** Content-Security-Policy violations, from the console and from the DOM event. */
  cspViolations: string[]
  /** URLs of every request the page made. */
  requests: string[]
  /** Script URLs of the web workers the page started. */
  workers: string[]
}

export interface OpenLoupePageOptions {
  /** Viewport size in CSS pixels, 1400 × 1000 when omitted. */
  viewport?: { width: number; height: number }
}

/**
 * Opens the UI of `loupe` at `hash` (such as `#/trace/<id>`) with its token
 * in the query, and starts collecting script errors, CSP violations,
 * requests and workers before the first script runs.
 */
export async function openLoupePage(
  browser: Browser,
  loupe: TestCore | ServedLoupe,
  hash = '',
  options: OpenLoupePageOptions = {},
): Promise<LoupePage> {
  const { uiUrl, token } =
    'core' in loupe ? { uiUrl: loupe.uiUrl, token: loupe.core.discovery.token } : loupe.discovery
  const page = await browser.newPage({
    viewport: options.viewport ?? { width: 1400, height: 1000 },
  })
  const opened: LoupePage = { page, errors: [], cspViolations: [], requests: [], workers: [] }
  page.on('pageerror', (error) => opened.errors.push(error.message))
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy'))
      opened.cspViolations.push(message.text())
  })
  page.on('request', (request) => opened.requests.push(request.url()))
  page.on('worker', (worker) => opened.workers.push(worker.url()))
  // Chromium reports some violations (in workers, for example) only as events.
  await page.exposeFunction('loupeReportCsp', (text: string) => opened.cspViolations.push(text))
  await page.addInitScript(
    `document.addEventListener('securitypolicyviolation', (event) => {
       window.loupeReportCsp(event.violatedDirective + ' blocked ' + event.blockedURI)
     })`,
  )
  await page.goto(`${uiUrl}/?token=${token}${hash}`)
  return opened
}

/** Asserts that the page had no script error and no CSP violation, then closes it. */
export async function closeClean(opened: LoupePage): Promise<void> {
  expect(opened.errors).toEqual([])
  expect(opened.cspViolations).toEqual([])
  await opened.page.close()
}
