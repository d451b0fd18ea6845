// Checks of a file given to `loupe import FILE`: its compression, its
// encoding (OTLP/JSON or OTLP protobuf) and that it decodes, so that a file
// that is not an OTLP trace request is reported before anything is stored.

import { plural } from '../core/check/check'
import { constants } from 'node:buffer'
import { basename } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { decodeTracesJson, decodeTracesProto } from '../core/otlp/index'
import { OtlpDecodeError, type DecodedTraces } from '../core/otlp/model'
import { CliError } from './folder'
import { printable } from './format'

export interface SniffedFile {
  encoding: 'json' | 'protobuf'
  contentEncoding: string | null
  spans: number
}

const MIB = 1024 * 1024

/** Names that mark a file as OTLP/JSON whatever its first bytes are, with or without `.gz`. */
const JSON_NAME = /\.json(\.gz)?$/i

const JSON_EXPECTED =
  'a .json file must contain an OTLP/JSON request ({"resourceSpans": [...]}, as `loupe export` writes); ' +
  'name an OTLP protobuf file .pb or .bin'

/**
 * Tells the file's encoding and decodes it once. A file named `*.json` (or
 * `*.json.gz`) is decoded as JSON. Any other file is JSON when its first
 * character is `{` and protobuf otherwise. Gzip is recognized by its magic
 * bytes. Throws CliError naming the file and what is wrong with it.
 */
export function inspectFile(file: string, body: Buffer): SniffedFile {
  const gzipped = body[0] === 0x1f && body[1] === 0x8b
  let plain: Buffer
  try {
    plain = gzipped ? gunzipSync(body) : body
  } catch (error) {
    throw new CliError(
      `${file} looks gzip-compressed but is not valid gzip: ${(error as Error).message}`,
    )
  }

  const first = plain.toString('utf8', 0, Math.min(plain.length, 64)).trimStart()[0]
  const namedJson = JSON_NAME.test(basename(file))
  const encoding = namedJson || first === '{' ? 'json' : 'protobuf'
  if (encoding === 'json' && plain.length > constants.MAX_STRING_LENGTH) {
    // NOTE: text with multi-byte characters could still fit, but OTLP/JSON is nearly all ASCII.
    throw new CliError(
      `${file} contains ${plain.length} bytes of JSON text, more than the ` +
        `${constants.MAX_STRING_LENGTH} bytes (about ${Math.round(constants.MAX_STRING_LENGTH / MIB)} MiB) ` +
        'that Node.js can read as one string; ' +
        'split its resourceSpans into smaller files',
    )
  }

  let decoded: DecodedTraces
  try {
    decoded =
      encoding === 'json' ? decodeTracesJson(plain.toString('utf8')) : decodeTracesProto(plain)
  } catch (error) {
    if (!(error instanceof OtlpDecodeError)) throw error
    const syntax = encoding === 'json' ? jsonSyntaxError(plain.toString('utf8')) : null
    if (syntax !== null) {
      const hint = namedJson ? JSON_EXPECTED : 'a file that starts with { is read as OTLP/JSON'
      throw new CliError(
        `${file} is not valid JSON: ${printable(syntax).replace(/\n/g, '\\n')}; ${hint}`,
      )
    }
    throw new CliError(`${file} is not an OTLP trace request (${encoding}): ${error.message}`)
  }

  const spans = decoded.groups.reduce((sum, group) => sum + group.spans.length, 0)
  if (spans === 0 && decoded.rejectedSpans === 0) {
    throw new CliError(
      `${file} contains no spans; expected an OTLP/JSON request ({"resourceSpans": [...]}, as \`loupe export\` writes) or OTLP protobuf`,
    )
  }
  if (spans === 0) {
    const reasons = decoded.errors.slice(0, 3).join('; ')
    throw new CliError(
      `${file}: all ${plural(decoded.rejectedSpans, 'span')} in it were rejected, ` +
        `so nothing was imported: ${reasons}`,
    )
  }
  return { encoding, contentEncoding: gzipped ? 'gzip' : null, spans }
}

/**
 * Returns JSON.parse's error for `text`, with the line and column when the
 * message gives a position, or null when `text` is valid JSON. It runs only
 * after the decoder failed, so a valid file is parsed once.
 */
function jsonSyntaxError(text: string): string | null {
  // The decoder skips a byte order mark too.
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  try {
    JSON.parse(json)
    return null
  } catch (error) {
    const message = (error as Error).message
    // NOTE: V8 in Node 20 gives "at position N" in most messages, but an
    // "Unexpected token" message quotes the text around the token instead.
    const position = /at position (\d+)/.exec(message)
    if (position !== null) return `${message} (${lineColumn(json, Number(position[1]))})`
    if (message.startsWith('Unexpected end')) return `${message} (${lineColumn(json, json.length)})`
    return message
  }
}

/** Returns "line L, column C" (both from 1) of a character offset in `text`. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  const column = offset - before.lastIndexOf('\n')
  return `line ${line}, column ${column}`
}
