// Example scenarios that the playground's editor can insert, in the scenario
// format the mock model reads (JSON here; the format also accepts YAML).

export interface ScenarioExample {
  label: string
  text: string
}

/** Returns an example whose scenario is named after its label. */
function example(label: string, scenario: object): ScenarioExample {
  return { label, text: `${JSON.stringify({ name: label, ...scenario }, null, 2)}\n` }
}

export const SCENARIO_EXAMPLES: readonly ScenarioExample[] = [
  example('Scripted answers', {
    turns: [{ text: 'Hello from the scenario.' }, { text: 'This is the second answer.' }],
  }),
  example('Tool call, then an answer', {
    turns: [
      {
        match: { tool: 'get_weather' },
        toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }],
      },
      { match: { toolResults: true }, text: 'It is sunny in Paris.' },
    ],
  }),
  example('Rate limit, then automatic answers', {
    then: 'auto',
    turns: [{ error: { status: 429, message: 'Rate limit reached', retryAfter: 1 } }],
  }),
  example('Model that never answers', {
    turns: [{ fault: 'hang', times: 'always' }],
  }),
]

/** The scenario a new editor starts with. */
export const DEFAULT_SCENARIO = SCENARIO_EXAMPLES[0]!.text
