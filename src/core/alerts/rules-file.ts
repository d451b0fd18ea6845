// Finds, reads and edits the alert rules file of a data folder. Edits go
// through the YAML document, so that comments and the order of the other
// rules survive. A JSON file is written back as JSON.

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { extname, join } from 'node:path'
import { Document, parseDocument } from 'yaml'
import type { AlertRule } from '../../shared/alerts'
import { AlertRulesError, parseRulesFile, type RulesFile } from './rules'

export const RULES_FILE = 'alerts.yaml'
const JSON_RULES_FILE = 'alerts.json'

/** Returns the rules file of a data folder: alerts.yaml, or alerts.json when only that exists. */
export function rulesFilePath(dataDir: string): string {
  const yaml = join(dataDir, RULES_FILE)
  const json = join(dataDir, JSON_RULES_FILE)
  return !existsSync(yaml) && existsSync(json) ? json : yaml
}

/** Returns the file's text, or null when it does not exist. */
export function readRulesText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}

/** Reads and checks a rules file; a missing file has no rules. Throws AlertRulesError. */
export function loadRules(path: string): RulesFile {
  const text = readRulesText(path)
  return text === null ? { rules: [] } : parseRulesFile(text, path)
}

/**
 * Replaces the rule named `replacedName` with `rule`, or adds `rule` at the
 * end when `replacedName` is null, and writes the file. Throws
 * AlertRulesError when the file is invalid now or would be after the edit,
 * such as with a second rule of the same name. Throws RuleNotFoundError when
 * no rule is named `replacedName`.
 */
export function saveRule(path: string, replacedName: string | null, rule: AlertRule): void {
  editRules(
    path,
    (rules) => {
      if (replacedName === null) return { index: rules.length, remove: 0 }
      return { index: indexOf(rules, replacedName), remove: 1 }
    },
    rule,
  )
}

/** Deletes the named rule from the file. Throws RuleNotFoundError or AlertRulesError. */
export function deleteRule(path: string, name: string): void {
  editRules(path, (rules) => ({ index: indexOf(rules, name), remove: 1 }), null)
}

export class RuleNotFoundError extends Error {
  override name = 'RuleNotFoundError'
}

function indexOf(rules: AlertRule[], name: string): number {
  const index = rules.findIndex((rule) => rule.name === name)
  if (index === -1) throw new RuleNotFoundError(`alert rule ${name} not found`)
  return index
}

function editRules(
  path: string,
  place: (rules: AlertRule[]) => { index: number; remove: number },
  rule: AlertRule | null,
): void {
  const text = readRulesText(path) ?? ''
  const current = parseRulesFile(text, path)
  const { index, remove } = place(current.rules)
  const edited =
    extname(path) === '.json'
      ? editJson(text, index, remove, rule)
      : editYaml(text, index, remove, rule)
  try {
    parseRulesFile(edited, path)
  } catch (error) {
    if (!(error instanceof AlertRulesError)) throw error
    // Report the problems without the line numbers of a file the user has not seen.
    throw new AlertRulesError(
      path,
      error.problems.map((problem) => problem.replace(/^line \d+, /, '')),
    )
  }
  writePrivately(path, edited)
}

function editJson(text: string, index: number, remove: number, rule: AlertRule | null): string {
  const file = (text.trim() === '' ? {} : JSON.parse(text)) as { rules?: AlertRule[] }
  const rules = file.rules ?? []
  rules.splice(index, remove, ...(rule === null ? [] : [rule]))
  return `${JSON.stringify({ ...file, rules }, null, 2)}\n`
}

function editYaml(text: string, index: number, remove: number, rule: AlertRule | null): string {
  const parsed = parseDocument(text)
  // A file with nothing but comments gets a new document that keeps them.
  const document = parsed.contents === null ? new Document({ rules: [] }) : parsed
  document.commentBefore = parsed.commentBefore
  if (!document.has('rules')) document.set('rules', document.createNode([]))
  if (remove === 1 && rule !== null) document.setIn(['rules', index], document.createNode(rule))
  else if (remove === 1) document.deleteIn(['rules', index])
  else document.addIn(['rules'], document.createNode(rule))
  return document.toString()
}

/** Writes through a temporary file and a rename, readable by the owner only (headers may contain tokens). */
function writePrivately(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`
  writeFileSync(temporary, text, { mode: 0o600 })
  renameSync(temporary, path)
}
