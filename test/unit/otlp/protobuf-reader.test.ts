import { describe, expect, test } from 'vitest'
import { OtlpDecodeError } from '../../../src/core/otlp/model'
import { ProtobufReader, fieldTag } from '../../../src/core/otlp/protobuf-reader'
import { RawProtoWriter } from './helpers'

function readerOf(writer: RawProtoWriter): ProtobufReader {
  return new ProtobufReader(writer.finish())
}

function expectDecodeError(read: () => unknown, message: RegExp): void {
  let caught: unknown = null
  try {
    read()
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(OtlpDecodeError)
  expect((caught as Error).message).toMatch(message)
}

describe('ProtobufReader varints', () => {
  test('reads one-byte and multi-byte uint32', () => {
    const reader = readerOf(new RawProtoWriter().varint(1).varint(300).varint(0xffffffff))
    expect(reader.readVarintUint32()).toBe(1)
    expect(reader.readVarintUint32()).toBe(300)
    expect(reader.readVarintUint32()).toBe(0xffffffff)
    expect(reader.pos).toBe(reader.limit)
  })

  test('reads negative int32 sent as 10 bytes', () => {
    const reader = readerOf(new RawProtoWriter().varint(-1n).varint(-2147483648n))
    expect(reader.readVarintInt32()).toBe(-1)
    expect(reader.readVarintInt32()).toBe(-2147483648)
    expect(reader.pos).toBe(20)
  })

  test('reads int64 as number when safe and bigint beyond 2^53', () => {
    const values = [
      0n,
      1n,
      9007199254740991n,
      9007199254740992n,
      9007199254740993n,
      -1n,
      -9007199254740991n,
      -9007199254740992n,
      9223372036854775807n,
      -9223372036854775808n,
    ]
    const writer = new RawProtoWriter()
    for (const value of values) writer.varint(value)
    const reader = readerOf(writer)
    const read = values.map(() => reader.readVarintInt64())
    expect(read).toEqual([
      0,
      1,
      9007199254740991,
      9007199254740992n,
      9007199254740993n,
      -1,
      -9007199254740991,
      -9007199254740992n,
      9223372036854775807n,
      -9223372036854775808n,
    ])
  })

  test('reads uint64 exactly', () => {
    const reader = readerOf(new RawProtoWriter().varint(18446744073709551615n).varint(5n))
    expect(reader.readVarintUint64()).toBe(18446744073709551615n)
    expect(reader.readVarintUint64()).toBe(5n)
  })

  test('rejects a varint longer than 10 bytes', () => {
    const bytes = new Uint8Array(11).fill(0x80)
    expectDecodeError(() => new ProtobufReader(bytes).readVarintUint64(), /longer than 10 bytes/)
    expectDecodeError(() => new ProtobufReader(bytes).readVarintUint32(), /longer than 10 bytes/)
  })

  test('reports a truncated varint with its offset', () => {
    const bytes = Uint8Array.from([0x08, 0x96])
    const reader = new ProtobufReader(bytes)
    reader.readTag()
    expectDecodeError(() => reader.readVarintUint32(), /truncated input, the field at byte 1/)
  })
})

describe('ProtobufReader fixed-width values', () => {
  test('reads fixed32, fixed64 and double little-endian', () => {
    const reader = readerOf(
      new RawProtoWriter()
        .fixed32(1, 0xdeadbeef)
        .fixed64(2, 1772362800123456789n)
        .fixed64(3, 18446744073709551615n)
        .double(4, -0.5),
    )
    expect(reader.readTag()).toBe(fieldTag(1, 5))
    expect(reader.readFixed32()).toBe(0xdeadbeef)
    expect(reader.readTag()).toBe(fieldTag(2, 1))
    expect(reader.readFixed64()).toBe(1772362800123456789n)
    reader.readTag()
    expect(reader.readFixed64()).toBe(18446744073709551615n)
    reader.readTag()
    expect(reader.readDouble()).toBe(-0.5)
  })

  test('stops fixed-width reads at the end of a nested message', () => {
    // A nested message of 4 bytes holds a fixed64 tag, and bytes of the next
    // field follow it in the buffer.
    const body = new RawProtoWriter()
      .lengthDelimited(1, [0x09, 1, 2, 3])
      .string(2, 'next field')
      .finish()
    for (const read of ['readFixed64', 'readDouble', 'readFixed32'] as const) {
      const reader = new ProtobufReader(body)
      reader.readTag()
      reader.enterMessage()
      reader.readTag()
      if (read === 'readFixed32') reader.pos += 1
      expectDecodeError(() => reader[read](), /enclosing message ends at byte 6/)
    }
  })

  test('reports truncated fixed64 with its offset', () => {
    const bytes = Uint8Array.from([0x09, 1, 2, 3])
    const reader = new ProtobufReader(bytes)
    reader.readTag()
    expectDecodeError(() => reader.readFixed64(), /field at byte 1 needs 8 bytes/)
  })
})

describe('ProtobufReader length-delimited fields', () => {
  test('reads strings without copying and replaces invalid UTF-8', () => {
    const writer = new RawProtoWriter()
      .string(1, 'héllo')
      .lengthDelimited(2, [0x63, 0x61, 0x66, 0xc3])
      .lengthDelimited(3, [])
    const reader = readerOf(writer)
    reader.readTag()
    expect(reader.readString()).toBe('héllo')
    reader.readTag()
    expect(reader.readString()).toBe('caf\ufffd')
    reader.readTag()
    expect(reader.readString()).toBe('')
  })

  test('accepts a Uint8Array view at an offset', () => {
    const body = new RawProtoWriter().string(1, 'view').finish()
    const backing = new Uint8Array(body.length + 7)
    backing.set(body, 7)
    const reader = new ProtobufReader(backing.subarray(7))
    reader.readTag()
    expect(reader.readString()).toBe('view')
  })

  test('rejects a length beyond the enclosing message', () => {
    const body = new RawProtoWriter()
      .message(1, (inner) => inner.tag(2, 2).varint(50).raw([1, 2, 3]))
      .string(3, 'after')
      .finish()
    const reader = new ProtobufReader(body)
    reader.readTag()
    const outerLimit = reader.enterMessage()
    reader.readTag()
    expectDecodeError(() => reader.readString(), /declares 50 bytes, but only 3 remain/)
    expect(outerLimit).toBe(body.length)
  })

  test('nested limits stop reads at the message end', () => {
    const body = new RawProtoWriter()
      .message(1, (inner) => inner.string(1, 'in'))
      .string(2, 'out')
      .finish()
    const reader = new ProtobufReader(body)
    reader.readTag()
    const outerLimit = reader.enterMessage()
    reader.readTag()
    expect(reader.readString()).toBe('in')
    expect(reader.pos).toBe(reader.limit)
    reader.leaveMessage(outerLimit)
    expect(reader.readTag()).toBe(fieldTag(2, 2))
    expect(reader.readString()).toBe('out')
  })
})

describe('ProtobufReader skipField', () => {
  test('skips every supported wire type', () => {
    const body = new RawProtoWriter()
      .tag(1, 0)
      .varint(-1n)
      .fixed64(2, 7n)
      .string(3, 'skipped')
      .fixed32(4, 9)
      .string(5, 'kept')
      .finish()
    const reader = new ProtobufReader(body)
    for (let index = 0; index < 4; index++) reader.skipField(reader.readTag())
    expect(reader.readTag()).toBe(fieldTag(5, 2))
    expect(reader.readString()).toBe('kept')
  })

  test('rejects groups and wire types 6 and 7', () => {
    for (const wireType of [3, 4, 6, 7]) {
      const reader = readerOf(new RawProtoWriter().tag(9, wireType).varint(0))
      expectDecodeError(
        () => reader.skipField(reader.readTag()),
        new RegExp(`field 9 .* wire type ${wireType}`),
      )
    }
  })

  test('rejects field number 0', () => {
    const reader = new ProtobufReader(Uint8Array.from([0x02, 0x00]))
    expectDecodeError(() => reader.readTag(), /field number 0 in the tag at byte 0/)
  })

  test('reports a truncated skip', () => {
    const reader = new ProtobufReader(Uint8Array.from([0x0d, 1, 2]))
    expectDecodeError(() => reader.skipField(reader.readTag()), /needs 4 bytes/)
  })
})
