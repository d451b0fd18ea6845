// Redaction rules: which secrets are replaced before telemetry reaches the
// store, and with what. Every default rule needs a distinctive literal
// (`sk-`, `AKIA`, `Bearer`, `://`) at the start of its match, so that one
// combined regular expression can scan long message attributes quickly.

/** One kind of secret to replace before storage. */
export interface RedactionRule {
  /** Short name shown in the marker, e.g. `openai-api-key` in `[REDACTED:openai-api-key]`. */
  name: string
  /**
   * Source of a JavaScript regular expression (no flags) matching the secret.
   * It must not match the empty string and must not use numbered
   * backreferences (`\1`), because all rules run as one combined expression.
   * Named groups must have names unique across all rules.
   */
  pattern: string
  /**
   * Replacement in `String.prototype.replace` syntax (`$1`, `$<name>`);
   * `[REDACTED:<name>]` when omitted.
   */
  replacement?: string
  /**
   * Length of the shortest string in which the pattern can find a match.
   * Strings shorter than the smallest `minLength` of all rules are not
   * scanned. When omitted, no string is skipped on this rule's account.
   */
  minLength?: number
}

/** Returns the marker that replaces a secret matched by the rule `name`. */
export function redactionMarker(name: string): string {
  return `[REDACTED:${name}]`
}

/** Characters of an OAuth bearer token (RFC 6750 `b64token`, without the trailing `=`s). */
const TOKEN_CHAR = '[A-Za-z0-9._~+/-]'

/**
 * Lookaheads requiring that the credential at this position is at least 8
 * characters long and contains a digit. Random tokens almost always contain
 * digits, while prose after "Bearer" or "Authorization:" ("Bearer
 * authentication") does not.
 */
const CREDENTIAL_AHEAD = `(?=${TOKEN_CHAR}{8})(?=[A-Za-z._~+/-]*[0-9])`

/**
 * The default rules, in priority order. Where two rules match at the same
 * position, the earlier one wins, so `sk-ant-` is an Anthropic key and not an
 * OpenAI one.
 */
export const DEFAULT_REDACTION_RULES: readonly RedactionRule[] = [
  {
    // sk-ant-api03-... and sk-ant-admin01-... The key must contain a digit, as for OpenAI keys.
    name: 'anthropic-api-key',
    pattern: '\\bsk-ant-(?=[A-Za-z_-]*[0-9])[A-Za-z0-9_-]{20,}',
    minLength: 27,
  },
  {
    // sk-..., sk-proj-..., sk-svcacct-..., sk-admin-... Requiring a digit, which 20 or more random
    // characters almost always contain, keeps kebab-case words such as sk-learn-compatible-x as they are.
    name: 'openai-api-key',
    pattern: '\\bsk-(?:proj-|svcacct-|admin-)?(?=[A-Za-z_-]*[0-9])[A-Za-z0-9_-]{20,}',
    minLength: 23,
  },
  {
    // Logfire write tokens: pylf_v1_us_..., pylf_v1_eu_...
    name: 'logfire-token',
    pattern: '\\bpylf_v[0-9]+_[A-Za-z0-9_-]{16,}',
    minLength: 24,
  },
  {
    // Long-term (AKIA) and temporary (ASIA) access key ids.
    name: 'aws-access-key-id',
    pattern: '\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b',
    minLength: 20,
  },
  {
    // Classic tokens (ghp_, gho_, ghu_, ghs_, ghr_) and fine-grained ones (github_pat_).
    name: 'github-token',
    pattern: '\\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})',
    minLength: 33,
  },
  {
    name: 'slack-token',
    pattern: '\\bxox[abposr]-[A-Za-z0-9-]{10,}',
    minLength: 15,
  },
  {
    // `Authorization: <scheme> <credentials>` in header dumps, JSON or code,
    // including JSON-escaped quotes. Keeps the header name and the scheme.
    // Basic credentials are base64 and may lack digits, so any 4+ characters count.
    name: 'authorization-header',
    pattern:
      '(\\b(?:Authorization|authorization|AUTHORIZATION)\\\\?["\']?\\s*[:=]\\s*\\\\?["\']?' +
      `(?:Basic\\s+(?=[A-Za-z0-9+/]{4})|(?:[A-Za-z]+\\s+)?${CREDENTIAL_AHEAD}))` +
      `${TOKEN_CHAR}+=*`,
    replacement: `$1${redactionMarker('authorization-header')}`,
    minLength: 22,
  },
  {
    name: 'bearer-token',
    pattern: `(\\b(?:Bearer|bearer|BEARER)\\s+)${CREDENTIAL_AHEAD}${TOKEN_CHAR}+=*`,
    replacement: `$1${redactionMarker('bearer-token')}`,
    minLength: 15,
  },
  {
    // scheme://user:password@host. The match starts at "://" so that the scan
    // does not try every word as a scheme. Stops at characters that end a URL
    // or a JSON string, and skips a password that is already a marker.
    name: 'url-password',
    pattern: '(://[^\\s/?#@:"\'<>\\\\]+:)(?!\\[REDACTED:)[^\\s/?#@"\'<>\\\\]+(?=@)',
    replacement: `$1${redactionMarker('url-password')}`,
    minLength: 7,
  },
  {
    // Credentials in a query string: ?api_key=..., &password=..., &access_token=...
    // A bare `token` or `key` parameter is kept, because paging cursors and
    // cache keys use those names too.
    name: 'url-query-secret',
    pattern:
      '([?&](?:api[_-]?[Kk]ey|access[_-]?[Tt]oken|client[_-]?[Ss]ecret|password|passwd|pwd|secret)=)' +
      '(?!\\[REDACTED:)[^&#\\s"\'<>\\\\]+',
    replacement: `$1${redactionMarker('url-query-secret')}`,
    minLength: 6,
  },
]
