import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CliError, openFolder } from '../../../src/cli/folder'

describe('openFolder', () => {
  let parent: string

  beforeEach(() => {
    parent = mkdtempSync(join(tmpdir(), 'loupe-open-folder-'))
  })

  afterEach(() => {
    rmSync(parent, { recursive: true, force: true })
  })

  it('rejects a missing folder', () => {
    expect(() => openFolder(join(parent, 'missing'))).toThrow(/no Loupe data folder at/)
  })

  it('rejects a file given as the folder', () => {
    const file = join(parent, 'notes.txt')
    writeFileSync(file, 'not a folder')
    expect(() => openFolder(file)).toThrow(CliError)
    expect(() => openFolder(file)).toThrow(`${file} is a file, not a Loupe data folder`)
  })

  it('rejects a file given as the folder to create', () => {
    const file = join(parent, 'notes.txt')
    writeFileSync(file, 'not a folder')
    expect(() => openFolder(file, { create: true })).toThrow(/is a file, not a Loupe data folder/)
  })

  it('opens an empty folder', () => {
    const source = openFolder(parent)
    expect(source.description).toBe(`the folder ${parent}`)
    source.close()
  })
})
