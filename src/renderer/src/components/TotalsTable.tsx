/** One total of sides A and B, formatted, with the difference or '' when they are equal. */
export interface TotalsRow {
  label: string
  a: string
  b: string
  difference: string
  changed: boolean
}

/**
 * Renders the totals of two compared sides (two runs, two experiments) as
 * rows of A, B and their difference, marking the rows that changed.
 * The test ids name the table, each row and each difference cell.
 */
export function TotalsTable({
  rows,
  testId,
  rowTestId,
  differenceTestId,
}: {
  rows: readonly TotalsRow[]
  testId: string
  rowTestId: string
  differenceTestId?: string
}) {
  return (
    <table className="diff-totals" data-testid={testId}>
      <thead>
        <tr>
          <th scope="col">
            <span className="visually-hidden">Total</span>
          </th>
          <th scope="col" className="number">
            A
          </th>
          <th scope="col" className="number">
            B
          </th>
          <th scope="col" className="number">
            Difference
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr
            key={row.label}
            className={row.changed ? 'changed' : undefined}
            data-testid={rowTestId}
            data-label={row.label}
          >
            <th scope="row">{row.label}</th>
            <td className="number">{row.a}</td>
            <td className="number">{row.b}</td>
            <td className="number" data-testid={differenceTestId}>
              {row.difference}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
