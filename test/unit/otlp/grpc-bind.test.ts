// Binding the OTLP/gRPC server to the addresses `--host` accepts, IPv6
// loopback included.

import { createServer } from 'node:net'
import * as grpc from '@grpc/grpc-js'
import { afterEach, describe, expect, it } from 'vitest'
import { bindGrpc } from '../../../src/core/otlp/grpc-receiver'

let server: grpc.Server | null = null

/** True when this machine can listen on IPv6 loopback; some containers have no IPv6. */
const hasIpv6Loopback = await new Promise<boolean>((resolve) => {
  const probe = createServer()
  probe.once('error', () => resolve(false))
  probe.listen(0, '::1', () => probe.close(() => resolve(true)))
})

afterEach(() => {
  server?.forceShutdown()
  server = null
})

describe('bindGrpc', () => {
  for (const host of ['127.0.0.1', '::1', 'localhost']) {
    it.skipIf(host === '::1' && !hasIpv6Loopback)(`binds ${host}`, async () => {
      server = new grpc.Server()
      const port = await bindGrpc(server, host, 0)
      expect(port).toBeGreaterThan(0)
    })
  }
})
