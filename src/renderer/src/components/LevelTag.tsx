import { levelName } from '../genai/logfire'

/** A Logfire level as a tag, e.g. "warn", with its number in the tooltip. */
export function LevelTag({ level }: { level: number }) {
  const name = levelName(level)
  return (
    <span className={`level-tag level-${name}`} title={`Logfire level ${name} (${level})`}>
      {name}
    </span>
  )
}
