// Short usage errors for `loupe`. By default Commander prints its error and
// then the command's whole help. Loupe prints one line in the `loupe: ...`
// form of its other errors, naming the option or argument and the value.
// A second line names the command to run for help. Exit codes stay
// Commander's (1) or the command's own exitOverride (2 for `loupe check` and
// `loupe alerts`).

import type { Command } from 'commander'
import { printable } from './format'

/** Shows a value as a quoted string with its control characters escaped. */
function quoted(value: string): string {
  return `"${printable(value)}"`
}

/** Returns the long name of an option from its flags, e.g. `--output` from `-o, --output <file>`. */
function optionName(flags: string): string {
  return /--[^\s,<[]+/.exec(flags)?.[0] ?? flags.split(/[\s,]/)[0]!
}

/**
 * Rewrites the reason of Commander's choices check. Other reasons come from
 * Loupe's own parsers. A reason that starts by naming the value again, such
 * as `invalid duration "5x"; use ...`, keeps only what follows.
 */
function reasonText(reason: string, value: string): string {
  const choices = /^Allowed choices are (.*)\.$/.exec(reason)
  if (choices) return `expected one of ${choices[1]}`
  const repeated = `"${value}"; `
  const at = reason.indexOf(repeated)
  if (reason.startsWith('invalid ') && at >= 0) return reason.slice(at + repeated.length)
  return reason
}

/**
 * Rewrites one of Commander's usage errors into Loupe's form, e.g.
 * `error: option '--limit <n>' argument 'abc' is invalid. abc is not a whole
 * number` into `invalid --limit "abc": abc is not a whole number`. The
 * patterns follow the wording of commander 14. A message that matches none
 * of them keeps Commander's text on one line, without its `error: ` prefix.
 */
export function formatUsageError(message: string): string {
  const [first = '', ...rest] = message
    .trim()
    .replace(/^error: /, '')
    .split('\n')
  const guess = /^\(Did you mean (.+)\?\)$/.exec(rest.join(' ').trim())
  const suggestion = guess ? `; did you mean ${guess[1]}?` : ''

  let match = /^option '(.+?)' argument '(.*)' is invalid\. ([\s\S]*)$/.exec(first)
  if (match) {
    return `invalid ${optionName(match[1]!)} ${quoted(match[2]!)}: ${reasonText(match[3]!, match[2]!)}`
  }
  match = /^option '(.+?)' value '(.*)' from env '(.+?)' is invalid\. ([\s\S]*)$/.exec(first)
  if (match) {
    const [, flags, value, variable, reason] = match
    return `invalid ${variable} ${quoted(value!)} (the value of ${optionName(flags!)}): ${reasonText(reason!, value!)}`
  }
  match = /^command-argument value '(.*)' is invalid for argument '(.+?)'\. ([\s\S]*)$/.exec(first)
  if (match)
    return `invalid <${match[2]}> ${quoted(match[1]!)}: ${reasonText(match[3]!, match[1]!)}`
  match = /^option '(.+?)' argument missing$/.exec(first)
  if (match) return `missing value for ${match[1]}`
  match = /^missing required argument '(.+?)'$/.exec(first)
  if (match) return `missing argument <${match[1]}>`
  match = /^unknown option '(.+?)'$/.exec(first)
  if (match) return `unknown option ${printable(match[1]!)}${suggestion}`
  match = /^unknown command '(.+?)'$/.exec(first)
  if (match) return `unknown command ${printable(match[1]!)}${suggestion}`
  match = /^too many arguments(?: for '.+?')?\. Expected (\d+) arguments? but got (\d+)\.$/.exec(
    first,
  )
  if (match) {
    return `too many arguments: expected ${match[1]} but got ${match[2]}; quote a value that contains spaces`
  }
  return printable([first, ...rest].join(' '))
}

/** Returns the words that run a command, e.g. `loupe evals show`. */
function commandPath(command: Command): string {
  const names: string[] = []
  for (let c: Command | null = command; c !== null; c = c.parent) names.unshift(c.name())
  return names.join(' ')
}

/**
 * Sets `command` and every subcommand to print a usage error as two lines:
 * the error from formatUsageError and the `--help` command to run, in place
 * of Commander's error and the whole help. Call it after every command is
 * added.
 */
export function useShortUsageErrors(command: Command): void {
  command.configureOutput({
    outputError: (text, write) => write(`loupe: ${formatUsageError(text)}\n`),
  })
  command.showHelpAfterError(`Run \`${commandPath(command)} --help\` for usage.`)
  for (const subcommand of command.commands) useShortUsageErrors(subcommand)
}
