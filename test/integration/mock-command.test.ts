// `loupe mock` serves the mock model for agents that Loupe does not start:
// the printed base URL returns an OpenAI chat completion for any key.

import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { makeDataDir, removeDir, repoRoot } from '../helpers/core'

describe('loupe mock', () => {
  const dataDir = makeDataDir()
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'bin/loupe.js'), 'mock', '--port', '0', '--data', dataDir],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stdout = ''
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))

  afterAll(async () => {
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
    removeDir(dataDir)
  })

  it('prints a working chat completions URL', async () => {
    for (let i = 0; i < 200 && !stdout.includes('ANTHROPIC_BASE_URL='); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const baseUrl = /OPENAI_BASE_URL=(\S+)/.exec(stdout)?.[1]
    expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/gateway\/openai\/v1$/)
    expect(stdout).toMatch(/ANTHROPIC_BASE_URL=http:\/\/127\.0\.0\.1:\d+\/gateway\/anthropic /)
    const response = await fetch(`${baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer anything' },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Hello' }],
      }),
    })
    expect(response.status).toBe(200)
    const body = (await response.json()) as {
      choices: { message: { role: string; content: string } }[]
    }
    expect(body.choices[0]!.message.role).toBe('assistant')
    expect(body.choices[0]!.message.content.length).toBeGreaterThan(0)
  })
})
