import { useMemo } from 'react'
import type { SpanJson } from '../../../shared/api'
import type { Message, MessagePart } from '../../../shared/genai'
import { formatBytes, formatCount, parseEmbeddedJson } from '../format'
import {
  pairToolCalls,
  partKey,
  type ConversationSection,
  type PartRef,
  type ToolPairing,
} from '../genai/conversation'
import { scrubbedReason } from '../genai/logfire'
import { JsonView } from './JsonView'
import { LongText } from './LongText'
import { ScrubbedValue } from './ScrubbedValue'

/** Characters of a message text shown before "show all". */
const TEXT_HEAD_CHARS = 1_500

/** True when a span has any system instructions or messages to show as a conversation. */
export function hasConversation(span: SpanJson): boolean {
  return (
    (span.systemInstructions?.length ?? 0) > 0 ||
    (span.inputMessages?.length ?? 0) > 0 ||
    (span.outputMessages?.length ?? 0) > 0
  )
}

/**
 * Renders a model call or agent run as a conversation: system instructions,
 * the input messages by role, then the output messages with their finish
 * reasons. Each tool result names its call, and each call links to its
 * result.
 */
export function ConversationView({ span }: { span: SpanJson }) {
  const pairing = useMemo(
    () => pairToolCalls(span.inputMessages, span.outputMessages),
    [span.inputMessages, span.outputMessages],
  )
  const anchorPrefix = `part-${span.spanId}`
  const system = span.systemInstructions ?? []
  const input = span.inputMessages ?? []
  const output = span.outputMessages ?? []

  return (
    <div className="conversation" data-testid="conversation">
      {system.length > 0 && (
        <section className="message role-system" data-testid="system-instructions">
          <header className="message-head">
            <span className="role">system instructions</span>
          </header>
          {system.map((part, index) => (
            <PartView
              key={index}
              part={part}
              partKey={partKey('system', 0, index)}
              section="system"
              pairing={pairing}
              anchorPrefix={anchorPrefix}
            />
          ))}
        </section>
      )}
      {input.length > 0 && (
        <h3 className="conversation-heading">
          Input <span className="muted">({pluralMessages(input.length)})</span>
        </h3>
      )}
      {input.map((message, index) => (
        <MessageView
          key={index}
          message={message}
          index={index}
          section="input"
          pairing={pairing}
          anchorPrefix={anchorPrefix}
        />
      ))}
      {output.length > 0 && (
        <h3 className="conversation-heading">
          Output <span className="muted">({pluralMessages(output.length)})</span>
        </h3>
      )}
      {output.map((message, index) => (
        <MessageView
          key={index}
          message={message}
          index={index}
          section="output"
          pairing={pairing}
          anchorPrefix={anchorPrefix}
        />
      ))}
      {span.kind === 'model' && output.length === 0 && (
        <p className="muted">No output messages were recorded for this call.</p>
      )}
    </div>
  )
}

function pluralMessages(count: number): string {
  return count === 1 ? '1 message' : `${formatCount(count)} messages`
}

interface PartContext {
  section: ConversationSection
  pairing: ToolPairing
  anchorPrefix: string
}

function MessageView({
  message,
  index,
  ...context
}: PartContext & { message: Message; index: number }) {
  const role = message.role || 'unknown'
  return (
    <section className={`message role-${roleClass(role)}`} data-testid="message">
      <header className="message-head">
        <span className="role">{role}</span>
        {message.finishReason !== null && (
          <span className="finish-reason" title="Why the model stopped generating">
            finish reason: {message.finishReason}
          </span>
        )}
      </header>
      {message.parts.length === 0 && <p className="muted">No content.</p>}
      {message.parts.map((part, partIndex) => (
        <PartView
          key={partIndex}
          part={part}
          partKey={partKey(context.section, index, partIndex)}
          fromModel={role === 'assistant'}
          {...context}
        />
      ))}
    </section>
  )
}

function roleClass(role: string): string {
  return ['system', 'user', 'assistant', 'tool'].includes(role) ? role : 'other'
}

function PartView({
  part,
  partKey: key,
  fromModel = false,
  ...context
}: PartContext & {
  part: MessagePart
  partKey: string
  /** True for parts of the model's own messages, whose JSON text is a structured output. */
  fromModel?: boolean
}) {
  const anchorId = `${context.anchorPrefix}-${key}`
  switch (part.type) {
    case 'text':
      return <TextPart text={part.content} structured={fromModel || context.section === 'output'} />
    case 'reasoning':
      return (
        <details className="part reasoning">
          <summary>Reasoning ({formatCount(part.content.length)} chars)</summary>
          <LongText text={part.content} headChars={TEXT_HEAD_CHARS} prose />
        </details>
      )
    case 'tool_call': {
      const result = context.pairing.resultOf.get(key)
      return (
        <div className="part tool-call" id={anchorId} data-testid="tool-call">
          <div className="part-head">
            <span className="part-kind">tool call</span>
            <strong className="tool-name">{part.name}</strong>
            {part.id !== null && <code className="call-id">{part.id}</code>}
            {result !== undefined ? (
              <PartLink target={result} anchorPrefix={context.anchorPrefix} label="go to result" />
            ) : (
              <span className="muted">no result in this request</span>
            )}
          </div>
          <JsonView value={part.arguments} label={`Arguments of tool call ${part.name}`} />
        </div>
      )
    }
    case 'tool_result': {
      const call = context.pairing.callOf.get(key)
      const name = part.name ?? call?.name ?? 'unknown tool'
      return (
        <div
          className={part.isError ? 'part tool-result failed' : 'part tool-result'}
          id={anchorId}
          data-testid="tool-result"
        >
          <div className="part-head">
            <span className="part-kind">{part.isError ? 'tool error' : 'tool result'}</span>
            <strong className="tool-name">{name}</strong>
            <AnsweredCall call={call} id={part.id} anchorPrefix={context.anchorPrefix} />
          </div>
          <JsonView value={part.result} label={`Result of tool call ${name}`} />
        </div>
      )
    }
    case 'media':
      return (
        <div className="part media-part" data-testid="media-part">
          <span className="part-kind">{part.modality}</span>
          <span>{part.mimeType ?? 'unknown type'}</span>
          <span className="muted">
            {part.sizeBytes !== null ? formatBytes(part.sizeBytes) : 'size unknown'}
          </span>
          {part.uri !== null && <code className="media-uri">{part.uri}</code>}
        </div>
      )
    case 'other':
      return (
        <div className="part other-part">
          <div className="part-head">
            <span className="part-kind">part of type {part.originalType || '(none)'}</span>
            <span className="muted">not a type Loupe knows; shown as sent</span>
          </div>
          <JsonView value={part.value} label={`Message part of type ${part.originalType}`} />
        </div>
      )
  }
}

/** Renders a text part. The model's text that is a JSON object or array (a structured output) shows as JSON. */
function TextPart({ text, structured }: { text: string; structured: boolean }) {
  const reason = scrubbedReason(text)
  if (reason !== null) {
    return (
      <div className="part text-part">
        <ScrubbedValue reason={reason} />
      </div>
    )
  }
  if (structured && parseEmbeddedJson(text) !== undefined) {
    return (
      <div className="part text-part">
        <div className="part-head">
          <span className="part-kind">structured output</span>
        </div>
        <JsonView value={text} label="Structured output" />
      </div>
    )
  }
  return (
    <div className="part text-part">
      <LongText text={text} headChars={TEXT_HEAD_CHARS} prose />
    </div>
  )
}

function AnsweredCall({
  call,
  id,
  anchorPrefix,
}: {
  call: PartRef | undefined
  id: string | null
  anchorPrefix: string
}) {
  if (call !== undefined) {
    return (
      <span className="answers">
        answers call {call.id !== null ? <code className="call-id">{call.id}</code> : call.name}{' '}
        <PartLink target={call} anchorPrefix={anchorPrefix} label="go to call" />
      </span>
    )
  }
  return (
    <span className="answers muted">
      {id !== null ? (
        <>
          answers call <code className="call-id">{id}</code>, which is not in this request
        </>
      ) : (
        'the call it answers is not in this request'
      )}
    </span>
  )
}

function PartLink({
  target,
  anchorPrefix,
  label,
}: {
  target: PartRef
  anchorPrefix: string
  label: string
}) {
  const scroll = () => {
    const element = document.getElementById(`${anchorPrefix}-${target.key}`)
    if (element === null) return
    element.scrollIntoView({ block: 'nearest', behavior: 'smooth' })
    element.classList.remove('flash')
    // Restart the highlight animation on repeated clicks.
    void element.offsetWidth
    element.classList.add('flash')
  }
  return (
    <button type="button" className="link-button" onClick={scroll}>
      {label}
    </button>
  )
}
