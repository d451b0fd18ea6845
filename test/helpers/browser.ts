// Headless Chromium for the end-to-end tests: Debian's /usr/bin/chromium (or
// LOUPE_CHROMIUM), driven by playwright-core, with screenshots saved under
// test-results/screenshots.

import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { repoRoot } from './core'

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
