// The benchmark's closing table: each target beside the figure measured in
// this run and whether it was met.

export interface TargetResult {
  target: string
  measured: string
  /** null when the figure was not measured in this run (part skipped or failed). */
  met: boolean | null
  /** Why the figure is missing, or what it depends on. */
  note?: string
}

export class TargetTable {
  readonly results: TargetResult[] = []

  /** Records a figure against a maximum (`value <= max` meets it). */
  atMost(target: string, value: number, max: number, unit: string, note?: string): void {
    this.results.push({
      target,
      measured: `${formatValue(value)} ${unit}`,
      met: Number.isFinite(value) ? value <= max : null,
      note,
    })
  }

  /** Records a figure against a minimum (`value >= min` meets it). */
  atLeast(target: string, value: number, min: number, unit: string, note?: string): void {
    this.results.push({
      target,
      measured: unit ? `${formatValue(value)} ${unit}` : value.toFixed(2),
      met: Number.isFinite(value) ? value >= min : null,
      note,
    })
  }

  /** Records a target this run could not measure, with the reason. */
  notMeasured(target: string, reason: string): void {
    this.results.push({ target, measured: 'not measured', met: null, note: reason })
  }

  /** Formats the table as Markdown. */
  markdown(): string {
    const lines = ['| target | measured | met? |', '| --- | --- | --- |']
    for (const result of this.results) {
      const met = result.met === null ? 'n/a' : result.met ? 'met' : 'NOT MET'
      const measured = result.note ? `${result.measured} (${result.note})` : result.measured
      lines.push(`| ${result.target} | ${measured} | ${met} |`)
    }
    return lines.join('\n')
  }
}

export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return 'n/a'
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US')
  return value.toFixed(1)
}
