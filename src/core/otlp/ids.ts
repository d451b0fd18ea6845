// Trace and span id conversion for both OTLP decoders. On the protobuf wire an
// id is raw bytes (16 for a trace id, 8 for a span id). OTLP/JSON requires
// hex, but proto3-JSON exporters send base64, so JSON ids are accepted in
// either form. Loupe keeps every id as lower-case hex.

export const TRACE_ID_BYTES = 16
export const SPAN_ID_BYTES = 8

const HEX_PAIRS: string[] = []
for (let byte = 0; byte < 256; byte++) HEX_PAIRS.push(byte.toString(16).padStart(2, '0'))

// Value of each base64 character in the standard ('+', '/') and URL-safe
// ('-', '_') alphabets, or -1 for any other character code below 128.
const BASE64_VALUES = new Int8Array(128).fill(-1)
const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
for (let index = 0; index < BASE64_ALPHABET.length; index++) {
  BASE64_VALUES[BASE64_ALPHABET.charCodeAt(index)] = index
}
BASE64_VALUES['+'.charCodeAt(0)] = 62
BASE64_VALUES['-'.charCodeAt(0)] = 62
BASE64_VALUES['/'.charCodeAt(0)] = 63
BASE64_VALUES['_'.charCodeAt(0)] = 63

/** Returns `bytes[start .. end)` as lower-case hex. */
export function bytesToHex(bytes: Uint8Array, start: number, end: number): string {
  let hex = ''
  for (let index = start; index < end; index++) hex += HEX_PAIRS[bytes[index]!]
  return hex
}

export function isAllZeroBytes(bytes: Uint8Array, start: number, end: number): boolean {
  for (let index = start; index < end; index++) {
    if (bytes[index] !== 0) return false
  }
  return true
}

/**
 * Describes what makes a protobuf id field of `byteLength` bytes invalid, or
 * returns null when it is valid. An all-zero id is invalid.
 */
export function describeIdBytesProblem(
  bytes: Uint8Array,
  start: number,
  end: number,
  expectedBytes: number,
): string | null {
  const byteLength = end - start
  if (byteLength === 0) return `is empty, expected ${expectedBytes} bytes`
  if (byteLength !== expectedBytes) {
    return `has ${byteLength} bytes, expected ${expectedBytes}`
  }
  if (isAllZeroBytes(bytes, start, end)) return 'is all zeros'
  return null
}

/** An OTLP/JSON id that is neither hex nor base64 of the expected length. */
export class InvalidIdError extends Error {
  override name = 'InvalidIdError'
}

/**
 * Converts an OTLP/JSON id to lower-case hex. Accepts `2 * expectedBytes` hex
 * digits in any case, or padded base64 of `expectedBytes` bytes in the standard
 * or URL-safe alphabet (24 characters for a trace id, 12 for a span id). A
 * string of the hex length is always read as hex. Returns '' for an empty
 * string and the all-zero hex for an all-zero id, so callers decide what those
 * mean. Throws InvalidIdError with a message such as "has 6 bytes, expected 8".
 */
export function jsonIdToHex(text: string, expectedBytes: number): string {
  const length = text.length
  if (length === 0) return ''
  if (length === expectedBytes * 2) {
    const hexKind = classifyHex(text)
    if (hexKind === HEX_LOWER) return text
    if (hexKind === HEX_MIXED_CASE) return text.toLowerCase()
  }
  if (length === base64Length(expectedBytes)) {
    const hex = base64ToHex(text, expectedBytes)
    if (hex !== null) return hex
  }
  if (length % 2 === 0 && classifyHex(text) !== NOT_HEX) {
    throw new InvalidIdError(`has ${length / 2} bytes, expected ${expectedBytes}`)
  }
  const excerpt = length > 48 ? `${text.slice(0, 48)}…` : text
  throw new InvalidIdError(
    `is neither ${expectedBytes * 2} hex digits nor ${base64Length(expectedBytes)} base64 ` +
      `characters: ${JSON.stringify(excerpt)} (${length} characters)`,
  )
}

export function isAllZeroHex(hex: string): boolean {
  for (let index = 0; index < hex.length; index++) {
    if (hex.charCodeAt(index) !== 48) return false
  }
  return true
}

const NOT_HEX = 0
const HEX_LOWER = 1
const HEX_MIXED_CASE = 2

function classifyHex(text: string): number {
  let kind = HEX_LOWER
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if ((code >= 48 && code <= 57) || (code >= 97 && code <= 102)) continue
    if (code >= 65 && code <= 70) {
      kind = HEX_MIXED_CASE
      continue
    }
    return NOT_HEX
  }
  return kind
}

function base64Length(byteCount: number): number {
  return Math.ceil(byteCount / 3) * 4
}

/** Decodes padded base64 of exactly `byteCount` bytes to hex, or returns null. */
function base64ToHex(text: string, byteCount: number): string | null {
  const padding = (3 - (byteCount % 3)) % 3
  const dataChars = text.length - padding
  for (let index = dataChars; index < text.length; index++) {
    if (text.charCodeAt(index) !== 61) return null
  }
  let hex = ''
  let bits = 0
  let bitCount = 0
  let written = 0
  for (let index = 0; index < dataChars; index++) {
    const code = text.charCodeAt(index)
    const value = code < 128 ? BASE64_VALUES[code]! : -1
    if (value < 0) return null
    bits = ((bits << 6) | value) & 0xffff
    bitCount += 6
    if (bitCount >= 8) {
      bitCount -= 8
      if (written < byteCount) hex += HEX_PAIRS[(bits >> bitCount) & 0xff]
      written++
    }
  }
  return written === byteCount ? hex : null
}

/**
 * Returns standard padded base64 for a base64 string in the standard or
 * URL-safe alphabet, with or without padding, or null when it contains any
 * other character.
 */
export function normalizeBase64(text: string): string | null {
  let end = text.length
  while (end > 0 && text.charCodeAt(end - 1) === 61) end--
  if (text.length - end > 2 || end % 4 === 1) return null
  for (let index = 0; index < end; index++) {
    const code = text.charCodeAt(index)
    if (code >= 128 || BASE64_VALUES[code]! < 0) return null
  }
  return Buffer.from(text, 'base64').toString('base64')
}
