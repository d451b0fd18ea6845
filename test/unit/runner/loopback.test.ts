import { describe, expect, it } from 'vitest'
import { isLoopbackHost } from '../../../src/core/runner/playground'

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', 'app.localhost', '::1', '[::1]'])(
    'accepts %s',
    (host) => {
      expect(isLoopbackHost(host)).toBe(true)
    },
  )

  it.each([
    '0.0.0.0',
    '::',
    '192.168.1.20',
    '10.0.0.1',
    'host.docker.internal',
    '128.0.0.1',
    '127.0.0.1.example.com',
    '::ffff:10.0.0.1',
  ])('rejects %s', (host) => {
    expect(isLoopbackHost(host)).toBe(false)
  })

  it('accepts an IPv4-mapped loopback address', () => {
    expect(isLoopbackHost('::ffff:127.0.0.1')).toBe(true)
  })
})
