import { useMemo, type KeyboardEvent } from 'react'
import { formatCount, pluralize } from '../format'
import type { SpanSearch } from '../hooks/use-span-search'
import type { VisibleRow } from '../tree/build-tree'

/** Choices of the level filter: Logfire level numbers of trace, debug, info, warn and error. */
const LEVEL_OPTIONS = [
  { minLevel: 0, label: 'all' },
  { minLevel: 5, label: 'hide trace' },
  { minLevel: 9, label: 'hide debug and trace' },
  { minLevel: 13, label: 'warn and above' },
  { minLevel: 17, label: 'error and above' },
]

export interface TreeToolbarProps {
  query: string
  onQueryChange: (query: string) => void
  search: SpanSearch
  filterMatches: boolean
  onFilterMatchesChange: (filter: boolean) => void
  selectedKey: string | null
  /** Selects, reveals and scrolls to a match. */
  onJump: (key: string) => void
  /** False for traces without Logfire levels, where the level filter would do nothing. */
  showLevelFilter: boolean
  /** Lowest Logfire level shown; 0 shows every span. */
  minLevel: number
  onMinLevelChange: (minLevel: number) => void
  /** Spans that the level filter hides. */
  levelsHidden: number
  onExpandAll: () => void
  onCollapseAll: () => void
  rows: VisibleRow[]
  /** The trace's span count from its summary. */
  totalSpans: number
  /** Spans in the loaded tree, which may lag the summary while spans arrive. */
  loadedSpans: number
}

/** Renders the bar over the span tree: search, expand/collapse controls and the count of spans shown. */
export function TreeToolbar(props: TreeToolbarProps) {
  const { search, selectedKey, onJump } = props
  const position = search.matches.findIndex((node) => node.key === selectedKey)
  const matchCount = search.matches.length

  const jump = (step: 1 | -1) => {
    if (matchCount === 0) return
    // Without a selected match, Next starts at the first one and Previous at the last.
    let next = (position + step + matchCount) % matchCount
    if (position < 0) next = step === 1 ? 0 : matchCount - 1
    onJump(search.matches[next]!.key)
  }

  const onSearchKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault()
      jump(event.shiftKey ? -1 : 1)
    } else if (event.key === 'Escape') {
      props.onQueryChange('')
    }
  }

  return (
    <div className="tree-toolbar">
      <input
        type="search"
        className="tree-search"
        aria-label="Search spans by name"
        placeholder="Search spans"
        title="Search span names and titles. Enter: next match, Shift+Enter: previous, Escape: clear"
        value={props.query}
        onChange={(event) => props.onQueryChange(event.target.value)}
        onKeyDown={onSearchKeyDown}
        spellCheck={false}
      />
      {search.query !== '' && (
        <>
          <span className="match-count" data-testid="match-count">
            {matchCount === 0
              ? 'no matches'
              : position >= 0
                ? `${formatCount(position + 1)} of ${formatCount(matchCount)}`
                : pluralize(matchCount, 'match', 'matches')}
          </span>
          <button
            type="button"
            onClick={() => jump(-1)}
            disabled={matchCount === 0}
            title="Previous match (Shift+Enter)"
          >
            ↑
          </button>
          <button
            type="button"
            onClick={() => jump(1)}
            disabled={matchCount === 0}
            title="Next match (Enter)"
          >
            ↓
          </button>
          <label className="filter-toggle">
            <input
              type="checkbox"
              checked={props.filterMatches}
              onChange={(event) => props.onFilterMatchesChange(event.target.checked)}
            />
            only matches
          </label>
        </>
      )}
      <span className="toolbar-spacer" />
      {props.showLevelFilter && (
        <label className="level-filter">
          Levels
          <select
            aria-label="Lowest log level shown"
            value={props.minLevel}
            onChange={(event) => props.onMinLevelChange(Number(event.target.value))}
          >
            {LEVEL_OPTIONS.map((option) => (
              <option key={option.minLevel} value={option.minLevel}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
      )}
      <button type="button" onClick={props.onExpandAll}>
        Expand all
      </button>
      <button type="button" onClick={props.onCollapseAll}>
        Collapse all
      </button>
      <ShownCount
        rows={props.rows}
        totalSpans={props.totalSpans}
        loadedSpans={props.loadedSpans}
        filtered={props.filterMatches && search.query !== ''}
        levelsHidden={props.levelsHidden}
      />
    </div>
  )
}

function ShownCount(props: {
  rows: VisibleRow[]
  totalSpans: number
  loadedSpans: number
  filtered: boolean
  levelsHidden: number
}) {
  const shown = useMemo(
    () => props.rows.reduce((count, row) => count + (row.node.type === 'span' ? 1 : 0), 0),
    [props.rows],
  )
  const total = Math.max(props.totalSpans, props.loadedSpans)
  if (shown >= total) {
    return <span className="shown-count muted">all {pluralize(total, 'span')} shown</span>
  }
  const reasons: string[] = []
  if (props.filtered) reasons.push('search filter on')
  if (props.levelsHidden > 0) reasons.push(`${formatCount(props.levelsHidden)} below the level`)
  if (props.rows.some((row) => row.hasChildren && !row.expanded)) reasons.push('rows collapsed')
  if (props.loadedSpans < props.totalSpans) {
    reasons.push(`${formatCount(props.totalSpans - props.loadedSpans)} not loaded yet`)
  }
  return (
    <span className="shown-count" data-testid="shown-count">
      showing {formatCount(shown)} of {pluralize(total, 'span')} ({reasons.join('; ')})
    </span>
  )
}
