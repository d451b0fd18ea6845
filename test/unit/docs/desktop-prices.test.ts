// The prices section of docs/desktop.md against the code it describes: the
// prices file loader and the body that PUT /api/prices validates.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { priceOverrideSchema } from '../../../src/core/genai/price-overrides'
import { loadPricesFile } from '../../../src/core/genai/prices-file'

const docs = readFileSync(new URL('../../../docs/desktop.md', import.meta.url), 'utf8')
const start = docs.indexOf('\n### The prices file\n')
const section = start < 0 ? '' : docs.slice(start + 1, docs.indexOf('\n#', start + 1))

/** Returns the JSON code block that follows the line containing `marker`. */
function jsonBlockAfter(marker: string): unknown {
  const at = section.indexOf(marker)
  expect(at, `no "${marker}" in the prices section`).toBeGreaterThanOrEqual(0)
  const block = /```json\n([\s\S]*?)\n```/.exec(section.slice(at))
  expect(block, `no JSON example after "${marker}"`).not.toBeNull()
  return JSON.parse(block![1]!)
}

describe('prices section of docs/desktop.md', () => {
  it('names every field of an override', () => {
    expect(section).not.toBe('')
    for (const field of Object.keys(priceOverrideSchema.shape)) {
      expect(section).toContain(`\`${field}\``)
    }
  })

  it('shows a prices file that loads', async () => {
    const example = jsonBlockAfter('The prices file is')
    expect(Array.isArray(example)).toBe(true)
    const dir = mkdtempSync(join(tmpdir(), 'loupe-prices-doc-'))
    try {
      const file = join(dir, 'prices.json')
      writeFileSync(file, JSON.stringify(example))
      const loaded = await loadPricesFile(file)
      expect(loaded.length).toBe((example as unknown[]).length)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('shows a PUT body the API accepts', () => {
    const body = jsonBlockAfter('PUT /api/prices')
    expect(priceOverrideSchema.safeParse(body).success).toBe(true)
  })

  it('is right that PUT takes no array', () => {
    const file = jsonBlockAfter('The prices file is')
    expect(priceOverrideSchema.safeParse(file).success).toBe(false)
    expect(section).toContain('not an array')
  })
})
