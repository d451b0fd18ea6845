import { CopyButton } from './CopyButton'

/** Shows a shell command as code with a copy button. */
export function CommandLine({ command }: { command: string }) {
  return (
    <div className="command-line">
      <code>{command}</code>
      <CopyButton text={command} />
    </div>
  )
}
