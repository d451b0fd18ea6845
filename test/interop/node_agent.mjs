// A minimal Node agent for the exported-vitest test: a tool loop over the
// OpenAI Chat Completions API with plain fetch, taking the base URL and key
// from OPENAI_BASE_URL and OPENAI_API_KEY. AGENT_PROMPT changes the question.
// Prints the final answer and exits 0, or prints the error and exits 1.

const base = process.env.OPENAI_BASE_URL
const key = process.env.OPENAI_API_KEY
const tools = [
  {
    type: 'function',
    function: {
      name: 'get_forecast',
      description: 'Forecast for a city.',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
]
const messages = [
  { role: 'user', content: process.env.AGENT_PROMPT ?? 'What is the weather in Utrecht?' },
]

for (let turn = 0; turn < 5; turn++) {
  const response = await fetch(`${base}/chat/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages, tools }),
  })
  const body = await response.json()
  if (!response.ok) {
    console.error(`model call failed with HTTP ${response.status}: ${body.error?.message}`)
    process.exit(1)
  }
  const message = body.choices[0].message
  messages.push(message)
  if (!message.tool_calls?.length) {
    console.log(message.content)
    process.exit(0)
  }
  for (const call of message.tool_calls) {
    const { city } = JSON.parse(call.function.arguments)
    messages.push({ role: 'tool', tool_call_id: call.id, content: `sunny in ${city}` })
  }
}
console.error('no answer after 5 model calls')
process.exit(1)
