import { useState } from 'react'
import { ERROR_CLASS_STATUS, type ErrorClass } from '../../../shared/genai'
import {
  renameParameters,
  type FilterParameter,
  type FilterProblem,
} from '../../../shared/trace-filter'
import {
  attributesText,
  moreFiltersCount,
  TIME_RANGES,
  withAttributes,
  withParam,
} from '../list-filter'
import { OptionSelect, TypedField } from './FilterFields'

const ERROR_CLASSES = (Object.keys(ERROR_CLASS_STATUS) as ErrorClass[]).filter((c) => c !== 'none')

/**
 * The trace list's filter bar. The time range, error class and search box
 * are always shown, the other fields behind "More filters". Every change goes
 * to the address bar, which the list reads, so the URL always describes the
 * list shown. `problems` are the parser's, shown beside their fields.
 */
export function TraceFilters({
  params,
  problems,
  onChange,
}: {
  params: URLSearchParams
  problems: readonly FilterProblem[]
  onChange: (params: URLSearchParams) => void
}) {
  const hidden = moreFiltersCount(params)
  const [expanded, setExpanded] = useState(hidden > 0)
  const set = (name: string) => (value: string) => onChange(withParam(params, name, value))
  const problemOf = (name: string) => {
    const problem = problems.find((candidate) => candidate.parameter === name)
    return problem === undefined ? null : labelMessage(problem.message)
  }
  const attributeProblem =
    problems.find((problem) => problem.parameter.startsWith('attr.'))?.message ?? null

  return (
    <div className="trace-filters trace-list-filters" role="search">
      <div className="filter-bar">
        <label>
          Time
          <OptionSelect
            label="Time range"
            value={params.get('since') ?? ''}
            options={TIME_RANGES}
            customLabel={(value) => `since ${value}`}
            onChange={set('since')}
          />
        </label>
        <label>
          Error class
          <OptionSelect
            label="Filter by error class"
            value={params.get('errorClass') ?? ''}
            options={[
              { value: '', label: 'all traces' },
              { value: 'any', label: 'any error' },
              { value: 'none', label: 'none' },
              ...ERROR_CLASSES.map((c) => ({ value: c, label: c })),
            ]}
            customLabel={(value) => value}
            onChange={set('errorClass')}
          />
        </label>
        <TypedField
          className="trace-search"
          label="Search traces"
          placeholder="Search prompts, messages, tool arguments and results, errors, logs"
          value={params.get('text') ?? ''}
          problem={problemOf('text')}
          onCommit={set('text')}
          type="search"
          hideLabel
        />
        <button type="button" aria-expanded={expanded} onClick={() => setExpanded(!expanded)}>
          More filters{hidden > 0 ? ` (${hidden})` : ''}
        </button>
        {[...params.keys()].length > 0 && (
          <button type="button" onClick={() => onChange(new URLSearchParams())}>
            Clear filters
          </button>
        )}
      </div>
      {problemOf('since') !== null && <p className="field-problem">{problemOf('since')}</p>}
      {problemOf('errorClass') !== null && (
        <p className="field-problem">{problemOf('errorClass')}</p>
      )}
      {expanded && (
        <div className="filter-more" data-testid="more-filters">
          <TypedField
            label="Service"
            value={params.get('service') ?? ''}
            problem={problemOf('service')}
            onCommit={set('service')}
          />
          <TypedField
            label="Agent"
            value={params.get('agent') ?? ''}
            problem={problemOf('agent')}
            onCommit={set('agent')}
          />
          <TypedField
            label="Model"
            value={params.get('model') ?? ''}
            problem={problemOf('model')}
            onCommit={set('model')}
          />
          <label className="filter-field">
            Status
            <OptionSelect
              label="Root span status"
              value={params.get('status') ?? ''}
              options={[
                { value: '', label: 'any' },
                { value: 'ok', label: 'ok' },
                { value: 'error', label: 'error' },
                { value: 'unset', label: 'unset' },
              ]}
              customLabel={(value) => value}
              onChange={set('status')}
            />
          </label>
          <TypedField
            label="HTTP route"
            placeholder="/orders/{id}"
            value={params.get('route') ?? ''}
            problem={problemOf('route')}
            onCommit={set('route')}
          />
          <TypedField
            label="Until"
            placeholder="1h or 2026-03-02T15:00:00Z"
            value={params.get('until') ?? ''}
            problem={problemOf('until')}
            onCommit={set('until')}
          />
          <RangeFields
            name="Duration"
            unit="e.g. 2s, 500ms"
            minName="minDuration"
            maxName="maxDuration"
            params={params}
            problemOf={problemOf}
            set={set}
          />
          <RangeFields
            name="Cost"
            unit="USD"
            minName="minCost"
            maxName="maxCost"
            params={params}
            problemOf={problemOf}
            set={set}
          />
          <RangeFields
            name="Tokens"
            unit="input + output"
            minName="minTokens"
            maxName="maxTokens"
            params={params}
            problemOf={problemOf}
            set={set}
          />
          <TypedField
            label="Attributes"
            placeholder={'user.id=42\none KEY=VALUE per line'}
            value={attributesText(params)}
            problem={attributeProblem}
            onCommit={(text) => onChange(withAttributes(params, text))}
            multiline
          />
        </div>
      )}
    </div>
  )
}

/** Field labels by filter parameter, for problems shown in the bar. */
const FIELD_LABELS: Record<FilterParameter, string> = {
  since: 'time range',
  until: 'until',
  service: 'service',
  agent: 'agent',
  model: 'model',
  errorClass: 'error class',
  status: 'status',
  minDuration: 'minimum duration',
  maxDuration: 'maximum duration',
  minCost: 'minimum cost',
  maxCost: 'maximum cost',
  minTokens: 'minimum tokens',
  maxTokens: 'maximum tokens',
  route: 'HTTP route',
  text: 'search',
}

/** Rewrites a problem's parameter names as the labels of the fields (`minDuration` as `minimum duration`). */
function labelMessage(message: string): string {
  const labelled = renameParameters(message, (parameter) => FIELD_LABELS[parameter])
  return labelled.charAt(0).toUpperCase() + labelled.slice(1)
}

function RangeFields({
  name,
  unit,
  minName,
  maxName,
  params,
  problemOf,
  set,
}: {
  name: string
  unit: string
  minName: string
  maxName: string
  params: URLSearchParams
  problemOf: (name: string) => string | null
  set: (name: string) => (value: string) => void
}) {
  return (
    <fieldset className="filter-range">
      <legend>
        {name} <span className="muted">({unit})</span>
      </legend>
      <TypedField
        label={`Minimum ${name.toLowerCase()}`}
        placeholder="min"
        value={params.get(minName) ?? ''}
        problem={problemOf(minName)}
        onCommit={set(minName)}
        hideLabel
      />
      <span aria-hidden="true">–</span>
      <TypedField
        label={`Maximum ${name.toLowerCase()}`}
        placeholder="max"
        value={params.get(maxName) ?? ''}
        problem={problemOf(maxName)}
        onCommit={set(maxName)}
        hideLabel
      />
    </fieldset>
  )
}
