// The check that every IPC handler in main runs before it acts: a message is
// handled only when it comes from the top frame of Loupe's own window while
// that frame shows the UI that the core serves.

import type { Logger } from 'pino'

/** The facts about an IPC message's sender that the check needs, read from the Electron event. */
export interface IpcSender {
  /** `event.sender.id`: the webContents that sent the message. */
  webContentsId: number
  /** `event.senderFrame.url`, or null when the frame is gone (navigated away or destroyed). */
  frameUrl: string | null
  /** Whether the sending frame is its page's top frame rather than an iframe. */
  isMainFrame: boolean
}

/** What the sender must match: the app window's webContents and the UI's origin. */
export interface TrustedUi {
  /** `webContents.id` of Loupe's window, or null before the window exists. */
  webContentsId: number | null
  /** Origin of the core's UI server, e.g. `http://127.0.0.1:4320`, or null before the core is ready. */
  origin: string | null
}

export type SenderCheck = { accepted: true } | { accepted: false; reason: string }

/** Decides whether an IPC message from `sender` may be handled. */
export function checkIpcSender(sender: IpcSender, trusted: TrustedUi): SenderCheck {
  if (trusted.webContentsId === null || trusted.origin === null) {
    return { accepted: false, reason: 'the Loupe window is not open yet' }
  }
  if (sender.webContentsId !== trusted.webContentsId) {
    return {
      accepted: false,
      reason: `the sender is webContents ${sender.webContentsId}, not the Loupe window (${trusted.webContentsId})`,
    }
  }
  if (!sender.isMainFrame) return { accepted: false, reason: 'the sender is a subframe' }
  if (sender.frameUrl === null) return { accepted: false, reason: 'the sending frame is gone' }
  const origin = originOf(sender.frameUrl)
  if (origin === null) {
    return { accepted: false, reason: `the frame URL ${sender.frameUrl} is not a valid URL` }
  }
  if (origin !== originOf(trusted.origin)) {
    return {
      accepted: false,
      reason: `the frame's origin ${origin} is not the UI's origin ${trusted.origin}`,
    }
  }
  return { accepted: true }
}

/**
 * Runs checkIpcSender and logs a warning with the channel and the reason when
 * the sender is rejected. Returns whether the message may be handled.
 */
export function acceptIpcSender(
  channel: string,
  sender: IpcSender,
  trusted: TrustedUi,
  log: Pick<Logger, 'warn'>,
): boolean {
  const check = checkIpcSender(sender, trusted)
  if (!check.accepted) {
    log.warn(
      { channel, webContentsId: sender.webContentsId, frameUrl: sender.frameUrl },
      `rejected IPC on ${channel}: ${check.reason}`,
    )
  }
  return check.accepted
}

/** Returns the serialized origin of `url`, or null when it does not parse. Opaque origins are `null` as text. */
function originOf(url: string): string | null {
  try {
    return new URL(url).origin
  } catch {
    return null
  }
}
