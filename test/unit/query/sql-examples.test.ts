import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { SQL_EXAMPLES } from '../../../src/shared/sql-examples'

describe('SQL examples', () => {
  it('match the examples in the docs', () => {
    const docs = readFileSync(new URL('../../../docs/sql.md', import.meta.url), 'utf8')
    const examples = docs.slice(docs.indexOf('\n## Examples\n'))
    const documented = [...examples.matchAll(/### (.+)\n\n```sql\n([\s\S]*?)\n```/g)].map(
      (match) => ({ title: match[1], sql: match[2] }),
    )
    expect(documented.map((example) => example.title)).toContain(
      'Total cost per agent over the last 24 hours',
    )
    expect(SQL_EXAMPLES).toEqual(documented)
  })
})
