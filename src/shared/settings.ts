// The settings file (settings.json in the data folder) as the UI sees it:
// its fields, where each running value came from, and the `GET` and `PUT
// /api/settings` bodies. The zod schema that validates the file is in
// src/core/settings/schema.ts, which checks that it matches these types.

import type { JsonValue } from './api'

/** A redaction rule added after the built-in ones. */
export interface ExtraRedactionRule {
  /** Lowercase letters, digits and dashes; shown in the marker `[REDACTED:<name>]`. */
  name: string
  /** Source of a JavaScript regular expression, without flags. */
  pattern: string
  /** Replacement in `String.prototype.replace` syntax; the marker when omitted. */
  replacement?: string
}

/** The whole settings document, with every default filled in. */
export interface SettingsDocument {
  /** Folder of the store; null is the folder that contains settings.json. */
  dataDir: string | null
  /** Address the receivers and the UI bind. */
  host: string
  /** Host names served besides loopback ones, e.g. host.docker.internal. */
  allowedHosts: string[]
  /** Traces with no activity for longer are deleted; null keeps them all. */
  retentionDays: number | null
  /** Size cap of the store in MiB; null is no cap. */
  maxStoreMb: number | null
  /** Largest attribute value or log body stored whole, in MiB. */
  maxAttributeMb: number
  /** A JSON file of price overrides saved into the store at each start; null for none. */
  pricesFile: string | null
  ports: {
    /** Null is the default port (4318), or the next free one. */
    otlpHttp: number | null
    /** Null is the default port (4317), or the next free one. */
    otlpGrpc: number | null
    /** Null is the default port (4320), or the next free one. */
    ui: number | null
  }
  redaction: {
    /** Off stores secrets as they arrive. */
    enabled: boolean
    extraRules: ExtraRedactionRule[]
  }
  forwarding: {
    /** OTLP/HTTP base URL that received telemetry is sent on to; null forwards nothing. */
    url: string | null
    /** Headers added to each forwarded request, e.g. an authorization header. */
    headers: Record<string, string>
  }
  alerts: {
    /** Time between two evaluations of the alert rules, in seconds. */
    intervalSeconds: number
  }
}

/** Dotted path of one setting, e.g. `ports.ui`. */
export type SettingPath =
  | 'dataDir'
  | 'host'
  | 'allowedHosts'
  | 'retentionDays'
  | 'maxStoreMb'
  | 'maxAttributeMb'
  | 'pricesFile'
  | 'ports.otlpHttp'
  | 'ports.otlpGrpc'
  | 'ports.ui'
  | 'redaction.enabled'
  | 'redaction.extraRules'
  | 'forwarding.url'
  | 'forwarding.headers'
  | 'alerts.intervalSeconds'

/** Source of a setting's running value: default, file, flag or environment. */
export type SettingSource =
  | { kind: 'default' }
  | { kind: 'file' }
  /** A command-line flag of `loupe serve`, e.g. `--ui-port`. */
  | { kind: 'flag'; name: string }
  /** An environment variable, e.g. `LOUPE_MAX_STORE_MB`. */
  | { kind: 'environment'; name: string }

/** One invalid or unknown field of a settings document. */
export interface SettingsProblem {
  /** Dotted path of the field, e.g. `ports.ui` or `redaction.extraRules.1`; empty for the whole document. */
  field: string
  message: string
}

export type ProviderId = 'openai' | 'anthropic'

/** Source of a provider's key for record and live runs. */
export type ProviderKeySource = 'environment' | 'app' | null

/** Body of `GET /api/settings`, and of `PUT /api/settings` once the file is saved. */
export interface SettingsView {
  /** Path of settings.json. */
  file: string
  /** False while no settings file exists: every saved value is then a default. */
  fileExists: boolean
  /** File contents, with invalid fields replaced by their defaults. */
  saved: SettingsDocument
  /** Settings the running core uses, with the data folder resolved. */
  running: SettingsDocument
  sources: Record<SettingPath, SettingSource>
  /** Invalid or unknown fields of the file. */
  problems: SettingsProblem[]
  /** Settings whose saved value differs from the running one: they apply when Loupe starts again. */
  restartRequired: SettingPath[]
  /** For each provider, where record runs find its key; the key itself is never sent. */
  providerKeys: Record<ProviderId, ProviderKeySource>
  /** JSON Schema of `redaction.extraRules`, for the page's editor. */
  extraRulesSchema: JsonValue
}

/** Body of a `PUT /api/settings` that was rejected with status 400. */
export interface SettingsRejection {
  error: string
  problems: SettingsProblem[]
}

export type SettingKind =
  | 'port'
  | 'text'
  | 'host-list'
  | 'path'
  | 'number'
  | 'optional-number'
  | 'boolean'
  | 'url'
  | 'rules'
  | 'headers'

/** Label, input kind and help text of one setting on the settings page. */
export interface SettingField {
  path: SettingPath
  label: string
  kind: SettingKind
  /** One sentence on what the setting does, with its unit. */
  help: string
  /** The section of the settings page it belongs to. */
  section: 'Network' | 'Storage' | 'Redaction' | 'Prices' | 'Forwarding' | 'Alerts'
}

/** Every setting, in the order the settings page shows them. */
export const SETTING_FIELDS: readonly SettingField[] = [
  {
    path: 'host',
    label: 'Bind address',
    kind: 'text',
    section: 'Network',
    help: 'Address the receivers and the UI listen on. Any address other than 127.0.0.1 or ::1 exposes Loupe to other machines.',
  },
  {
    path: 'allowedHosts',
    label: 'Allowed Host names',
    kind: 'host-list',
    section: 'Network',
    help: 'Host names served besides loopback ones, separated by commas, e.g. host.docker.internal for agents in containers.',
  },
  {
    path: 'ports.otlpHttp',
    label: 'OTLP/HTTP port',
    kind: 'port',
    section: 'Network',
    help: 'Port of the OTLP/HTTP receiver and the model gateway. Empty is 4318, or the next free port; 0 picks a free one.',
  },
  {
    path: 'ports.otlpGrpc',
    label: 'OTLP/gRPC port',
    kind: 'port',
    section: 'Network',
    help: 'Port of the OTLP/gRPC receiver. Empty is 4317, or the next free port; 0 picks a free one.',
  },
  {
    path: 'ports.ui',
    label: 'UI and API port',
    kind: 'port',
    section: 'Network',
    help: 'Port of this UI and its API. Empty is 4320, or the next free port; 0 picks a free one.',
  },
  {
    path: 'dataDir',
    label: 'Data folder',
    kind: 'path',
    section: 'Storage',
    help: 'Absolute path of the folder that holds the store. Empty is the folder that contains settings.json.',
  },
  {
    path: 'retentionDays',
    label: 'Retention (days)',
    kind: 'optional-number',
    section: 'Storage',
    help: 'Traces whose newest span is older than this many days are deleted; fractions are allowed. Empty keeps every trace.',
  },
  {
    path: 'maxStoreMb',
    label: 'Store size cap (MiB)',
    kind: 'optional-number',
    section: 'Storage',
    help: 'Past this size in MiB the oldest traces are deleted. Empty is no cap.',
  },
  {
    path: 'maxAttributeMb',
    label: 'Largest attribute (MiB)',
    kind: 'number',
    section: 'Storage',
    help: 'Attribute values and log bodies longer than this many MiB are cut with a marker.',
  },
  {
    path: 'redaction.enabled',
    label: 'Redact secrets',
    kind: 'boolean',
    section: 'Redaction',
    help: 'Replace API keys, bearer tokens and passwords in URLs before storage. Off stores them as they arrive.',
  },
  {
    path: 'redaction.extraRules',
    label: 'Extra redaction rules',
    kind: 'rules',
    section: 'Redaction',
    help: 'A JSON array of {name, pattern, replacement?} rules applied after the built-in ones; pattern is a JavaScript regular expression.',
  },
  {
    path: 'pricesFile',
    label: 'Prices file',
    kind: 'path',
    section: 'Prices',
    help: 'Absolute path of a JSON array of price overrides (as on the Prices page), saved into the store at each start. Empty for none.',
  },
  {
    path: 'forwarding.url',
    label: 'Forward to',
    kind: 'url',
    section: 'Forwarding',
    help: 'OTLP/HTTP base URL that received telemetry is also sent to, e.g. http://collector:4318. Empty forwards nothing.',
  },
  {
    path: 'forwarding.headers',
    label: 'Forwarding headers',
    kind: 'headers',
    section: 'Forwarding',
    help: 'A JSON object of header names and values added to each forwarded request, e.g. {"Authorization": "Bearer …"}.',
  },
  {
    path: 'alerts.intervalSeconds',
    label: 'Alert check interval (seconds)',
    kind: 'number',
    section: 'Alerts',
    help: 'Time between two evaluations of the alert rules, in seconds (5 to 86400).',
  },
]

/** Returns the value at `path` in `settings`. */
export function settingValue(settings: SettingsDocument, path: SettingPath): unknown {
  const [group, key] = path.split('.') as [string, string | undefined]
  const top = (settings as unknown as Record<string, unknown>)[group]
  return key === undefined ? top : (top as Record<string, unknown>)[key]
}

/** Returns a copy of `settings` with `value` at `path`. */
export function withSettingValue(
  settings: SettingsDocument,
  path: SettingPath,
  value: unknown,
): SettingsDocument {
  const [group, key] = path.split('.') as [string, string | undefined]
  const copy = { ...settings } as unknown as Record<string, unknown>
  if (key === undefined) copy[group] = value
  else copy[group] = { ...(copy[group] as Record<string, unknown>), [key]: value }
  return copy as unknown as SettingsDocument
}

/** Describes a source for people: "default", "settings file", "flag --ui-port". */
export function describeSource(source: SettingSource): string {
  switch (source.kind) {
    case 'default':
      return 'default'
    case 'file':
      return 'settings file'
    case 'flag':
      return `flag ${source.name}`
    case 'environment':
      return `environment ${source.name}`
  }
}
