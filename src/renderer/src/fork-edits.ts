// Forks: the edits of recorded replies that the replay form sends, the JSON
// Schema that the reply editor validates against, and the lineage text of
// replay runs (replay of a source, or fork of it with edited calls). Pure
// functions, so that unit tests run them without a DOM.

import type { CassetteCallJson, JsonValue, ReplyEditJson, RunJson } from '../../shared/api'

/**
 * JSON Schema of one edited reply, as the editor shows it: the same rules as
 * the core's edit check, without `spanId`, which the form adds.
 */
export const REPLY_EDIT_SCHEMA: JsonValue = {
  type: 'object',
  title: 'Edited model reply',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    text: {
      type: ['string', 'null'],
      description: 'The reply text; null for a reply of tool calls only.',
    },
    toolCalls: {
      type: 'array',
      description: 'The tool calls the model requests, in order.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          id: {
            type: 'string',
            description: 'Leave it out to keep the recorded id at this position.',
          },
          name: { type: 'string', minLength: 1, description: 'The tool to call.' },
          arguments: { description: 'The tool arguments, as a JSON value.' },
        },
      },
    },
  },
}

/** Returns the editor text for a recorded call: its reply, or its current edit when it has one. */
export function replyEditText(call: CassetteCallJson, edit: ReplyEditJson | undefined): string {
  if (edit !== undefined) {
    const reply: { text?: string | null; toolCalls?: ReplyEditJson['toolCalls'] } = {}
    if (edit.text !== undefined) reply.text = edit.text
    if (edit.toolCalls !== undefined) reply.toolCalls = edit.toolCalls
    return JSON.stringify(reply, null, 2)
  }
  const reply = call.reply
  const toolCalls = (reply?.toolCalls ?? []).map((toolCall) => ({
    id: toolCall.id,
    name: toolCall.name,
    arguments: toolCall.arguments,
  }))
  return JSON.stringify({ text: reply?.text ?? null, toolCalls }, null, 2)
}

/**
 * True when two editor texts contain the same JSON value, whatever their
 * spacing and key order. Invalid JSON equals nothing.
 */
export function sameJsonText(a: string, b: string): boolean {
  try {
    return sortedJson(JSON.parse(a) as JsonValue) === sortedJson(JSON.parse(b) as JsonValue)
  } catch {
    return false
  }
}

function sortedJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort()
    return `{${keys.map((key) => `${JSON.stringify(key)}:${sortedJson(value[key]!)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/** An edit read from the editor, or the reason the text is not one. */
export type ParsedEdit = { edit: ReplyEditJson; error: null } | { edit: null; error: string }

/**
 * Reads the editor text as the edit of span `spanId`, with the checks of
 * REPLY_EDIT_SCHEMA, so that the form rejects what the core would reject.
 */
export function parseReplyEdit(spanId: string, text: string): ParsedEdit {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return { edit: null, error: `invalid JSON: ${(error as Error).message}` }
  }
  if (!isObject(value)) return { edit: null, error: 'the reply must be a JSON object' }
  const unknownKeys = Object.keys(value).filter((key) => key !== 'text' && key !== 'toolCalls')
  if (unknownKeys.length > 0) {
    return {
      edit: null,
      error: `unknown key ${unknownKeys.join(', ')}: a reply has only "text" and "toolCalls"`,
    }
  }
  const edit: ReplyEditJson = { spanId }
  if ('text' in value) {
    if (value.text !== null && typeof value.text !== 'string')
      return { edit: null, error: '"text" must be a string or null' }
    edit.text = value.text
  }
  if ('toolCalls' in value) {
    const toolCalls = parseToolCalls(value.toolCalls)
    if (typeof toolCalls === 'string') return { edit: null, error: toolCalls }
    edit.toolCalls = toolCalls
  }
  if (edit.text === undefined && edit.toolCalls === undefined)
    return {
      edit: null,
      error: 'an edit changes "text", "toolCalls" or both; this one has neither',
    }
  return { edit, error: null }
}

/** Returns the tool calls, or the reason they are invalid. */
function parseToolCalls(value: unknown): NonNullable<ReplyEditJson['toolCalls']> | string {
  if (!Array.isArray(value)) return '"toolCalls" must be an array'
  const toolCalls: NonNullable<ReplyEditJson['toolCalls']> = []
  for (const [index, item] of value.entries()) {
    const where = `toolCalls[${index}]`
    if (!isObject(item)) return `${where} must be an object`
    const unknownKeys = Object.keys(item).filter(
      (key) => key !== 'id' && key !== 'name' && key !== 'arguments',
    )
    if (unknownKeys.length > 0)
      return `${where} has the unknown key ${unknownKeys.join(', ')}; a tool call has "id", "name" and "arguments"`
    if (typeof item.name !== 'string' || item.name === '') return `${where}.name must name the tool`
    if ('id' in item && typeof item.id !== 'string') return `${where}.id must be a string`
    const toolCall: NonNullable<ReplyEditJson['toolCalls']>[number] = {
      name: item.name,
      arguments: (item.arguments ?? {}) as JsonValue,
    }
    if (typeof item.id === 'string') toolCall.id = item.id
    toolCalls.push(toolCall)
  }
  return toolCalls
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Adds an edit, replacing an earlier edit of the same call, and keeps the edits in cassette order. */
export function upsertEdit(
  edits: readonly ReplyEditJson[],
  edit: ReplyEditJson,
  calls: readonly CassetteCallJson[],
): ReplyEditJson[] {
  const next = [...edits.filter((other) => other.spanId !== edit.spanId), edit]
  const position = (spanId: string) => {
    const index = calls.findIndex((call) => call.spanId === spanId)
    return index < 0 ? calls.length : index
  }
  return next.sort((a, b) => position(a.spanId) - position(b.spanId))
}

/** Returns the edits that name a call of this cassette; edits made for another source are dropped. */
export function editsForCalls(
  edits: readonly ReplyEditJson[],
  calls: readonly CassetteCallJson[],
): ReplyEditJson[] {
  return edits.filter((edit) => calls.some((call) => call.spanId === edit.spanId))
}

const MAX_SUMMARY_CHARS = 120

/** Summarizes an edit for the list under the editor: the new text and tool calls. */
export function editSummary(edit: ReplyEditJson): string {
  const pieces: string[] = []
  if (edit.text !== undefined)
    pieces.push(edit.text === null ? 'no text' : `text ${JSON.stringify(edit.text)}`)
  if (edit.toolCalls !== undefined) {
    const calls = edit.toolCalls.map(
      (toolCall) => `${toolCall.name}(${JSON.stringify(toolCall.arguments)})`,
    )
    pieces.push(calls.length === 0 ? 'no tool calls' : `calls ${calls.join(', ')}`)
  }
  const summary = pieces.join(', ')
  return summary.length > MAX_SUMMARY_CHARS
    ? `${summary.slice(0, MAX_SUMMARY_CHARS - 1)}…`
    : summary
}

/** Where a run comes from: a replay of its source, or a fork of it with edited replies. */
export interface RunLineage {
  kind: 'replay' | 'fork'
  /** The run id, trace id or cassette file that was replayed. */
  source: string
  /** The recorded calls whose replies were edited; empty for a replay. */
  editedSpanIds: string[]
}

/** Returns the lineage of a replay run, or null for any other run. */
export function runLineage(run: RunJson): RunLineage | null {
  const replay = run.replay
  if (replay === null) return null
  const editedSpanIds = replay.editedSpanIds ?? []
  return {
    kind: editedSpanIds.length > 0 ? 'fork' : 'replay',
    source: replay.source,
    editedSpanIds,
  }
}

/** Describes the edited calls of a fork: "edited reply at span a" or "edited replies at spans a, b". */
export function editedSpansText(editedSpanIds: readonly string[]): string {
  return editedSpanIds.length === 1
    ? `edited reply at span ${editedSpanIds[0]}`
    : `edited replies at spans ${editedSpanIds.join(', ')}`
}
