import type { Cost } from '../../../shared/genai'
import { formatCount, formatUsd } from '../format'

const SOURCE_LABELS: Record<Cost['source'], string> = {
  override: 'your price',
  sdk: 'sent by the SDK',
  computed: 'computed by Loupe',
  unpriced: 'unpriced',
  none: 'no cost',
}

/**
 * Shows a model call's cost with where it comes from: the figure and its
 * source, the provenance text, Loupe's own figure beside the SDK's when they
 * differ, and the token buckets that were priced.
 */
export function CostDetail({ cost }: { cost: Cost }) {
  const buckets = Object.entries(cost.pricedTokens).filter(([, count]) => count > 0)
  // Figures that print the same differ only by float rounding, so they count as equal.
  const differs =
    cost.computedUsd !== null &&
    cost.sdkUsd !== null &&
    formatUsd(cost.computedUsd) !== formatUsd(cost.sdkUsd)
  return (
    <div className="cost-detail" data-testid="cost-detail">
      <div className="cost-head">
        <strong className="cost-figure">
          {cost.usd !== null ? formatUsd(cost.usd) : 'unpriced'}
        </strong>
        <span className={`badge cost-source cost-source-${cost.source}`}>
          {SOURCE_LABELS[cost.source]}
        </span>
      </div>
      <p className="cost-provenance">{cost.provenance}</p>
      {cost.source === 'unpriced' && (
        <p>
          <a href="#/prices">Add a price for this model</a>
        </p>
      )}
      {differs && (
        <p className="cost-compare" data-testid="cost-compare">
          SDK sent {formatUsd(cost.sdkUsd!)}; Loupe computes {formatUsd(cost.computedUsd!)}
        </p>
      )}
      {cost.source === 'override' && !differs && cost.computedUsd !== null && (
        <p className="muted">Without your price, Loupe computes {formatUsd(cost.computedUsd)}.</p>
      )}
      {buckets.length > 0 && (
        <table className="priced-tokens">
          <caption>Priced tokens</caption>
          <tbody>
            {buckets.map(([bucket, count]) => (
              <tr key={bucket}>
                <th scope="row">{bucket}</th>
                <td>{formatCount(count)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}
