import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CORE_NODE_FLAGS } from '../../../src/core/heap-limits'
import { repoRoot } from '../../helpers/core'

describe('heap limits', () => {
  it('npm start passes the core flags', () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>
    }
    const start = manifest.scripts.start!
    expect(start).toContain(`node ${CORE_NODE_FLAGS.join(' ')} bin/loupe.js serve`)
  })
})
