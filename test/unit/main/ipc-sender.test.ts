import { Writable } from 'node:stream'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { acceptIpcSender, checkIpcSender, type TrustedUi } from '../../../src/main/ipc-sender'

const trusted: TrustedUi = { webContentsId: 3, origin: 'http://127.0.0.1:4320' }
const fromUi = { webContentsId: 3, frameUrl: 'http://127.0.0.1:4320/#/trace/ab', isMainFrame: true }

/** Creates a pino logger that collects its lines as parsed JSON objects. */
function collectingLogger(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>)
      done()
    },
  })
  return { log: pino({ name: 'test' }, stream), lines }
}

describe('checkIpcSender', () => {
  it('accepts the UI in the app window', () => {
    expect(checkIpcSender(fromUi, trusted)).toEqual({ accepted: true })
  })

  it('accepts the UI origin written with a path', () => {
    const check = checkIpcSender(fromUi, { ...trusted, origin: 'http://127.0.0.1:4320/' })
    expect(check.accepted).toBe(true)
  })

  const rejected: [string, Parameters<typeof checkIpcSender>[0], TrustedUi, RegExp][] = [
    ['another webContents', { ...fromUi, webContentsId: 4 }, trusted, /webContents 4/],
    ['a subframe', { ...fromUi, isMainFrame: false }, trusted, /subframe/],
    ['a destroyed frame', { ...fromUi, frameUrl: null }, trusted, /gone/],
    [
      'another port',
      { ...fromUi, frameUrl: 'http://127.0.0.1:4321/' },
      trusted,
      /127\.0\.0\.1:4321 is not the UI's origin/,
    ],
    [
      'localhost for 127.0.0.1',
      { ...fromUi, frameUrl: 'http://localhost:4320/' },
      trusted,
      /origin/,
    ],
    ['https', { ...fromUi, frameUrl: 'https://127.0.0.1:4320/' }, trusted, /origin/],
    ['a file URL', { ...fromUi, frameUrl: 'file:///tmp/x.html' }, trusted, /origin null/],
    ['about:blank', { ...fromUi, frameUrl: 'about:blank' }, trusted, /origin null/],
    ['an invalid URL', { ...fromUi, frameUrl: 'not a url' }, trusted, /not a valid URL/],
    ['no window yet', fromUi, { webContentsId: null, origin: trusted.origin }, /not open yet/],
    ['no core yet', fromUi, { webContentsId: 3, origin: null }, /not open yet/],
  ]
  for (const [name, sender, trust, reason] of rejected) {
    it(`rejects ${name}`, () => {
      const check = checkIpcSender(sender, trust)
      expect(check.accepted).toBe(false)
      if (!check.accepted) expect(check.reason).toMatch(reason)
    })
  }
})

describe('acceptIpcSender', () => {
  it('logs a rejection with the channel', () => {
    const { log, lines } = collectingLogger()
    const sender = { ...fromUi, isMainFrame: false }
    expect(acceptIpcSender('loupe:get-connection', sender, trusted, log)).toBe(false)
    expect(lines).toHaveLength(1)
    expect(lines[0]!.level).toBe(40)
    expect(lines[0]!.channel).toBe('loupe:get-connection')
    expect(lines[0]!.msg).toBe('rejected IPC on loupe:get-connection: the sender is a subframe')
  })

  it('logs nothing for the UI', () => {
    const { log, lines } = collectingLogger()
    expect(acceptIpcSender('loupe:get-connection', fromUi, trusted, log)).toBe(true)
    expect(lines).toEqual([])
  })
})
