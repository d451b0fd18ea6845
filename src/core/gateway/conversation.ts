// The provider-neutral form of a model call that every provider API module
// builds from its request: messages in the OTel GenAI semantic-convention
// shape (`{role, parts[]}`, the shape of `gen_ai.input.messages`), the
// offered tools and the requested output. The mock replies to it, and the
// call's span stores it unchanged.

import type { JsonValue } from '../../shared/api'

export type JsonObject = { [key: string]: JsonValue }

/** One message part, as the OTel GenAI conventions define `gen_ai.input.messages` parts. */
export type GenAiPart =
  | { type: 'text'; content: string }
  | { type: 'reasoning'; content: string }
  | { type: 'tool_call'; id: string; name: string; arguments: JsonValue }
  | { type: 'tool_call_response'; id: string; response: JsonValue }
  | { type: 'uri'; modality: string; uri: string; mime_type?: string }
  | { type: 'blob'; modality: string; content: string; mime_type?: string }
  | { type: 'file'; modality: string; file_id: string; mime_type?: string }

export type GenAiRole = 'system' | 'user' | 'assistant' | 'tool'

export interface GenAiMessage {
  role: GenAiRole
  parts: GenAiPart[]
  /** Set on output messages only. */
  finish_reason?: string
}

/** A function tool offered to the model. */
export interface FunctionTool {
  name: string
  description: string | null
  /** The JSON Schema of the arguments, or null when the tool takes none. */
  parameters: JsonValue | null
}

/** The tool choice, with each API's names mapped to the Chat Completions names. */
export type ToolChoice = 'auto' | 'none' | 'required' | { name: string }

/** The format that the caller requested for the final reply. */
export type OutputFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: JsonValue }

/** A model call as the mock and the call's span see it. */
export interface ModelCall {
  model: string
  systemInstructions: GenAiPart[]
  messages: GenAiMessage[]
  tools: FunctionTool[]
  toolChoice: ToolChoice
  /** False when the caller allows at most one tool call per response. */
  parallelToolCalls: boolean
  output: OutputFormat
  maxOutputTokens: number | null
  stopSequences: string[]
  temperature: number | null
  topP: number | null
  /** The request's own seed parameter (Chat Completions only). */
  seed: number | null
  stream: boolean
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Parses tool call arguments sent as JSON text. Text that is not JSON stays a string. */
export function parseArguments(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue
  } catch {
    return text
  }
}

/** Splits a data: URL into its media type and base64 content, or returns null for other URLs. */
export function parseDataUrl(url: string): { mimeType: string; base64: string } | null {
  const match = /^data:([^;,]*)(?:;[^,]*)?;base64,(.*)$/s.exec(url)
  if (!match) return null
  return { mimeType: match[1] || 'application/octet-stream', base64: match[2]! }
}

/** Builds the part for an image, audio or file given as a URL or a data: URL. */
export function mediaPart(modality: string, url: string, mimeType?: string): GenAiPart {
  const data = parseDataUrl(url)
  if (data) return { type: 'blob', modality, mime_type: data.mimeType, content: data.base64 }
  return mimeType
    ? { type: 'uri', modality, uri: url, mime_type: mimeType }
    : { type: 'uri', modality, uri: url }
}
