// Which port a server on its default port takes when another of Loupe's
// servers was given that port explicitly. The bind callback only records
// the ports tried, so no socket is opened.

import { describe, expect, it } from 'vitest'
import { bindWithFallback, type BindRequest } from '../../../src/core/net'

function request(change: Partial<BindRequest>): { request: BindRequest; tried: number[] } {
  const tried: number[] = []
  return {
    tried,
    request: {
      purpose: 'otlp-http',
      requested: 4318,
      explicit: false,
      flag: '--port',
      bind: async (port) => {
        tried.push(port)
        return port
      },
      reserved: [4318, 4317, 4320],
      claimed: [],
      ...change,
    },
  }
}

describe('bindWithFallback', () => {
  it('binds a free default port', async () => {
    const { request: bind, tried } = request({})
    const status = await bindWithFallback(bind)
    expect(status.actual).toBe(4318)
    expect(status.conflict).toBeNull()
    expect(tried).toEqual([4318])
  })

  it('leaves a default port another server claimed', async () => {
    const { request: bind, tried } = request({ claimed: [{ port: 4318, flag: '--ui-port' }] })
    const status = await bindWithFallback(bind)
    expect(status.actual).toBe(4319)
    expect(status.conflict?.holder).toBe("Loupe's --ui-port")
    expect(tried).toEqual([4319])
  })

  it('binds an explicit port even when claimed', async () => {
    const { request: bind, tried } = request({
      explicit: true,
      claimed: [{ port: 4318, flag: '--ui-port' }],
    })
    const status = await bindWithFallback(bind)
    expect(status.actual).toBe(4318)
    expect(tried).toEqual([4318])
  })
})
