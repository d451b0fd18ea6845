import { describe, expect, it } from 'vitest'
import { formatUsageError } from '../../../src/cli/usage-errors'

// Commander 14's messages, as Command.error receives them.
describe('formatUsageError', () => {
  const cases: [string, string][] = [
    [
      "error: option '-o, --output <file>' argument 'x' is invalid. x is not writable\n",
      'invalid --output "x": x is not writable',
    ],
    [
      "error: option '--then <what>' argument 'later' is invalid. Allowed choices are fail, mock.\n",
      'invalid --then "later": expected one of fail, mock',
    ],
    [
      "error: option '--max-store-mb <mebibytes>' value '0' from env 'LOUPE_MAX_STORE_MB' is invalid. 0 is not a positive integer\n",
      'invalid LOUPE_MAX_STORE_MB "0" (the value of --max-store-mb): 0 is not a positive integer',
    ],
    [
      "error: command-argument value 'x' is invalid for argument 'trace'. expected 32 hex digits\n",
      'invalid <trace> "x": expected 32 hex digits',
    ],
    [
      "error: option '--since <duration>' argument '5x' is invalid. invalid duration \"5x\"; use a number and a unit\n",
      'invalid --since "5x": use a number and a unit',
    ],
    [
      "error: unknown option '--jsn'\n(Did you mean --json?)\n",
      'unknown option --jsn; did you mean --json?',
    ],
    [
      "error: unknown command 'serv'\n(Did you mean one of serve, show?)\n",
      'unknown command serv; did you mean one of serve, show?',
    ],
    [
      "error: too many arguments for 'query'. Expected 1 argument but got 3.\n",
      'too many arguments: expected 1 but got 3; quote a value that contains spaces',
    ],
    ["error: missing required argument 'sql'\n", 'missing argument <sql>'],
    ["error: option '--limit <n>' argument missing\n", 'missing value for --limit <n>'],
    [
      "error: option '--a' cannot be used with option '--b'\n",
      "option '--a' cannot be used with option '--b'",
    ],
  ]

  for (const [message, expected] of cases) {
    it(expected, () => {
      expect(formatUsageError(message)).toBe(expected)
    })
  }

  it('escapes control characters in a value', () => {
    const message = "error: option '--limit <n>' argument '\u001b[2J' is invalid. not a number\n"
    expect(formatUsageError(message)).toBe('invalid --limit "\\x1b[2J": not a number')
  })
})
