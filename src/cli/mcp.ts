// `loupe mcp`: serves the traces of a data folder to AI coding assistants
// over the Model Context Protocol (stdio).

import { type Command, Option } from 'commander'
import pino from 'pino'
import { defaultDataDir } from '../core/paths'
import { dataOption, verifyDataFolder } from './folder'

export function registerMcpCommand(program: Command): void {
  program
    .command('mcp')
    .description(
      'serve search_traces, show_trace, get_span and query to an AI coding assistant over MCP ' +
        '(stdio); reads the store only, with or without loupe serve running',
    )
    .addOption(dataOption())
    .addOption(
      new Option('--log-level <level>', 'log level on stderr')
        .choices(['error', 'warn', 'info', 'debug'])
        .default('warn'),
    )
    .action(async (options: { data?: string; logLevel: string }) => {
      // Standard output belongs to the protocol, so every log line goes to standard error.
      const log = pino({ name: 'loupe-mcp', level: options.logLevel }, pino.destination(2))
      // Loaded here: the MCP SDK would add several MB to every other command's memory.
      const { serveMcpOnStdio } = await import('../core/mcp/server')
      // A missing folder is allowed: each tool call reports it until the folder exists.
      const dataDir = options.data ?? defaultDataDir()
      verifyDataFolder(dataDir, { allowMissing: true })
      const server = await serveMcpOnStdio({ dataDir, log })
      const stop = () => void server.close()
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
      await server.closed
      process.exit(0)
    })
}
