// The settings page's form: each setting as the text (or checkbox) of its
// input, and back to a settings document. This module checks only what the
// inputs themselves decide, such as a number that is no number or JSON that
// does not parse. The core validates everything else when the document is saved.

import {
  SETTING_FIELDS,
  settingValue,
  withSettingValue,
  type SettingKind,
  type SettingPath,
  type SettingsDocument,
  type SettingsProblem,
} from '../../shared/settings'

export type SettingsForm = Record<SettingPath, string | boolean>

/** Returns the input values that show `settings`. */
export function toForm(settings: SettingsDocument): SettingsForm {
  const form = {} as SettingsForm
  for (const field of SETTING_FIELDS) {
    form[field.path] = inputValue(field.kind, settingValue(settings, field.path))
  }
  return form
}

/**
 * Builds the settings document from the inputs, on top of `base` (the saved
 * document). Returns the problems of inputs that cannot be read.
 */
export function fromForm(
  form: SettingsForm,
  base: SettingsDocument,
): { settings: SettingsDocument; problems: SettingsProblem[] } {
  let settings = base
  const problems: SettingsProblem[] = []
  for (const field of SETTING_FIELDS) {
    const read = readInput(field.kind, form[field.path])
    if ('problem' in read) problems.push({ field: field.path, message: read.problem })
    else settings = withSettingValue(settings, field.path, read.value)
  }
  return { settings, problems }
}

/** Shows a running or saved value in one line, for the "running" note of a field. */
export function formatSettingValue(kind: SettingKind, value: unknown): string {
  if (value === null) return kind === 'port' ? 'default' : 'none'
  if (kind === 'boolean') return value ? 'on' : 'off'
  if (kind === 'headers') {
    const names = Object.keys(value as Record<string, string>)
    return names.length === 0 ? 'none' : names.join(', ')
  }
  if (kind === 'rules') {
    const count = (value as unknown[]).length
    return count === 0 ? 'none' : `${count} ${count === 1 ? 'rule' : 'rules'}`
  }
  if (kind === 'host-list') {
    const hosts = value as string[]
    return hosts.length === 0 ? 'none' : hosts.join(', ')
  }
  return String(value)
}

function inputValue(kind: SettingKind, value: unknown): string | boolean {
  switch (kind) {
    case 'boolean':
      return value === true
    case 'host-list':
      return (value as string[]).join(', ')
    case 'rules':
    case 'headers':
      return JSON.stringify(value, null, 2)
    default:
      return value === null ? '' : String(value)
  }
}

type InputRead = { value: unknown } | { problem: string }

function readInput(kind: SettingKind, input: string | boolean): InputRead {
  if (kind === 'boolean') return { value: input === true }
  const text = String(input).trim()
  switch (kind) {
    case 'port':
    case 'optional-number':
      return text === '' ? { value: null } : readNumber(text)
    case 'number':
      return text === '' ? { problem: 'required' } : readNumber(text)
    case 'path':
    case 'url':
      return { value: text === '' ? null : text }
    case 'text':
      return { value: text }
    case 'host-list':
      return {
        value: text
          .split(/[\s,]+/)
          .map((host) => host.trim())
          .filter((host) => host !== ''),
      }
    case 'rules':
      return readJson(text === '' ? '[]' : text)
    case 'headers':
      return readJson(text === '' ? '{}' : text)
  }
}

function readNumber(text: string): InputRead {
  const value = Number(text)
  return Number.isFinite(value) ? { value } : { problem: `${text} is not a number` }
}

function readJson(text: string): InputRead {
  try {
    return { value: JSON.parse(text) as unknown }
  } catch (error) {
    return { problem: `invalid JSON: ${(error as Error).message}` }
  }
}

/**
 * Builds the notice over a settings file with invalid fields. Loupe reads an
 * invalid field as its default, but a file that broke while Loupe ran leaves
 * the running core on the values it started with, which `restartRequired`
 * then lists.
 */
export function invalidFieldsMessage(restartRequired: readonly SettingPath[]): string {
  if (restartRequired.length === 0) {
    return 'Loupe reads them as their defaults. Fix them below and save.'
  }
  return (
    'Loupe reads them as their defaults, but keeps running with the values it started with ' +
    'until it restarts. Fix them below and save.'
  )
}
