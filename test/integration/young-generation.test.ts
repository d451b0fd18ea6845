// The cap on V8's young generation that the `loupe` entry points set after
// start-up. V8 flags are process-wide, so each case runs in its own Node
// process that loads the built module (npm run build must have run) and
// allocates in rounds, as request handling does, with timer turns between.

import { execFile } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const execFileAsync = promisify(execFile)
const chunks = join(__dirname, '../../out/main/chunks')

/** Largest new space size, in MB, while the child process allocates; `capped` calls releaseYoungGeneration first. */
async function largestNewSpaceMb(capped: boolean): Promise<number> {
  const file = readdirSync(chunks).find((name) => name.startsWith('young-generation-'))
  expect(file, `no young-generation chunk in ${chunks}; run npm run build`).toBeDefined()
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8'
    const module = await import(${JSON.stringify(join(chunks, file!))})
    const release = Object.values(module).find((f) => f.name === 'releaseYoungGeneration')
    if (${capped}) release()
    const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size
    let largest = newSpace()
    const kept = []
    for (let round = 0; round < 150; round++) {
      for (let i = 0; i < 50000; i++) {
        const item = { index: i, text: 'span ' + i }
        if (i % 5 === 0) kept.push(item)
      }
      if (kept.length > 200000) kept.length = 0
      largest = Math.max(largest, newSpace())
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    console.log(largest / 1048576)
  `
  const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script])
  return Number(stdout.trim())
}

describe('young generation cap', () => {
  it('grows past 16 MB without the cap', async () => {
    expect(await largestNewSpaceMb(false)).toBeGreaterThan(16)
  })

  it('stays at most 16 MB with the cap', async () => {
    expect(await largestNewSpaceMb(true)).toBeLessThanOrEqual(16)
  })
})
