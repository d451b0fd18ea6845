// A bounds-checked reader for the protobuf binary wire format, as described in
// the protobuf encoding guide (https://protobuf.dev/programming-guides/encoding/).
// It reads tags, varints (32- and 64-bit), fixed32, fixed64 and doubles, and
// length-delimited fields as offsets into the input, so nothing is copied.
// Unknown fields of wire types 0, 1, 2 and 5 can be skipped. Groups (wire types
// 3 and 4, unused by proto3 and by OTLP) and wire types 6 and 7 are errors.
// Every read checks the end of the enclosing message, and any malformed or
// truncated input throws OtlpDecodeError with the byte offset.

import { OtlpDecodeError } from './model'

export const WIRE_VARINT = 0
export const WIRE_FIXED64 = 1
export const WIRE_LENGTH_DELIMITED = 2
export const WIRE_FIXED32 = 5

const TWO_POW_32 = 4294967296

/** Returns the tag value (`fieldNumber << 3 | wireType`) of a field, for `switch` cases. */
export function fieldTag(fieldNumber: number, wireType: number): number {
  return fieldNumber * 8 + wireType
}

/**
 * Reads one protobuf message and its nested messages from a byte buffer.
 *
 * `pos` is the offset of the next byte to read. `limit` is the end of the
 * message being read: `enterMessage` narrows it to a nested message and
 * `leaveMessage` restores it, so a length field can never reach past the end
 * of the message that contains it.
 */
export class ProtobufReader {
  readonly buf: Buffer
  pos = 0
  limit: number
  private readonly view: DataView
  // The two 32-bit halves of the last 64-bit varint, set by readVarint64Parts.
  private lo = 0
  private hi = 0

  constructor(bytes: Uint8Array) {
    this.buf = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.limit = this.buf.length
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength)
  }

  /** Reads a field tag. Throws for field number 0 or a tag longer than 5 bytes. */
  readTag(): number {
    const start = this.pos
    const tag = this.readVarintUint32()
    if (tag < 8) {
      throw new OtlpDecodeError(`invalid protobuf: field number 0 in the tag at byte ${start}`)
    }
    return tag
  }

  /**
   * Reads a varint and returns its low 32 bits as an unsigned number. Longer
   * values are read whole (up to 10 bytes) and truncated, as protobuf does for
   * uint32 fields.
   */
  readVarintUint32(): number {
    const buf = this.buf
    let pos = this.pos
    if (pos >= this.limit) this.throwTruncated(pos, 1)
    let byte = buf[pos++]!
    if (byte < 0x80) {
      this.pos = pos
      return byte
    }
    let result = byte & 0x7f
    for (let shift = 7; shift < 35; shift += 7) {
      if (pos >= this.limit) this.throwTruncated(this.pos, pos - this.pos + 1)
      byte = buf[pos++]!
      result |= (byte & 0x7f) << shift
      if (byte < 0x80) {
        this.pos = pos
        return result >>> 0
      }
    }
    // Bytes 6 to 10 only carry bits above 32. They are skipped, but the varint
    // must still end within 10 bytes.
    for (let index = 5; index < 10; index++) {
      if (pos >= this.limit) this.throwTruncated(this.pos, pos - this.pos + 1)
      byte = buf[pos++]!
      if (byte < 0x80) {
        this.pos = pos
        return result >>> 0
      }
    }
    throw new OtlpDecodeError(
      `invalid protobuf: varint at byte ${this.pos} is longer than 10 bytes`,
    )
  }

  /** Reads an int32 or enum varint. Negative values arrive sign-extended to 10 bytes. */
  readVarintInt32(): number {
    return this.readVarintUint32() | 0
  }

  readBool(): boolean {
    this.readVarint64Parts()
    return this.lo !== 0 || this.hi !== 0
  }

  /**
   * Reads an int64 varint. Returns a number when the value is a safe integer
   * (within ±(2^53 - 1)), else a bigint, so callers allocate a bigint only for
   * large values.
   */
  readVarintInt64(): number | bigint {
    this.readVarint64Parts()
    const lo = this.lo
    const hi = this.hi
    if (hi < 0x200000) return hi * TWO_POW_32 + lo
    if (hi >= 0xffe00000) {
      // A negative value whose magnitude is at most 2^53, so the product and
      // the sum are exact. Only -2^53 itself is not a safe integer.
      const value = (hi - TWO_POW_32) * TWO_POW_32 + lo
      if (value !== -9007199254740992) return value
    }
    return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo))
  }

  /** Reads a uint64 varint as a bigint. */
  readVarintUint64(): bigint {
    this.readVarint64Parts()
    return combineUint64(this.lo, this.hi)
  }

  readFixed32(): number {
    const pos = this.pos
    if (this.limit - pos < 4) this.throwTruncated(pos, 4)
    this.pos = pos + 4
    return this.view.getUint32(pos, true)
  }

  readFixed64(): bigint {
    const pos = this.pos
    if (this.limit - pos < 8) this.throwTruncated(pos, 8)
    this.pos = pos + 8
    return combineUint64(this.view.getUint32(pos, true), this.view.getUint32(pos + 4, true))
  }

  readDouble(): number {
    const pos = this.pos
    if (this.limit - pos < 8) this.throwTruncated(pos, 8)
    this.pos = pos + 8
    return this.view.getFloat64(pos, true)
  }

  /** Reads the length prefix of a length-delimited field and checks that its bytes are present. */
  readLength(): number {
    const start = this.pos
    const length = this.readVarintUint32()
    if (length > this.limit - this.pos) {
      throw new OtlpDecodeError(
        `invalid protobuf: length-delimited field at byte ${start} declares ${length} bytes, ` +
          `but only ${this.limit - this.pos} remain in the enclosing message`,
      )
    }
    return length
  }

  /**
   * Skips over a length-delimited field and returns the offset of its first
   * byte. The field's bytes are `buf[start .. pos)` afterwards.
   */
  readLengthDelimitedStart(): number {
    const length = this.readLength()
    const start = this.pos
    this.pos = start + length
    return start
  }

  /** Reads a string field. Invalid UTF-8 sequences become U+FFFD. */
  readString(): string {
    const length = this.readLength()
    if (length === 0) return ''
    const start = this.pos
    this.pos = start + length
    return this.buf.toString('utf8', start, start + length)
  }

  /**
   * Narrows `limit` to the nested message whose length prefix comes next and
   * returns the previous limit, to be passed to `leaveMessage`.
   */
  enterMessage(): number {
    const length = this.readLength()
    const outerLimit = this.limit
    this.limit = this.pos + length
    return outerLimit
  }

  /** Moves to the end of the current nested message and restores the enclosing limit. */
  leaveMessage(outerLimit: number): void {
    this.pos = this.limit
    this.limit = outerLimit
  }

  /** Skips the value of a field of the given wire type. */
  skipField(tag: number): void {
    const wireType = tag & 7
    switch (wireType) {
      case WIRE_VARINT:
        this.readVarint64Parts()
        return
      case WIRE_FIXED64:
        this.skipBytes(8)
        return
      case WIRE_LENGTH_DELIMITED: {
        const length = this.readLength()
        this.pos += length
        return
      }
      case WIRE_FIXED32:
        this.skipBytes(4)
        return
      default:
        throw new OtlpDecodeError(
          `invalid protobuf: field ${Math.floor(tag / 8)} before byte ${this.pos} has wire type ` +
            `${wireType}, which OTLP never uses (groups and wire types 6 and 7 are not supported)`,
        )
    }
  }

  private skipBytes(count: number): void {
    if (this.limit - this.pos < count) this.throwTruncated(this.pos, count)
    this.pos += count
  }

  /** Reads a varint of up to 10 bytes into `lo` and `hi` (unsigned 32-bit halves). */
  private readVarint64Parts(): void {
    const buf = this.buf
    const start = this.pos
    let pos = start
    let lo = 0
    let hi = 0
    let byte = 0

    // Bytes 0 to 3 fill bits 0 to 27.
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= this.limit) this.throwTruncated(start, pos - start + 1)
      byte = buf[pos++]!
      lo |= (byte & 0x7f) << shift
      if (byte < 0x80) {
        this.pos = pos
        this.lo = lo >>> 0
        this.hi = 0
        return
      }
    }

    // Byte 4 carries bits 28 to 31 in its low nibble and bits 32 to 34 above it.
    if (pos >= this.limit) this.throwTruncated(start, pos - start + 1)
    byte = buf[pos++]!
    lo |= (byte & 0x0f) << 28
    hi = (byte & 0x7f) >> 4

    if (byte >= 0x80) {
      // Bytes 5 to 9 fill bits 35 to 63.
      for (let shift = 3; shift < 38; shift += 7) {
        if (pos >= this.limit) this.throwTruncated(start, pos - start + 1)
        byte = buf[pos++]!
        hi |= (byte & 0x7f) << shift
        if (byte < 0x80) break
        if (shift === 31) {
          throw new OtlpDecodeError(
            `invalid protobuf: varint at byte ${start} is longer than 10 bytes`,
          )
        }
      }
    }

    this.pos = pos
    this.lo = lo >>> 0
    this.hi = hi >>> 0
  }

  private throwTruncated(offset: number, needed: number): never {
    throw new OtlpDecodeError(
      `invalid protobuf: truncated input, the field at byte ${offset} needs ${needed} bytes ` +
        `but the enclosing message ends at byte ${this.limit}`,
    )
  }
}

function combineUint64(lo: number, hi: number): bigint {
  if (hi < 0x200000) return BigInt(hi * TWO_POW_32 + lo)
  return (BigInt(hi) << 32n) | BigInt(lo)
}
