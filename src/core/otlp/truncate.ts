// The per-value size cap, applied to decoded batches before they are stored.
// A string longer than the cap in UTF-8 bytes is cut at a character boundary
// and ends with a marker that gives the bytes kept and the original size. Any
// other value (bytes, an array or a key-value list) whose JSON form is longer
// than the cap is stored as that JSON text, cut the same way. The rest of the
// span or record is kept whole.
//
// Each carrier of attributes (span, log record, resource, scope) with cut
// values gets `loupe.truncated_values`, the number of its values that were
// cut. A span's count covers its attributes and those of its events and
// links; a log record's count covers its body and attributes.

import type { JsonValue } from '../../shared/api'
import { setAttribute } from './attributes'
import type {
  Attributes,
  DecodedLogs,
  DecodedResource,
  DecodedScope,
  DecodedSpan,
  DecodedTraces,
  DecodedValue,
} from './model'

export const TRUNCATED_VALUES_ATTRIBUTE = 'loupe.truncated_values'

/** 4 MiB: larger than the prompts and tool results that agents usually record. */
export const DEFAULT_MAX_ATTRIBUTE_BYTES = 4 * 1024 * 1024

/** The smallest cap accepted, so that a cut value keeps some content beside its marker. */
export const MIN_MAX_ATTRIBUTE_BYTES = 1024

/** Returns the marker appended to a cut value. */
export function truncationMarker(keptBytes: number, originalBytes: number): string {
  return `…[truncated by Loupe: ${keptBytes} of ${originalBytes} bytes]`
}

export class ValueTruncator {
  constructor(readonly maxBytes: number = DEFAULT_MAX_ATTRIBUTE_BYTES) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes < MIN_MAX_ATTRIBUTE_BYTES) {
      throw new RangeError(
        `the attribute value cap must be an integer of at least ${MIN_MAX_ATTRIBUTE_BYTES} bytes, got ${maxBytes}`,
      )
    }
  }

  /** Cuts oversized values of decoded spans in place; returns how many were cut. */
  truncateTraces(traces: DecodedTraces): number {
    const batch = new BatchTruncation(this)
    for (const group of traces.groups) {
      batch.truncateShared(group.resource)
      batch.truncateShared(group.scope)
      for (const span of group.spans) batch.truncateSpan(span)
    }
    return batch.total
  }

  /** Cuts oversized bodies and values of decoded log records in place; returns how many were cut. */
  truncateLogs(logs: DecodedLogs): number {
    const batch = new BatchTruncation(this)
    for (const group of logs.groups) {
      batch.truncateShared(group.resource)
      batch.truncateShared(group.scope)
      for (const record of group.records) {
        const cut =
          this.truncateDecodedValue(record.body) + this.truncateAttributes(record.attributes)
        batch.mark(record.attributes, cut)
      }
    }
    return batch.total
  }

  /** Cuts the oversized values of one attribute map in place; returns how many were cut. */
  truncateAttributes(attributes: Attributes): number {
    let cut = 0
    for (const key of Object.keys(attributes.values)) {
      const replacement = this.truncatedValue(attributes.values[key]!)
      if (replacement === null) continue
      // The cut value is a plain string, so any recorded OTLP type goes with it.
      setAttribute(attributes, key, replacement, null)
      cut++
    }
    return cut
  }

  private truncateDecodedValue(decoded: DecodedValue): number {
    const replacement = this.truncatedValue(decoded.value)
    if (replacement === null) return 0
    decoded.value = replacement
    decoded.otlp = null
    return 1
  }

  /** Returns the cut form of a value over the cap, or null when the value fits. */
  private truncatedValue(value: JsonValue): string | null {
    if (typeof value === 'string') {
      // A UTF-16 code unit takes at most 3 UTF-8 bytes, so short strings need no encoding.
      if (value.length * 3 <= this.maxBytes) return null
      return truncateUtf8(value, this.maxBytes)
    }
    if (value === null || typeof value !== 'object') return null
    return truncateUtf8(JSON.stringify(value), this.maxBytes)
  }
}

/**
 * Returns `text` cut so that it and its marker take at most `maxBytes` UTF-8
 * bytes, or null when the whole text fits. The cut falls on a character
 * boundary, so the result is valid UTF-8. A lone surrogate counts as the 3
 * bytes of U+FFFD, which is how it is encoded.
 */
export function truncateUtf8(text: string, maxBytes: number): string | null {
  const encoded = Buffer.from(text, 'utf8')
  if (encoded.length <= maxBytes) return null
  // The kept count is at most maxBytes, so a marker that gives maxBytes is
  // at least as long as the final one.
  let kept = maxBytes - Buffer.byteLength(truncationMarker(maxBytes, encoded.length))
  // Step back over UTF-8 continuation bytes (10xxxxxx) to a character start.
  while (kept > 0 && (encoded[kept]! & 0xc0) === 0x80) kept--
  return encoded.toString('utf8', 0, kept) + truncationMarker(kept, encoded.length)
}

/** Truncation of one batch, where several groups may share one resource or scope object. */
class BatchTruncation {
  total = 0
  private readonly seen = new Set<object>()

  constructor(private readonly truncator: ValueTruncator) {}

  truncateShared(carrier: DecodedResource | DecodedScope): void {
    if (this.seen.has(carrier)) return
    this.seen.add(carrier)
    this.mark(carrier.attributes, this.truncator.truncateAttributes(carrier.attributes))
  }

  truncateSpan(span: DecodedSpan): void {
    let cut = this.truncator.truncateAttributes(span.attributes)
    for (const event of span.events) cut += this.truncator.truncateAttributes(event.attributes)
    for (const link of span.links) cut += this.truncator.truncateAttributes(link.attributes)
    this.mark(span.attributes, cut)
  }

  /**
   * Adds `cut` to the batch total and to the carrier's count, keeping a count
   * the sender already set (a trace exported from Loupe and imported again).
   */
  mark(attributes: Attributes, cut: number): void {
    if (cut === 0) return
    this.total += cut
    const previous = attributes.values[TRUNCATED_VALUES_ATTRIBUTE]
    const earlier = typeof previous === 'number' && Number.isSafeInteger(previous) ? previous : 0
    setAttribute(attributes, TRUNCATED_VALUES_ATTRIBUTE, earlier + cut, null)
  }
}
