import { describe, expect, it } from 'vitest'
import { decideNavigation, decideWindowOpen } from '../../../src/main/navigation'

const UI = 'http://127.0.0.1:4320'

describe('decideNavigation', () => {
  const cases: [string, ReturnType<typeof decideNavigation>][] = [
    ['http://127.0.0.1:4320/', 'allow'],
    ['http://127.0.0.1:4320/#/trace/4bf92f3577b34da6a3ce929d0e0e4736', 'allow'],
    ['http://127.0.0.1:4320/api/status', 'allow'],
    ['https://opentelemetry.io/docs/', 'open-external'],
    ['http://127.0.0.1:4321/', 'open-external'],
    ['http://localhost:4320/', 'open-external'],
    ['https://docs.example@evil.example/', 'deny'],
    ['file:///etc/passwd', 'deny'],
    ['javascript:alert(1)', 'deny'],
    ['data:text/html,<script>alert(1)</script>', 'deny'],
    ['about:blank', 'deny'],
    ['vscode://file/tmp/x', 'deny'],
    ['smb://server/share', 'deny'],
    ['not a url', 'deny'],
  ]
  for (const [url, decision] of cases) {
    it(`${decision} for ${url}`, () => {
      expect(decideNavigation(url, UI)).toBe(decision)
    })
  }

  it('accepts a UI origin with a path', () => {
    expect(decideNavigation('http://127.0.0.1:4320/x', `${UI}/`)).toBe('allow')
  })
})

describe('decideWindowOpen', () => {
  it('denies a second UI window', () => {
    expect(decideWindowOpen(`${UI}/#/prices`, UI)).toBe('deny')
  })

  it('opens other sites externally', () => {
    expect(decideWindowOpen('https://github.com/', UI)).toBe('open-external')
  })

  it('denies other schemes', () => {
    expect(decideWindowOpen('file:///tmp/x.html', UI)).toBe('deny')
  })
})
