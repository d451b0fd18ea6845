// The commands of `loupe`. `serve` starts the core; the other commands read or
// write a data folder, through its running core when there is one.

import { plural } from '../core/check/check'
import { readFile, writeFile } from 'node:fs/promises'
import { Command, InvalidArgumentError, Option } from 'commander'
import pino from 'pino'
import { startCore, DEFAULT_MAX_BODY_BYTES, DEFAULT_PORTS } from '../core/core'
import { DEFAULT_MAX_ATTRIBUTE_BYTES } from '../core/otlp/truncate'
import { AlreadyRunningError } from '../core/discovery'
import { PortInUseError } from '../core/net'
import { ForwardConfigError } from '../core/forward/config'
import { OtlpDecodeError } from '../core/otlp/model'
import { loupeVersion } from '../core/package-root'
import { defaultDataDir } from '../core/paths'
import { isBindAddress, isHostName } from '../core/settings/schema'
import { StoreError } from '../core/store/database'
import { CliError, dataOption, openFolder, verifyDataFolder, type TraceSource } from './folder'
import { formatTraceTree } from './format'
import { forwardConfigOf, forwardHeaderOption, forwardingLine, forwardOption } from './forward'
import { inspectFile } from './import-file'
import { fromOption, importFromQueryApi } from './import-remote'
import type { RemoteSource } from '../core/import/remote'
import { humanLogStream } from './log-stream'
import { registerMcpCommand } from './mcp'
import { diffCommand, readReplay, replayCommand } from './replay'
import { registerEvalsCommand } from './evals'
import { formatQueryTable, parseLimitRows, parseTimeoutMs, runQuery } from './query'
import { registerCheckCommand } from './check'
import { registerAlertsCommand } from './alerts'
import { runCommand } from './run'
import { prepareServeSettings } from './serve-settings'
import { registerTracesCommand } from './traces'
import { useShortUsageErrors } from './usage-errors'
import { splitCommandLine } from '../core/runner/command-line'
import { isLoopbackHost } from '../core/runner/playground'
import { readScenarioFile, type ScenarioFile } from './scenario-file'
import { ScenarioPlayer, ScenarioError } from '../core/gateway/scenario'
import { CassetteError } from '../core/replay/cassette'
import type { ReplayPlayer } from '../core/replay/player'
import { ERROR_CLASS_STATUS, type ErrorClass } from '../shared/genai'

const out = (text: string) => process.stdout.write(`${text}\n`)
const err = (text: string) => process.stderr.write(`${text}\n`)

function parsePort(value: string): number {
  // Only decimal digits, because Number() would also read '' as 0 and accept 1e3 or 0x10.
  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('expected a port number from 0 to 65535 (0 picks a free port)')
  }
  return port
}

/** Checks a `--host` value with the rule of `host` in settings.json. */
function parseBindAddress(value: string): string {
  if (!isBindAddress(value)) {
    throw new InvalidArgumentError(
      'expected an IP address (127.0.0.1, 0.0.0.0, ::1) or a host name',
    )
  }
  return value
}

/** Checks and collects the repeatable `--allow-host`, with the rule of `allowedHosts` in settings.json. */
function collectHostName(value: string, previous: string[]): string[] {
  if (!isHostName(value)) {
    throw new InvalidArgumentError('expected a host name such as host.docker.internal')
  }
  return [...previous, value]
}

const ERROR_CLASSES = Object.keys(ERROR_CLASS_STATUS) as ErrorClass[]

function parseErrorClasses(value: string): ErrorClass[] {
  const classes = value
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '')
  const failures = ERROR_CLASSES.filter((c) => c !== 'none')
  for (const c of classes) {
    if (!(failures as string[]).includes(c)) {
      throw new InvalidArgumentError(
        c === 'none'
          ? 'none is the class of a run that did not fail, so it cannot fail a run; list failure classes'
          : `unknown error class ${c}; use ${failures.join(', ')}`,
      )
    }
  }
  return classes as ErrorClass[]
}

function parsePositive(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`${value} is not a positive integer`)
  return n
}

function parsePositiveNumber(value: string): number {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`${value} is not a positive number`)
  return n
}

/** Longest retention accepted: a hundred years, far more than any store keeps, and safe in nanoseconds. */
const MAX_RETENTION_DAYS = 36_500

function parseRetentionDays(value: string): number {
  const days = parsePositiveNumber(value)
  if (days > MAX_RETENTION_DAYS) {
    throw new InvalidArgumentError(
      `${value} days is more than ${MAX_RETENTION_DAYS}; leave out --retention-days to keep traces for ever`,
    )
  }
  return days
}

const MIB = 1024 * 1024

function dataDirOf(options: { data?: string }): string {
  return options.data ?? defaultDataDir()
}

/** Returns the data folder of a command that creates it when missing; throws CliError when it is a file. */
function creatableDataDirOf(options: { data?: string }): string {
  const dataDir = dataDirOf(options)
  verifyDataFolder(dataDir, { allowMissing: true })
  return dataDir
}

async function withFolder<T>(
  options: { data?: string },
  action: (source: TraceSource) => Promise<T>,
  create = false,
): Promise<T> {
  const source = openFolder(dataDirOf(options), { create })
  try {
    return await action(source)
  } finally {
    source.close()
  }
}

interface ServeOptions {
  host: string
  port?: number
  grpcPort?: number
  uiPort?: number
  data?: string
  demo?: boolean
  allowHost: string[]
  maxBodyMb: number
  maxAttributeMb: number
  maxStoreMb?: number
  retentionDays?: number
  logLevel: string
  logFormat: string
  /** Print the mock model's settings instead of the OTLP ones (`loupe mock`). */
  gatewayOnly?: boolean
  /** The scenario that answers gateway calls outside runs (`loupe mock SCENARIO`). */
  scenario?: ScenarioFile
  /** A cassette whose recorded replies answer gateway calls outside runs (`loupe mock --replay`). */
  replay?: ReplayPlayer
  forward?: string
  forwardHeader?: string[]
}

/**
 * Rejects one port number given for two of the servers, which would
 * otherwise be reported as a port in use by Loupe itself. Port 0 picks a
 * free port for each, so it may repeat.
 */
function checkDistinctPorts(ports: Record<string, number | undefined>): void {
  const seen = new Map<number, string>()
  for (const [server, port] of Object.entries(ports)) {
    if (port === undefined || port === 0) continue
    const other = seen.get(port)
    if (other !== undefined) {
      throw new CliError(`${other} and ${server} are both ${port}; give each server its own port`)
    }
    seen.set(port, server)
  }
}

async function serve(options: ServeOptions, command?: Command): Promise<void> {
  // The settings file is read from this folder, so it is checked before the file.
  const flagDataDir = creatableDataDirOf(options)
  // `loupe mock` calls serve without a command: it reads no settings file.
  const settings =
    command === undefined ? null : await prepareServeSettings({ ...options }, command)
  // The settings file's `dataDir` applies when neither --data nor LOUPE_DATA_DIR is set.
  const dataDir = settings?.coreOptions.dataDir ?? flagDataDir
  verifyDataFolder(dataDir, { allowMissing: true })
  const host = settings?.coreOptions.host ?? options.host
  const allowedHosts = settings?.coreOptions.allowedHosts ?? options.allowHost
  // --forward (or LOUPE_FORWARD_URL) replaces the settings file's forwarding as a whole.
  const forward =
    forwardConfigOf({ ...options, forwardHeader: options.forwardHeader ?? [] }) ??
    settings?.coreOptions.forward
  if (!isLoopbackHost(host)) {
    err(
      `warning: binding ${host} exposes Loupe to other machines; only requests for the Host names ` +
        `${['localhost', '*.localhost', '127.0.0.1', '[::1]', host, ...allowedHosts].join(', ')} ` +
        'are served (add more with --allow-host)',
    )
  }
  const destination =
    options.logFormat === 'json' ? pino.destination(2) : humanLogStream(process.stderr)
  checkDistinctPorts({
    'the OTLP/HTTP port (--port)': settings?.coreOptions.otlpHttpPort ?? options.port,
    'the OTLP/gRPC port (--grpc-port)': settings?.coreOptions.otlpGrpcPort ?? options.grpcPort,
    'the UI port (--ui-port)': settings?.coreOptions.uiPort ?? options.uiPort,
  })
  const logger = pino({ name: 'loupe', level: options.logLevel }, destination)
  const core = await startCore({
    dataDir,
    host,
    allowedHosts,
    otlpHttpPort: options.port,
    otlpGrpcPort: options.grpcPort,
    uiPort: options.uiPort,
    maxBodyBytes: options.maxBodyMb * MIB,
    maxAttributeBytes: options.maxAttributeMb * MIB,
    maxStoreBytes: options.maxStoreMb === undefined ? undefined : options.maxStoreMb * MIB,
    retentionDays: options.retentionDays,
    ...settings?.coreOptions,
    settings: settings?.runtime,
    demo: options.demo,
    logger,
    respondOutsideRuns: options.scenario
      ? new ScenarioPlayer(options.scenario.scenario, options.scenario.name).respond
      : options.replay?.respond,
    forward,
  })
  const status = core.status()
  out(`Loupe ${status.version} is serving ${dataDir}`)
  out(`  UI:        ${core.uiUrlWithToken}`)
  out(`  OTLP/HTTP: ${status.otlpHttpUrl ?? 'not listening'}`)
  out(`  OTLP/gRPC: ${status.otlpGrpcUrl ?? 'not listening'}`)
  for (const line of settings?.lines ?? []) out(`  ${line}`)
  const maxStoreMb = settings?.runtime.running.maxStoreMb ?? options.maxStoreMb
  const retentionDays = settings?.runtime.running.retentionDays ?? options.retentionDays
  if (maxStoreMb != null || retentionDays != null) {
    const limits = [
      maxStoreMb == null ? null : `at most ${maxStoreMb} MiB`,
      retentionDays == null ? null : `traces kept ${retentionDays} days`,
    ]
    out(`  Retention: ${limits.filter((limit) => limit !== null).join(', ')}`)
  }
  if (forward) out(forwardingLine(forward))
  for (const port of status.ports) {
    if (port.conflict) {
      out(
        `  note: port ${port.requested} is in use by ${port.conflict.holder ?? 'another process'}; ` +
          `Loupe took ${port.actual} instead`,
      )
    }
  }
  if (options.gatewayOnly) {
    if (options.scenario) {
      out(
        `The mock answers from scenario ${options.scenario.name} (${options.scenario.scenario.turns.length} turns).`,
      )
    }
    out('Point an agent at the mock model (any API key works):')
    out(`  OPENAI_BASE_URL=${status.otlpHttpUrl}/gateway/openai/v1 OPENAI_API_KEY=mock`)
    out(`  ANTHROPIC_BASE_URL=${status.otlpHttpUrl}/gateway/anthropic ANTHROPIC_API_KEY=mock`)
  } else {
    out(
      `Point an agent at it: OTEL_EXPORTER_OTLP_ENDPOINT=${status.otlpHttpUrl} (add LOGFIRE_SEND_TO_LOGFIRE=false for Logfire)`,
    )
  }
  const stop = (signal: string) => {
    logger.info(`received ${signal}, stopping`)
    core.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'stopping failed')
        process.exit(1)
      },
    )
  }
  process.once('SIGINT', () => stop('SIGINT'))
  process.once('SIGTERM', () => stop('SIGTERM'))
}

interface ImportOptions {
  data?: string
  from?: RemoteSource
}

export function buildProgram(): Command {
  const program = new Command('loupe')
    .description('Local OpenTelemetry trace viewer and development harness for LLM agents')
    .version(loupeVersion())
    .enablePositionalOptions()

  program
    .command('serve')
    .description('start the OTLP receivers and the UI in this terminal (no Electron needed)')
    .option('--host <address>', 'address to bind', parseBindAddress, '127.0.0.1')
    .option(
      '--port <port>',
      `OTLP/HTTP port (default ${DEFAULT_PORTS.otlpHttp}, or the next free one)`,
      parsePort,
    )
    .option(
      '--grpc-port <port>',
      `OTLP/gRPC port (default ${DEFAULT_PORTS.otlpGrpc}, or the next free one)`,
      parsePort,
    )
    .option(
      '--ui-port <port>',
      `UI and API port (default ${DEFAULT_PORTS.ui}, or the next free one)`,
      parsePort,
    )
    .addOption(dataOption())
    .option('--demo', 'load the bundled demo traces when the store is empty')
    .option(
      '--allow-host <name>',
      'also serve requests with this Host header, e.g. host.docker.internal (repeatable)',
      collectHostName,
      [] as string[],
    )
    .option(
      '--max-body-mb <mebibytes>',
      'largest OTLP request body, before and after decompression, in MiB',
      parsePositive,
      DEFAULT_MAX_BODY_BYTES / MIB,
    )
    .addOption(
      new Option(
        '--max-attribute-mb <mebibytes>',
        'largest attribute value or log body stored whole, in MiB; longer ones are cut with a marker',
      )
        .argParser(parsePositive)
        .default(DEFAULT_MAX_ATTRIBUTE_BYTES / MIB)
        .env('LOUPE_MAX_ATTRIBUTE_MB'),
    )
    .addOption(
      new Option(
        '--max-store-mb <mebibytes>',
        'size cap of the store in MiB; past it the oldest traces are deleted (default: no cap)',
      )
        .argParser(parsePositive)
        .env('LOUPE_MAX_STORE_MB'),
    )
    .addOption(
      new Option(
        '--retention-days <days>',
        'delete traces whose newest span is older than this many days, fractions allowed (default: keep all)',
      )
        .argParser(parseRetentionDays)
        .env('LOUPE_RETENTION_DAYS'),
    )
    .addOption(
      new Option('--log-level <level>', 'log level on stderr')
        .choices(['error', 'warn', 'info', 'debug'])
        .default('info'),
    )
    .addOption(
      new Option(
        '--log-format <format>',
        'log lines on stderr: text for people, json for collectors',
      )
        .choices(['text', 'json'])
        .default('text'),
    )
    .addOption(forwardOption())
    .addOption(forwardHeaderOption())
    .action(serve)

  program
    .command('mock')
    .description(
      'serve the mock model gateway (OpenAI and Anthropic APIs) for agents started some other way; ' +
        'their telemetry is received too',
    )
    .option(
      '--port <port>',
      `HTTP port of the gateway and OTLP (default ${DEFAULT_PORTS.otlpHttp})`,
      parsePort,
    )
    .argument('[scenario]', 'a scenario file (YAML or JSON) that scripts the answers')
    .option(
      '--replay <cassette>',
      'answer with the recorded replies of a cassette file (from loupe replay --save), in order',
    )
    .addOption(
      new Option('--then <what>', 'with --replay, after a divergence: fail, or let the mock answer')
        .choices(['fail', 'mock'])
        .default('fail'),
    )
    .addOption(dataOption())
    .action(
      async (
        scenarioPath: string | undefined,
        options: { port?: number; data?: string; replay?: string; then: 'fail' | 'mock' },
      ) => {
        if (scenarioPath !== undefined && options.replay !== undefined) {
          throw new CliError('a scenario and --replay cannot be used together: choose one')
        }
        await serve({
          host: '127.0.0.1',
          port: options.port,
          data: options.data,
          allowHost: [],
          maxBodyMb: DEFAULT_MAX_BODY_BYTES / MIB,
          maxAttributeMb: DEFAULT_MAX_ATTRIBUTE_BYTES / MIB,
          logLevel: 'info',
          logFormat: 'text',
          gatewayOnly: true,
          scenario: scenarioPath === undefined ? undefined : await readScenarioFile(scenarioPath),
          replay:
            options.replay === undefined
              ? undefined
              : await readReplay(options.replay, options.then),
        })
      },
    )

  program
    .command('run')
    .description('start an agent command pointed at Loupe, store the run and print what it did')
    .argument('<command...>', 'the command and its arguments, after --')
    .option(
      '--mock [scenario]',
      'answer its OpenAI and Anthropic calls with the mock model (no network, no key), scripted by a scenario file when one is given',
    )
    .option(
      '--record',
      'forward its OpenAI and Anthropic calls to the real provider (OPENAI_BASE_URL and OPENAI_API_KEY, or the ANTHROPIC_ ones, of this shell) and record each exchange',
    )
    .option(
      '--fail-on <classes>',
      `exit non-zero when the run ends with one of these error classes (comma-separated: ${ERROR_CLASSES.join(', ')})`,
      parseErrorClasses,
      [] as ErrorClass[],
    )
    .option('--json', 'print the run as JSON on standard output when it ends')
    .addOption(dataOption())
    .passThroughOptions()
    .action(
      async (
        command: string[],
        options: {
          mock?: boolean | string
          record?: boolean
          failOn: ErrorClass[]
          json?: boolean
          data?: string
        },
      ) => {
        const mock = options.mock !== undefined && options.mock !== false
        if (mock && options.record) {
          throw new CliError('--mock and --record cannot be used together: choose one')
        }
        process.exitCode = await runCommand(command, {
          dataDir: creatableDataDirOf(options),
          mock,
          record: options.record ?? false,
          scenario:
            typeof options.mock === 'string'
              ? await readScenarioFile(
                  options.mock,
                  '; when --mock takes no scenario, put the command after --',
                )
              : null,
          failOn: options.failOn,
          json: options.json ?? false,
        })
      },
    )

  program
    .command('replay')
    .description(
      'run an agent again with the recorded model replies of a run, a trace or a cassette file, and report where it diverges',
    )
    .argument('<source>', 'a run id (run_...), a trace id, or a cassette file')
    .argument('[command...]', 'the agent command and its arguments, after --')
    .option(
      '--until <span>',
      'serve recorded replies up to this model-call span, then follow --then',
    )
    .addOption(
      new Option(
        '--then <what>',
        'after a divergence or --until: fail, let the mock answer, or go to the real provider (live)',
      )
        .choices(['fail', 'mock', 'live'])
        .default('fail'),
    )
    .option(
      '--save <file>',
      'write the cassette to this file (and stop there when no command is given)',
    )
    .option(
      '--edit <span=reply>',
      'fork: replace the recorded reply of a model-call span with this JSON ({"text": ...} and/or {"toolCalls": [...]}) or the JSON in this file; repeatable',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--export-test <dir>',
      'write the cassette and a pytest that replays it through pydantic-ai FunctionModel, with no Loupe running',
    )
    .option(
      '--agent <module:name>',
      'the importable agent, or a function that builds it, for --export-test',
    )
    .option(
      '--agent-command <command>',
      "for --export-test: the agent command line that a vitest runs against loupe mock --replay, e.g. 'node agent.mjs'",
    )
    .option(
      '--fail-on <classes>',
      'exit non-zero when the run ends with one of these error classes (comma-separated)',
      parseErrorClasses,
      [] as ErrorClass[],
    )
    .option('--json', 'print the run as JSON on standard output when it ends')
    .addOption(dataOption())
    .action(
      async (
        source: string,
        command: string[],
        options: {
          until?: string
          then: 'fail' | 'mock' | 'live'
          save?: string
          edit: string[]
          exportTest?: string
          agent?: string
          agentCommand?: string
          failOn: ErrorClass[]
          json?: boolean
          data?: string
        },
      ) => {
        process.exitCode = await replayCommand(source, command, {
          dataDir: creatableDataDirOf(options),
          until: options.until ?? null,
          then: options.then,
          save: options.save ?? null,
          edits: options.edit,
          exportTest: options.exportTest ?? null,
          agent: options.agent ?? null,
          agentCommand:
            options.agentCommand === undefined ? [] : splitCommandLine(options.agentCommand),
          failOn: options.failOn,
          json: options.json ?? false,
        })
      },
    )

  program
    .command('diff')
    .description(
      'compare two runs or traces call by call: the first divergence, changed messages, arguments and results, and totals',
    )
    .argument('<a>', 'a run id or trace id')
    .argument('<b>', 'another run id or trace id')
    .option('--json', 'print the diff as JSON')
    .addOption(dataOption())
    .action(async (a: string, b: string, options: { json?: boolean; data?: string }) => {
      process.exitCode = await diffCommand(a, b, {
        dataDir: creatableDataDirOf(options),
        json: options.json ?? false,
      })
    })

  registerTracesCommand(program)

  program
    .command('show')
    .description('show one trace as a span tree')
    .argument('<trace>', 'trace id (32 hex digits, any case)')
    .option('--json', 'print {trace, spans} as JSON')
    .addOption(dataOption())
    .action(async (traceId: string, options: { json?: boolean; data?: string }) => {
      const detail = await withFolder(options, (source) => source.traceDetail(traceId))
      if (!detail)
        throw new CliError(
          `trace ${traceId} not found in ${dataDirOf(options)}; list traces with \`loupe traces\``,
        )
      out(options.json ? JSON.stringify(detail, null, 2) : formatTraceTree(detail))
    })

  program
    .command('export')
    .description('write one trace as an OTLP/JSON request (importable with `loupe import`)')
    .argument('<trace>', 'trace id')
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .addOption(dataOption())
    .action(async (traceId: string, options: { output?: string; data?: string }) => {
      const body = await withFolder(options, (source) => source.exportTrace(traceId))
      if (!body) throw new CliError(`trace ${traceId} not found in ${dataDirOf(options)}`)
      const text = `${JSON.stringify(body)}\n`
      if (!options.output) {
        process.stdout.write(text)
        return
      }
      try {
        await writeFile(options.output, text)
      } catch (error) {
        throw new CliError(`cannot write ${options.output}: ${(error as Error).message}`)
      }
    })

  program
    .command('import')
    .description(
      'store the traces of an OTLP/JSON or OTLP protobuf file (optionally gzip-compressed), ' +
        'or with --from one trace fetched from a Tempo or Jaeger query API',
    )
    .argument('<file>', 'file to import, or with --from the base URL of the query API')
    .argument('[trace]', 'with --from: the id of the trace to fetch')
    .addOption(fromOption())
    .addOption(dataOption())
    .action(async (file: string, traceId: string | undefined, options: ImportOptions) => {
      if (options.from !== undefined || traceId !== undefined) {
        out((await importFromQueryApi(file, traceId, options.from, dataDirOf(options))).join('\n'))
        return
      }
      let body: Buffer
      try {
        body = await readFile(file)
      } catch (error) {
        throw new CliError(`cannot read ${file}: ${(error as Error).message}`)
      }
      const inspected = inspectFile(file, body)
      const result = await withFolder(
        options,
        (source) => source.importBody(body, inspected.encoding, inspected.contentEncoding),
        true,
      )
      out(`imported ${plural(inspected.spans, 'span')} from ${file}`)
      if (result.partial) {
        const rejected = result.partial.rejected
        err(`warning: ${plural(rejected, 'span')} rejected: ${result.partial.errorMessage}`)
      }
    })

  program
    .command('query')
    .description(
      'run one read-only SQL statement over the views records, traces, agent_runs, ' +
        'model_calls, tool_calls and logs (see docs/sql.md)',
    )
    .argument('<sql>', 'a SELECT, WITH, EXPLAIN or VALUES statement')
    .option('--json', 'print {columns, rows, truncated, elapsedMs} as JSON')
    .option('--limit <n>', 'maximum rows returned (at most 100000)', parseLimitRows, 10_000)
    .option('--timeout <ms>', 'time limit in milliseconds (at most 60000)', parseTimeoutMs, 5_000)
    .addOption(dataOption())
    .action(
      async (
        sql: string,
        options: { json?: boolean; limit: number; timeout: number; data?: string },
      ) => {
        const result = await runQuery(dataDirOf(options), {
          sql,
          limitRows: options.limit,
          timeoutMs: options.timeout,
        })
        out(options.json ? JSON.stringify(result, null, 2) : formatQueryTable(result))
      },
    )

  registerMcpCommand(program)
  registerCheckCommand(program)
  registerEvalsCommand(program, dataOption, dataDirOf)
  registerAlertsCommand(program)
  useShortUsageErrors(program)
  return program
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv)
  } catch (error) {
    if (
      error instanceof CliError ||
      error instanceof ForwardConfigError ||
      error instanceof AlreadyRunningError ||
      error instanceof PortInUseError ||
      error instanceof StoreError ||
      error instanceof OtlpDecodeError ||
      error instanceof ScenarioError ||
      error instanceof CassetteError
    ) {
      err(`loupe: ${error.message}`)
      process.exitCode = error instanceof AlreadyRunningError ? 3 : 1
      return
    }
    throw error
  }
}
