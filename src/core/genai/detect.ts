// Which instrumentation convention produced a span, and what the span is in
// agent terms (agent run, model call, tool call, other). The rules are a
// table read in order, because several conventions can mark the same span
// (OpenInference's pydantic-ai processor adds its keys to pydantic-ai's own
// spans): the first rule that matches wins, and OTel GenAI keys come first.

import type { AttributeMap } from '../../shared/api'
import type { Convention, OperationKind } from '../../shared/genai'
import { stringAt } from './values'

export interface SpanIdentity {
  name: string
  scopeName: string
  attributes: AttributeMap
}

const OPERATION_KINDS: Record<string, OperationKind> = {
  invoke_agent: 'agent',
  create_agent: 'agent',
  invoke_workflow: 'agent',
  chat: 'model',
  text_completion: 'model',
  generate_content: 'model',
  embeddings: 'model',
  execute_tool: 'tool',
}

/** Span names that mark a kind when no operation attribute does (older SDK versions). */
const NAME_PREFIXES: [string, OperationKind][] = [
  ['invoke_agent', 'agent'],
  ['agent run', 'agent'],
  ['execute_tool ', 'tool'],
  ['running tool', 'tool'],
  ['running output function', 'tool'],
  ['chat ', 'model'],
  // Logfire's OpenAI Agents SDK bridge.
  ['Agent run:', 'agent'],
  ['Function:', 'tool'],
  ['Responses API', 'model'],
  ['Chat completion', 'model'],
]

const AI_SDK_ROOTS = new Set([
  'ai.generateText',
  'ai.streamText',
  'ai.generateObject',
  'ai.streamObject',
  'ai.embed',
  'ai.embedMany',
])

const OPENINFERENCE_KINDS: Record<string, OperationKind> = {
  AGENT: 'agent',
  LLM: 'model',
  EMBEDDING: 'model',
  TOOL: 'tool',
}

const TRACELOOP_KINDS: Record<string, OperationKind> = {
  agent: 'agent',
  workflow: 'agent',
  tool: 'tool',
}

export function detectConvention(span: SpanIdentity): Convention {
  const a = span.attributes
  if (span.scopeName === 'pydantic-ai' || a['pydantic_ai.all_messages'] !== undefined)
    return 'pydantic-ai'
  if (a['ai.operationId'] !== undefined || span.scopeName === 'ai') return 'ai-sdk'
  if (a['openinference.span.kind'] !== undefined) return 'openinference'
  if (
    a['traceloop.span.kind'] !== undefined ||
    a['llm.request.type'] !== undefined ||
    a['gen_ai.prompt.0.role'] !== undefined ||
    a['gen_ai.completion.0.role'] !== undefined
  ) {
    return 'openllmetry'
  }
  for (const key of Object.keys(a)) {
    if (key.startsWith('gen_ai.')) return 'otel-genai'
  }
  if (a['logfire.span_type'] !== undefined || a['logfire.msg'] !== undefined) return 'logfire'
  return 'none'
}

export function detectKind(span: SpanIdentity): OperationKind {
  const a = span.attributes
  const operation = stringAt(a, 'gen_ai.operation.name')
  if (operation && OPERATION_KINDS[operation]) return OPERATION_KINDS[operation]
  const operationId = stringAt(a, 'ai.operationId')
  if (operationId) {
    if (AI_SDK_ROOTS.has(operationId)) return 'agent'
    if (/\.do(Generate|Stream|Embed)$/.test(operationId)) return 'model'
    if (operationId === 'ai.toolCall') return 'tool'
  }
  const openinference = stringAt(a, 'openinference.span.kind')
  if (openinference && OPENINFERENCE_KINDS[openinference]) return OPENINFERENCE_KINDS[openinference]
  const traceloop = stringAt(a, 'traceloop.span.kind')
  if (traceloop && TRACELOOP_KINDS[traceloop]) return TRACELOOP_KINDS[traceloop]
  if (stringAt(a, 'llm.request.type')) return 'model'
  // Name rules apply only to spans that carry some GenAI marker, so that an
  // HTTP route such as "chat history" is not taken for a model call.
  if (
    span.scopeName === 'pydantic-ai' ||
    span.scopeName.startsWith('logfire.openai_agents') ||
    hasGenAiKey(a)
  ) {
    for (const [prefix, kind] of NAME_PREFIXES) {
      if (span.name.startsWith(prefix)) return kind
    }
  }
  if (stringAt(a, 'gen_ai.tool.name')) return 'tool'
  return 'other'
}

function hasGenAiKey(attributes: AttributeMap): boolean {
  for (const key of Object.keys(attributes)) {
    if (key.startsWith('gen_ai.')) return true
  }
  return false
}
