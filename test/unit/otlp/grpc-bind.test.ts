// Binding the OTLP/gRPC server to the addresses `--host` accepts, IPv6
// loopback included.

import * as grpc from '@grpc/grpc-js'
import { afterEach, describe, expect, it } from 'vitest'
import { bindGrpc } from '../../../src/core/otlp/grpc-receiver'

let server: grpc.Server | null = null

afterEach(() => {
  server?.forceShutdown()
  server = null
})

describe('bindGrpc', () => {
  for (const host of ['127.0.0.1', '::1', 'localhost']) {
    it(`binds ${host}`, async () => {
      server = new grpc.Server()
      const port = await bindGrpc(server, host, 0)
      expect(port).toBeGreaterThan(0)
    })
  }
})
