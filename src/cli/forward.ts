// The forwarding options of `loupe serve`: --forward URL and repeatable
// --forward-header 'Name: value', or LOUPE_FORWARD_URL and
// LOUPE_FORWARD_HEADERS, which keep a credential out of the process list.

import { Option } from 'commander'
import {
  checkForwardUrl,
  displayUrl,
  ForwardConfigError,
  mergeHeaders,
  parseHeaderLines,
  parseHeaderList,
  type ForwardConfig,
} from '../core/forward/config'
import { CliError } from './folder'

export const HEADERS_ENV = 'LOUPE_FORWARD_HEADERS'

export function forwardOption(): Option {
  return new Option(
    '--forward <url>',
    'also send every received request (traces, logs, metrics) to this OTLP/HTTP base URL, ' +
      'e.g. http://collector:4318; Loupe adds /v1/traces and so on',
  ).env('LOUPE_FORWARD_URL')
}

export function forwardHeaderOption(): Option {
  return new Option(
    '--forward-header <header>',
    `header sent with each forwarded request, as 'Name: value' (repeatable; ${HEADERS_ENV} ` +
      'takes name=value pairs separated by commas and keeps the value out of the process list)',
  )
    .argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value])
    .default([] as string[], 'none')
}

/** Returns the forwarding settings of `serve`, or undefined without --forward; throws CliError. */
export function forwardConfigOf(options: {
  forward?: string
  forwardHeader: string[]
}): ForwardConfig | undefined {
  const envHeaders = process.env[HEADERS_ENV] ?? ''
  if (options.forward === undefined) {
    if (options.forwardHeader.length > 0 || envHeaders !== '') {
      throw new CliError(
        `--forward-header and ${HEADERS_ENV} need --forward URL (or LOUPE_FORWARD_URL)`,
      )
    }
    return undefined
  }
  try {
    const headers = parseHeaderList(envHeaders)
    mergeHeaders(headers, parseHeaderLines(options.forwardHeader))
    return { url: checkForwardUrl(options.forward), headers }
  } catch (error) {
    if (error instanceof ForwardConfigError) throw new CliError(error.message)
    throw error
  }
}

/** Returns the line `loupe serve` prints about forwarding, with header names and no values. */
export function forwardingLine(config: ForwardConfig): string {
  const names = Object.keys(config.headers)
  return `  Forwarding: ${displayUrl(config.url)}${names.length > 0 ? ` (headers: ${names.join(', ')})` : ''}`
}
