import { describe, expect, it } from 'vitest'
import {
  checkForwardUrl,
  checkNotSelf,
  displayUrl,
  parseHeaderLines,
  parseHeaderList,
} from '../../../src/core/forward/config'
import { signalUrl } from '../../../src/core/forward/forwarder'

describe('checkForwardUrl', () => {
  it('keeps a path prefix and drops trailing slashes', () => {
    expect(checkForwardUrl('https://collector.test/otlp//')).toBe('https://collector.test/otlp')
    expect(signalUrl('https://collector.test/otlp', 'logs')).toBe(
      'https://collector.test/otlp/v1/logs',
    )
    expect(signalUrl(checkForwardUrl('http://collector.test:4318/'), 'traces')).toBe(
      'http://collector.test:4318/v1/traces',
    )
  })

  it('keeps the query string out of the display URL', () => {
    const url = checkForwardUrl('https://collector.test/otlp?api-key=sk-test-not-a-real-key')
    expect(signalUrl(url, 'metrics')).toBe(
      'https://collector.test/otlp/v1/metrics?api-key=sk-test-not-a-real-key',
    )
    expect(displayUrl(url)).toBe('https://collector.test/otlp')
  })

  it.each([
    ['collector:4318', /only http and https are supported/],
    ['not a url', /invalid forwarding URL "not a url"/],
    ['grpc://collector:4317', /only http and https are supported/],
    ['http://user:secret@collector:4318', /contains a user name or password/],
    ['http://collector:4318/v1/traces', /ends in \/v1\/traces; give the base URL without it/],
  ])('rejects %s', (value, message) => {
    expect(() => checkForwardUrl(value)).toThrow(message)
  })

  it('never shows a password in its error', () => {
    expect(() => checkForwardUrl('http://user:sk-test-not-a-real-key@collector:4318')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('sk-test') }),
    )
  })
})

describe('forwarding headers', () => {
  it('parses Name: value lines', () => {
    expect(parseHeaderLines(['Authorization: Bearer a:b', 'x-team:  blue '])).toEqual({
      Authorization: 'Bearer a:b',
      'x-team': 'blue',
    })
  })

  it('parses name=value lists with percent-encoding', () => {
    expect(parseHeaderList('Authorization=Bearer%20tok%3D%3D, x-team=blue,')).toEqual({
      Authorization: 'Bearer tok==',
      'x-team': 'blue',
    })
  })

  it('replaces a header named in another case', () => {
    expect(parseHeaderLines(['authorization: one', 'Authorization: two'])).toEqual({
      Authorization: 'two',
    })
  })

  it.each([
    [['Bad Name: x'], 'invalid header name "Bad Name"'],
    [['Content-Encoding: gzip'], 'the header Content-Encoding cannot be set'],
    [['sk-test-not-a-real-key'], "expected 'Name: value', with a colon after the name"],
  ])('rejects %j', (lines, message) => {
    expect(() => parseHeaderLines(lines)).toThrow(message)
  })

  it('rejects a list entry without a value separator', () => {
    expect(() => parseHeaderList('Authorization')).toThrow(
      'invalid forwarding header "Authorization": expected name=value pairs separated by commas',
    )
  })
})

describe('checkNotSelf', () => {
  it('rejects the own port on loopback names only', () => {
    expect(() => checkNotSelf('http://localhost:4318', 4318)).toThrow(
      "is this Loupe's own OTLP/HTTP receiver",
    )
    expect(() => checkNotSelf('http://127.0.0.2:4318/otlp', 4318)).toThrow('own OTLP/HTTP receiver')
    expect(() => checkNotSelf('http://localhost:4319', 4318)).not.toThrow()
    expect(() => checkNotSelf('http://collector.test:4318', 4318)).not.toThrow()
  })
})
