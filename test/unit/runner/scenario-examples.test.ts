import { describe, expect, it } from 'vitest'
import { parseScenario } from '../../../src/core/gateway/scenario'
import { SCENARIO_EXAMPLES } from '../../../src/renderer/src/scenario-examples'

describe('playground scenario examples', () => {
  it.each(SCENARIO_EXAMPLES.map((example) => [example.label, example.text]))(
    '%s is a valid scenario',
    (label, text) => {
      const scenario = parseScenario(text, label)
      expect(scenario.turns.length).toBeGreaterThan(0)
    },
  )
})
