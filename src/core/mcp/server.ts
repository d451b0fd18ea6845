// `loupe mcp`: a Model Context Protocol server on standard input and output
// that lets a coding assistant search, read and query the traces in a data
// folder. It only reads the store, so it runs beside `loupe serve` or the
// desktop app, or alone. Standard output carries protocol messages only;
// logs go to standard error.

import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import type { Logger } from 'pino'
import { loupeVersion } from '../package-root'
import { QueryRunner } from '../query/runner'
import { ReadOnlyStore } from './store'
import { registerTools } from './tools'

const INSTRUCTIONS =
  'Loupe stores the OpenTelemetry traces of LLM agents run on this machine: agent runs, ' +
  'model calls with their messages, tool calls, tokens, cost and error classes. Start with ' +
  'search_traces to find trace ids, read one with show_trace, open a span in full with ' +
  'get_span, and use query for totals and aggregates over many runs.'

export interface McpServerOptions {
  dataDir: string
  log: Logger
}

export interface RunningMcpServer {
  /** Resolves when the client has closed the connection or close() was called. */
  closed: Promise<void>
  close(): Promise<void>
}

/** Starts the server on this process's standard input and output. */
export async function serveMcpOnStdio(options: McpServerOptions): Promise<RunningMcpServer> {
  const store = new ReadOnlyStore(options.dataDir)
  const queryRunner = new QueryRunner(options.dataDir)
  const server = new McpServer(
    { name: 'loupe', title: 'Loupe', version: loupeVersion() },
    { instructions: INSTRUCTIONS },
  )
  registerTools(server, {
    store,
    log: options.log,
    query: (request) => queryRunner.run(request),
  })
  const transport = new StdioServerTransport()
  replyToUnreadableLines(transport, options.log)
  let resolveClosed!: () => void
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve))
  let stopped = false
  const close = async () => {
    if (stopped) return
    stopped = true
    queryRunner.stop()
    await server.close()
    store.close()
    options.log.info('MCP server stopped')
    resolveClosed()
  }
  // The stdio transport does not watch for the end of its input: a client
  // that exits only closes the pipe.
  process.stdin.once('end', () => void close())
  server.server.onclose = () => void close()
  await server.connect(transport)
  options.log.info({ dataDir: options.dataDir }, 'MCP server listening on stdio')
  return { closed, close }
}

/**
 * Replies to an input line that is not JSON with a JSON-RPC parse error
 * (-32700), and to JSON that is not a JSON-RPC message with an invalid
 * request error (-32600), and logs each on standard error. The SDK's stdio
 * transport (1.32) drops such lines and only reports them to `onerror`.
 * The replies have no id, because none could be read: the MCP schema makes
 * the id of an error response optional, where JSON-RPC 2.0 uses null.
 */
function replyToUnreadableLines(transport: StdioServerTransport, log: Logger): void {
  let unreadableLines = 0
  transport.onerror = (error) => {
    let code: number
    let message: string
    if (error instanceof SyntaxError) {
      code = -32700
      message = `Parse error: the line is not valid JSON (${error.message})`
    } else if (error.name === 'ZodError') {
      code = -32600
      message = 'Invalid Request: the line is JSON but not a JSON-RPC 2.0 request or notification'
    } else {
      log.error({ err: error }, 'MCP transport failed')
      return
    }
    unreadableLines++
    log.warn({ code, unreadableLines }, `rejected an input line: ${message}`)
    transport
      .send({ jsonrpc: '2.0', error: { code, message } })
      .catch((sendError: unknown) =>
        log.error({ err: sendError }, 'failed to send a JSON-RPC error'),
      )
  }
}
