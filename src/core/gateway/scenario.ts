// Scripted mock responses. A scenario file (YAML or JSON) lists turns. The
// first turn, in file order, that has uses left and whose `match` conditions
// are true responds to a model call. A turn responds with text, tool calls,
// structured output, a provider error, a fault, or the automatic mock, and
// can set latency, stream chunking and token counts. The format
// is documented in docs/scenarios.md; its JSON Schema is generated from the
// zod schema below into resources/schemas/scenario.schema.json.

import { createContext, Script } from 'node:vm'
import { z } from 'zod'
import type { JsonValue } from '../../shared/api'
import {
  DEFAULT_CHUNK_SIZE,
  IMMEDIATE_DELIVERY,
  type Answer,
  type Delivery,
  type Responder,
  mockAnswer,
} from './answer'
import { isJsonObject, type JsonObject, type ModelCall } from './conversation'
import {
  currentTurn,
  estimateTokens,
  inputTokens,
  isOutputTool,
  mockReply,
  type MockOptions,
  type MockReply,
  type MockToolCall,
} from './mock'
import { hashSeed, SeededRandom } from './random'
import { GenerationLimitError } from './schema-values'
import { parseYamlWithLines } from '../yaml-lines'

/** The largest scenario file Loupe reads. */
export const MAX_SCENARIO_BYTES = 1024 * 1024

/** Maximum time a `hang` fault keeps a connection open when the client never closes it. */
export const MAX_HANG_MS = 10 * 60 * 1000

const ANSWER_KEYS = ['text', 'toolCalls', 'output', 'error', 'fault', 'auto'] as const

const matchSchema = z
  .strictObject({
    lastUserText: z
      .string()
      .describe(
        'Substring of the last user message, or a regular expression written as /pattern/flags.',
      )
      .optional(),
    toolResults: z
      .boolean()
      .describe('Whether the request carries tool results sent since the last user message.')
      .optional(),
    model: z
      .string()
      .describe('The requested model; * matches any characters and ? one character.')
      .optional(),
    tool: z.string().describe('The name of a tool the request offers.').optional(),
  })
  .describe('Conditions on the request; every condition given must hold.')

const toolCallSchema = z.strictObject({
  name: z.string().min(1).describe('The tool to call.'),
  arguments: z
    .record(z.string(), z.json())
    .describe('The arguments, as a JSON object; {} when left out.')
    .optional(),
  id: z.string().min(1).describe('The tool call id; generated when left out.').optional(),
})

const errorSchema = z.strictObject({
  status: z.int().min(400).max(599).describe('The HTTP status, such as 429, 500 or 503.'),
  message: z.string().describe('The error message in the provider error body.').optional(),
  type: z
    .string()
    .describe(
      "The provider's error type; by default the one the provider uses for the status (rate_limit_error, api_error, ...).",
    )
    .optional(),
  retryAfter: z
    .number()
    .min(0)
    .describe('Seconds sent in the Retry-After header (and retry-after-ms).')
    .optional(),
  body: z
    .json()
    .describe("A response body sent verbatim instead of the provider's error shape.")
    .optional(),
})

const turnSchema = z
  .strictObject({
    match: matchSchema.optional(),
    times: z
      .union([z.int().min(1), z.literal('always')])
      .describe('How many requests this turn answers: a count (default 1) or "always".')
      .optional(),
    latencyMs: z
      .int()
      .min(0)
      .max(MAX_HANG_MS)
      .describe('Milliseconds to wait before answering.')
      .optional(),
    usage: z
      .strictObject({
        inputTokens: z.int().min(0).optional(),
        outputTokens: z.int().min(0).optional(),
      })
      .describe('Token counts to report instead of the estimate.')
      .optional(),
    stream: z
      .strictObject({
        chunkSize: z
          .int()
          .min(1)
          .describe('Characters of text or tool arguments per streamed event.')
          .optional(),
        chunkDelayMs: z
          .int()
          .min(0)
          .max(60_000)
          .describe('Milliseconds between streamed events.')
          .optional(),
      })
      .describe('How a streamed answer is sent.')
      .optional(),
    text: z.string().describe('Answer with this text.').optional(),
    toolCalls: z
      .array(toolCallSchema)
      .min(1)
      .describe('Answer by calling these tools (more than one call is a parallel call).')
      .optional(),
    output: z
      .json()
      .describe(
        'Answer with this structured output: JSON text when the request asks for a JSON format, ' +
          "else a call of the request's output tool (pydantic-ai's final_result), else JSON text.",
      )
      .optional(),
    error: errorSchema.describe("Answer with an error in the provider's error shape.").optional(),
    fault: z
      .enum(['hang', 'malformed_json', 'cut_stream'])
      .describe(
        'Misbehave: hang (hold the connection until the client gives up), malformed_json ' +
          '(a 200 whose body is cut mid-JSON), or cut_stream (close a streamed answer half-way).',
      )
      .optional(),
    auto: z.literal(true).describe('Answer with the automatic mock.').optional(),
  })
  .superRefine((turn, context) => {
    const answers = ANSWER_KEYS.filter((key) => turn[key] !== undefined)
    if (answers.length !== 1) {
      context.addIssue({
        code: 'custom',
        message:
          answers.length === 0
            ? `a turn needs one answer: ${ANSWER_KEYS.join(', ')}`
            : `a turn has one answer, but this one has ${answers.join(' and ')}`,
      })
    }
    const pattern = turn.match?.lastUserText
    if (pattern !== undefined && asRegExp(pattern) === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['match', 'lastUserText'],
        message: `${JSON.stringify(pattern)} is not a valid regular expression`,
      })
    }
  })

const scenarioSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().describe('A name for the scenario, shown on its calls.').optional(),
  seed: z.int().describe("Seed of the automatic mock's answers in this scenario.").optional(),
  then: z
    .enum(['auto', 'error'])
    .describe(
      'What answers a request that no turn answers: auto (the automatic mock, the default) or error (a 500).',
    )
    .optional(),
  turns: z.array(turnSchema).max(10_000).describe('The scripted answers, in order.'),
})

export type Scenario = z.infer<typeof scenarioSchema>
export type ScenarioTurn = z.infer<typeof turnSchema>

/** A scenario file that cannot be used, with one line per mistake. */
export class ScenarioError extends Error {
  override name = 'ScenarioError'

  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source} is not a valid scenario:\n${problems.map((p) => `  ${p}`).join('\n')}`)
  }
}

/** Turns `/pattern/flags` into a RegExp; returns null for plain text and undefined for an invalid pattern. */
function asRegExp(text: string): RegExp | null | undefined {
  const literal = /^\/(.+)\/([dgimsuvy]*)$/s.exec(text)
  if (!literal) return null
  try {
    return new RegExp(literal[1]!, literal[2])
  } catch {
    return undefined
  }
}

function formatPath(path: PropertyKey[]): string {
  let text = ''
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`
    else if (text === '') text = String(key)
    else text += `.${String(key)}`
  }
  return text || '(top level)'
}

/**
 * Parses and checks a scenario. `source` names it in error messages (a file
 * name). Throws a ScenarioError naming the line and field of each mistake.
 */
export function parseScenario(text: string, source: string): Scenario {
  if (Buffer.byteLength(text) > MAX_SCENARIO_BYTES) {
    throw new ScenarioError(source, [
      `the file is larger than ${MAX_SCENARIO_BYTES} bytes; split it or remove turns`,
    ])
  }
  const yaml = parseYamlWithLines(text)
  if (yaml.syntaxProblems.length > 0) throw new ScenarioError(source, yaml.syntaxProblems)
  let value: unknown
  try {
    value = yaml.document.toJS({ maxAliasCount: 100 })
  } catch (error) {
    // The YAML library refuses documents whose aliases expand without bound.
    throw new ScenarioError(source, [`the YAML cannot be read: ${(error as Error).message}`])
  }
  const parsed = scenarioSchema.safeParse(value)
  if (parsed.success) return parsed.data
  throw new ScenarioError(
    source,
    parsed.error.issues.map((issue) => {
      const line = yaml.lineOf(issue.path)
      return `${line === null ? '' : `line ${line}, `}${formatPath(issue.path)}: ${issue.message}`
    }),
  )
}

/** Returns the scenario format's JSON Schema, as published in resources/schemas/scenario.schema.json. */
export function scenarioJsonSchema(): JsonObject {
  const schema = z.toJSONSchema(scenarioSchema, {
    target: 'draft-2020-12',
    io: 'input',
  }) as JsonObject
  // The one-answer rule is a refinement that zod cannot export, so it is added by hand.
  const turns = (schema.properties as JsonObject).turns as JsonObject
  ;(turns.items as JsonObject).oneOf = ANSWER_KEYS.map((key) => ({ required: [key] }))
  return {
    ...schema,
    title: 'Loupe mock scenario',
    description:
      'Scripted answers of the Loupe mock model gateway. Each request is answered by the first turn, in order, that has uses left and whose match holds.',
  }
}

/** Longest time a scenario's regular expression may take on one request. */
export const REGEX_TIME_LIMIT_MS = 50

/** A regular expression that ran past its time limit. */
export class RegexTimeoutError extends Error {
  override name = 'RegexTimeoutError'
}

const regexContext = createContext({ pattern: /./, text: '' })
const regexTest = new Script('pattern.test(text)')

/**
 * Tests text against a scenario's regular expression in a context that V8
 * interrupts after REGEX_TIME_LIMIT_MS, so that a pattern with catastrophic
 * backtracking cannot freeze the core. Throws a RegexTimeoutError then.
 */
function testWithTimeLimit(pattern: RegExp, text: string): boolean {
  regexContext.pattern = new RegExp(pattern.source, pattern.flags.replace('g', ''))
  regexContext.text = text
  try {
    return regexTest.runInContext(regexContext, { timeout: REGEX_TIME_LIMIT_MS }) === true
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new RegexTimeoutError(
        `the scenario's pattern ${String(pattern)} took over ${REGEX_TIME_LIMIT_MS} ms on the last user message; ` +
          'simplify it (nested quantifiers such as (a+)+ backtrack without end)',
      )
    }
    throw error
  }
}

/** Matches `*` and `?` wildcards against the whole text. */
function globMatches(pattern: string, text: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${source}$`, 's').test(text)
}

function matches(turn: ScenarioTurn, call: ModelCall): boolean {
  const match = turn.match
  if (!match) return true
  const current = currentTurn(call.messages)
  if (match.lastUserText !== undefined) {
    const text = current.lastUserText
    if (text === null) return false
    const regExp = asRegExp(match.lastUserText)
    if (regExp ? !testWithTimeLimit(regExp, text) : !text.includes(match.lastUserText)) {
      return false
    }
  }
  if (match.toolResults !== undefined && match.toolResults !== current.results.length > 0) {
    return false
  }
  if (match.model !== undefined && !globMatches(match.model, call.model)) return false
  if (match.tool !== undefined && !call.tools.some((tool) => tool.name === match.tool)) {
    return false
  }
  return true
}

/** A scenario in play, with the number of requests each turn has responded to. */
export class ScenarioPlayer {
  private readonly used: number[]
  private requests = 0

  constructor(
    readonly scenario: Scenario,
    readonly name: string,
  ) {
    this.used = scenario.turns.map(() => 0)
  }

  /** Responds to one call and counts one use of the turn that responded. */
  readonly respond: Responder = (call, options) => {
    this.requests++
    const seedOptions: MockOptions = {
      ...options,
      seed: this.scenario.seed ?? options.seed,
    }
    let index: number
    try {
      index = this.scenario.turns.findIndex((turn, i) => {
        const times = turn.times ?? 1
        return (times === 'always' || this.used[i]! < times) && matches(turn, call)
      })
    } catch (error) {
      if (!(error instanceof RegexTimeoutError)) throw error
      return {
        kind: 'error',
        error: {
          status: 500,
          message: `Scenario ${this.name}: ${error.message}.`,
          type: null,
          retryAfterSeconds: null,
          body: undefined,
        },
        delivery: IMMEDIATE_DELIVERY,
      }
    }
    if (index < 0) return this.unanswered(call, seedOptions)
    this.used[index]!++
    const turn = this.scenario.turns[index]!
    const delivery: Delivery = {
      latencyMs: turn.latencyMs ?? 0,
      chunkSize: turn.stream?.chunkSize ?? DEFAULT_CHUNK_SIZE,
      chunkDelayMs: turn.stream?.chunkDelayMs ?? 0,
      fault: turn.fault ?? null,
      scenario: { name: this.name, turn: index + 1 },
    }
    if (turn.error) {
      return {
        kind: 'error',
        error: {
          status: turn.error.status,
          message: turn.error.message ?? `Error ${turn.error.status} from scenario ${this.name}.`,
          type: turn.error.type ?? null,
          retryAfterSeconds: turn.error.retryAfter ?? null,
          body: turn.error.body as JsonValue | undefined,
        },
        delivery,
      }
    }
    let reply: MockReply
    try {
      reply = withUsage(scriptedReply(turn, call, seedOptions, this.requests), turn, call)
    } catch (error) {
      // An `auto` turn or a fault uses the automatic mock, which has limits on what it generates.
      if (!(error instanceof GenerationLimitError)) throw error
      return mockAnswer(call, seedOptions)
    }
    return { kind: 'reply', reply, delivery }
  }

  private unanswered(call: ModelCall, options: MockOptions): Answer {
    if ((this.scenario.then ?? 'auto') === 'auto') {
      return mockAnswer(call, options)
    }
    const left = this.scenario.turns.some((turn, i) => {
      const times = turn.times ?? 1
      return times === 'always' || this.used[i]! < times
    })
    const why = left
      ? 'no turn with uses left matches it'
      : `all ${this.scenario.turns.length} turns are used up`
    return {
      kind: 'error',
      error: {
        status: 500,
        message:
          `Scenario ${this.name} has no answer for request ${this.requests}: ${why}. ` +
          'Add a turn, raise a turn\'s "times", or set "then: auto" to let the automatic mock answer.',
        type: null,
        retryAfterSeconds: null,
        body: undefined,
      },
      delivery: IMMEDIATE_DELIVERY,
    }
  }
}

function toolCall(
  name: string,
  args: JsonObject,
  id: string | undefined,
  options: MockOptions,
  request: number,
  index: number,
): MockToolCall {
  const random = new SeededRandom(hashSeed(options.seed, 'scenario-id', request, index))
  return {
    id: id ?? `${options.toolCallIdPrefix}${random.hex(24)}`,
    name,
    arguments: args,
    argumentsJson: JSON.stringify(args),
  }
}

/** Builds the reply that a turn scripts. `request` numbers the call, so tool call ids stay unique. */
function scriptedReply(
  turn: ScenarioTurn,
  call: ModelCall,
  options: MockOptions,
  request: number,
): MockReply {
  const textReply = (text: string): MockReply => ({
    text,
    toolCalls: [],
    finishReason: 'stop',
    stopSequence: null,
    usage: { inputTokens: 0, outputTokens: 0 },
  })
  const toolReply = (toolCalls: MockToolCall[]): MockReply => ({
    text: null,
    toolCalls,
    finishReason: 'tool_calls',
    stopSequence: null,
    usage: { inputTokens: 0, outputTokens: 0 },
  })
  if (turn.text !== undefined) return textReply(turn.text)
  if (turn.toolCalls) {
    return toolReply(
      turn.toolCalls.map((scripted, index) =>
        toolCall(
          scripted.name,
          (scripted.arguments ?? {}) as JsonObject,
          scripted.id,
          options,
          request,
          index,
        ),
      ),
    )
  }
  if (turn.output !== undefined) {
    const output = turn.output as JsonValue
    const outputTool = call.output.type === 'text' ? call.tools.find(isOutputTool) : undefined
    if (outputTool) {
      // pydantic-ai wraps an output that is not an object in a `response` field of the tool's arguments.
      const args = isJsonObject(output) ? output : { response: output }
      return toolReply([toolCall(outputTool.name, args, undefined, options, request, 0)])
    }
    return textReply(typeof output === 'string' ? output : JSON.stringify(output))
  }
  // `auto`, and the faults, which break the delivery of the automatic mock's reply.
  return mockReply(call, options)
}

/** Sets the reply's token counts: the turn's when given, else the estimate. */
function withUsage(reply: MockReply, turn: ScenarioTurn, call: ModelCall): MockReply {
  const generated =
    reply.text !== null
      ? estimateTokens(reply.text)
      : reply.toolCalls.reduce(
          (total, toolCall) => total + estimateTokens(toolCall.name + toolCall.argumentsJson),
          0,
        )
  return {
    ...reply,
    usage: {
      inputTokens: turn.usage?.inputTokens ?? inputTokens(call),
      outputTokens: turn.usage?.outputTokens ?? generated,
    },
  }
}
