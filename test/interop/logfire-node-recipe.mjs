// A Node agent instrumented with @pydantic/logfire-node and configured from
// the environment only (LOGFIRE_TOKEN and LOGFIRE_BASE_URL), the way a user
// points it at Loupe. Inside a Logfire span it writes an info log and runs
// an AI SDK generateText call with telemetry on, against the SDK's mock
// model responding as Anthropic would: a tool call, then text.
//
// It prints one JSON line on standard output: the trace id, the usage each
// mock response reported, and every network destination the process tried
// to reach (`lookup <host>` for name lookups, `<ip>:<port>` for
// connections), so that the test can check nothing left the machine.

import diagnosticsChannel from 'node:diagnostics_channel'

const destinations = new Set()
// Subscribed before the SDKs load, so every client socket is seen, whether
// opened by node:http (the OTLP exporters) or by fetch.
diagnosticsChannel.subscribe('net.client.socket', ({ socket }) => {
  socket.on('lookup', (_error, _address, _family, host) => destinations.add(`lookup ${host}`))
  socket.on('connectionAttempt', (ip, port) => destinations.add(`${ip}:${port}`))
})

const logfire = await import('@pydantic/logfire-node')
const { generateText, stepCountIs, tool } = await import('ai')
const { MockLanguageModelV3 } = await import('ai/test')
const { z } = await import('zod')

const MODEL_ID = 'claude-sonnet-4-5-20250929'
const TOOL_CALL_ID = 'toolu_01LogfireRecipe'
const RECIPE = { ingredients: ['4 eggs', '400 g tomatoes', '1 onion'], minutes: 25 }

/** Token counts of each mock response, split the way Anthropic reports them. */
const stepUsage = [
  { noCache: 120, cacheRead: 0, cacheWrite: 1_500, output: 48 },
  { noCache: 310, cacheRead: 1_500, cacheWrite: 0, output: 96 },
]

function v3Usage(usage) {
  return {
    inputTokens: {
      total: usage.noCache + usage.cacheRead + usage.cacheWrite,
      noCache: usage.noCache,
      cacheRead: usage.cacheRead,
      cacheWrite: usage.cacheWrite,
    },
    outputTokens: { total: usage.output, text: usage.output, reasoning: undefined },
  }
}

const model = new MockLanguageModelV3({
  provider: 'anthropic.messages',
  modelId: MODEL_ID,
  doGenerate: [
    {
      content: [
        {
          type: 'tool-call',
          toolCallId: TOOL_CALL_ID,
          toolName: 'lookupRecipe',
          input: JSON.stringify({ dish: 'shakshuka', servings: 2 }),
        },
      ],
      finishReason: { unified: 'tool-calls', raw: 'tool_use' },
      usage: v3Usage(stepUsage[0]),
      response: { id: 'msg_01logfire', modelId: MODEL_ID, timestamp: new Date() },
      warnings: [],
    },
    {
      content: [{ type: 'text', text: 'You need 4 eggs, tomatoes and an onion: 25 minutes.' }],
      finishReason: { unified: 'stop', raw: 'end_turn' },
      usage: v3Usage(stepUsage[1]),
      response: { id: 'msg_02logfire', modelId: MODEL_ID, timestamp: new Date() },
      warnings: [],
    },
  ],
})

logfire.configure()

const traceId = await logfire.span('cook {dish} for {servings}', {
  attributes: { dish: 'shakshuka', servings: 2 },
  callback: async (span) => {
    logfire.info('looking up {dish}', { dish: 'shakshuka' })
    await generateText({
      model,
      system: 'You are a home-cooking assistant.',
      prompt: 'Shakshuka for two?',
      tools: {
        lookupRecipe: tool({
          description: 'Look up a recipe by dish name.',
          inputSchema: z.object({ dish: z.string(), servings: z.number().int() }),
          execute: async () => RECIPE,
        }),
      },
      stopWhen: stepCountIs(3),
      experimental_telemetry: { isEnabled: true, functionId: 'recipe-helper' },
    })
    return span.spanContext().traceId
  },
})

await logfire.shutdown()

process.stdout.write(
  `${JSON.stringify({
    traceId,
    modelId: MODEL_ID,
    toolCallId: TOOL_CALL_ID,
    recipe: RECIPE,
    stepUsage,
    destinations: [...destinations].sort(),
  })}\n`,
)
