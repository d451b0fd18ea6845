// `loupe traces`: the trace list, newest first, with the filters of the API
// and the UI as flags. The flags become the same URL query parameters, so
// the parser, the checks and the error messages are shared.

import { Command, InvalidArgumentError } from 'commander'
import { defaultDataDir } from '../core/paths'
import {
  isEmptyFilter,
  MAX_LIST_LIMIT,
  parseTraceFilter,
  renameParameters,
  type FilterProblem,
  type TraceFilter,
  type TraceListItem,
} from '../shared/trace-filter'
import { CliError, dataOption, openFolder } from './folder'
import { formatTraceTable, printable } from './format'

interface TracesOptions {
  json?: boolean
  limit: number
  data?: string
  since?: string
  until?: string
  service?: string
  agent?: string
  model?: string
  errorClass?: string
  status?: string
  minDuration?: string
  maxDuration?: string
  minCost?: string
  maxCost?: string
  minTokens?: string
  maxTokens?: string
  route?: string
  attr: string[]
  text?: string
}

/** Flags that carry a filter parameter, with the parameter's name. */
const FILTER_FLAGS: { flag: string; parameter: keyof TracesOptions & string; help: string }[] = [
  {
    flag: '--since <time>',
    parameter: 'since',
    help: 'traces that started after this time: a span before now (15m, 24h, 7d) or an ISO 8601 time with a zone',
  },
  { flag: '--until <time>', parameter: 'until', help: 'traces that started before this time' },
  { flag: '--service <name>', parameter: 'service', help: 'service of the trace or of any span' },
  { flag: '--agent <name>', parameter: 'agent', help: 'an agent that ran in the trace' },
  { flag: '--model <name>', parameter: 'model', help: 'a model the trace called' },
  {
    flag: '--error-class <classes>',
    parameter: 'errorClass',
    help: 'error class of the trace, several separated by commas, or any for every class but none',
  },
  {
    flag: '--status <status>',
    parameter: 'status',
    help: 'status of the root span: ok, error or unset',
  },
  {
    flag: '--min-duration <duration>',
    parameter: 'minDuration',
    help: 'minimum duration, e.g. 2s or 500ms',
  },
  { flag: '--max-duration <duration>', parameter: 'maxDuration', help: 'maximum duration' },
  { flag: '--min-cost <usd>', parameter: 'minCost', help: 'minimum cost in US dollars, e.g. 0.01' },
  { flag: '--max-cost <usd>', parameter: 'maxCost', help: 'maximum cost in US dollars' },
  { flag: '--min-tokens <n>', parameter: 'minTokens', help: 'minimum input plus output tokens' },
  { flag: '--max-tokens <n>', parameter: 'maxTokens', help: 'maximum input plus output tokens' },
  {
    flag: '--route <route>',
    parameter: 'route',
    help: 'the http.route attribute of any span, e.g. /orders/{id}',
  },
  {
    flag: '--text <words>',
    parameter: 'text',
    help: 'full-text search over span names, messages, tool arguments and results, errors and logs',
  },
]

/** Adds `loupe traces` to the program. */
export function registerTracesCommand(program: Command): void {
  const command = program
    .command('traces')
    .description('list traces, newest first, optionally filtered (see docs/search.md)')
    .option('--json', 'print a JSON array; with --text each trace has a match')
    .option('--limit <n>', `maximum traces listed, 1 to ${MAX_LIST_LIMIT}`, parseLimit, 50)
    .addOption(dataOption())
  for (const { flag, help } of FILTER_FLAGS) command.option(flag, help)
  command
    .option(
      '--attr <key=value>',
      'an attribute of any span or of its resource equal to this value; repeat for more',
      collect,
      [],
    )
    .action(async (options: TracesOptions) => {
      const filter = filterOf(options)
      const dataDir = options.data ?? defaultDataDir()
      const source = openFolder(dataDir)
      let traces: TraceListItem[]
      try {
        traces = await source.listTraces(options.limit, filter)
      } finally {
        source.close()
      }
      const text = options.json ? JSON.stringify(traces, null, 2) : formatTraceList(traces, filter)
      process.stdout.write(`${text}\n`)
    })
}

/** Builds the filter from the flags; throws CliError naming each invalid flag. */
export function filterOf(options: TracesOptions): TraceFilter {
  const params = new URLSearchParams()
  for (const { parameter } of FILTER_FLAGS) {
    const value = options[parameter]
    if (typeof value === 'string') params.set(parameter, value)
  }
  for (const pair of options.attr) {
    const equals = pair.indexOf('=')
    if (equals <= 0) {
      throw new CliError(`invalid --attr ${pair}: expected KEY=VALUE, e.g. --attr user.id=42`)
    }
    if (equals === pair.length - 1) {
      throw new CliError(
        `missing value in --attr ${pair}: expected KEY=VALUE, e.g. --attr user.id=42`,
      )
    }
    params.append(`attr.${pair.slice(0, equals)}`, pair.slice(equals + 1))
  }
  const parsed = parseTraceFilter(params)
  if (!parsed.ok) throw new CliError(parsed.problems.map(flagMessage).join('; '))
  return parsed.filter
}

/** Rewrites a problem's parameter names as the flags that set them (`minDuration` as `--min-duration`). */
function flagMessage(problem: FilterProblem): string {
  const message = renameParameters(problem.message, (parameter) => `--${kebab(parameter)}`)
  return message.replace(/^invalid attr\.(\S*?):/, 'invalid --attr $1:')
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)
}

/** Prints the trace table; with a text filter, each trace is followed by where the text matched. */
export function formatTraceList(traces: TraceListItem[], filter: TraceFilter): string {
  if (traces.length === 0 && !isEmptyFilter(filter)) return 'No traces match the filters.'
  return formatTraceTable(traces, (trace) => matchLine(trace as TraceListItem))
}

function matchLine(trace: TraceListItem): string | null {
  const match = trace.match
  if (!match) return null
  const snippet = match.snippet
    .map((part) => (part.match ? `«${part.text}»` : part.text))
    .join('')
    .replace(/\s+/g, ' ')
  const where = match.spanId === null ? 'a log record' : `span ${match.spanId}`
  const more = match.matchCount > 1 ? ` (+${match.matchCount - 1} more)` : ''
  return `  ${FIELD_NAMES[match.field]} of ${where}${more}: ${printable(snippet)}`
}

const FIELD_NAMES: Record<NonNullable<TraceListItem['match']>['field'], string> = {
  name: 'name',
  messages: 'messages',
  toolArguments: 'tool arguments',
  toolResult: 'tool result',
  error: 'error',
  log: 'log body',
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}

function parseLimit(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > MAX_LIST_LIMIT) {
    throw new InvalidArgumentError(`expected a whole number from 1 to ${MAX_LIST_LIMIT}`)
  }
  return n
}
