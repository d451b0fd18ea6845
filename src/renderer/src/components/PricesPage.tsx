import { useState, type FormEvent } from 'react'
import { errorMessage, type PriceOverride } from '../api'
import { usePrices } from '../hooks/use-prices'
import { EMPTY_FORM, parseForm, toForm, type PriceForm } from '../price-form'
import { ErrorNotice } from './ErrorNotice'

/**
 * Lists the user's price overrides and adds, updates or deletes them. Saving
 * makes the core reprice every stored run in the background; the trace list
 * then updates through the push channel.
 */
export function PricesPage() {
  const { prices, loadError, save, remove } = usePrices()
  const [form, setForm] = useState<PriceForm>(EMPTY_FORM)
  const [problem, setProblem] = useState<string | null>(null)
  const [saving, setSaving] = useState(false)
  const [notice, setNotice] = useState<string | null>(null)

  const submit = (event: FormEvent) => {
    event.preventDefault()
    const parsed = parseForm(form)
    if (typeof parsed === 'string') {
      setProblem(parsed)
      return
    }
    setProblem(null)
    setSaving(true)
    save(parsed).then(
      () => {
        setSaving(false)
        setNotice(
          `Saved the price for ${parsed.provider} / ${parsed.model}. Stored runs are being repriced.`,
        )
        setForm(EMPTY_FORM)
      },
      (error: unknown) => {
        setSaving(false)
        setProblem(errorMessage(error))
      },
    )
  }

  const onDelete = (override: PriceOverride) => {
    setNotice(null)
    remove(override.provider, override.model).then(
      () =>
        setNotice(
          `Deleted the price for ${override.provider} / ${override.model}. Stored runs are being repriced.`,
        ),
      (error: unknown) => setProblem(errorMessage(error)),
    )
  }

  const field = (name: keyof PriceForm) => ({
    value: form[name],
    onChange: (event: { target: { value: string } }) =>
      setForm((old) => ({ ...old, [name]: event.target.value })),
  })

  return (
    <main className="page prices-page" data-testid="prices-page">
      <h1>Prices</h1>
      <p className="muted">
        Loupe prices model calls with{' '}
        {prices !== null ? <code>{prices.priceData}</code> : 'its bundled price data'}, offline. A
        price here replaces it for one model (and one provider, or any with <code>*</code>), for
        every stored and future run. Prices are in US dollars per million tokens.
      </p>
      {loadError !== null && <ErrorNotice title="Could not load the prices" message={loadError} />}

      <h2>Your prices</h2>
      {prices === null ? (
        <p className="muted">{loadError === null ? 'Loading…' : ''}</p>
      ) : prices.overrides.length === 0 ? (
        <p className="muted">None yet: every cost comes from the SDK or the bundled price data.</p>
      ) : (
        <table className="prices-table" data-testid="price-overrides">
          <thead>
            <tr>
              <th scope="col">Provider</th>
              <th scope="col">Model</th>
              <th scope="col" className="number">
                Input
              </th>
              <th scope="col" className="number">
                Output
              </th>
              <th scope="col" className="number">
                Cache read
              </th>
              <th scope="col" className="number">
                Cache write
              </th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {prices.overrides.map((override) => (
              <tr key={`${override.provider}\n${override.model}`} data-testid="price-override">
                <td>
                  <code>{override.provider}</code>
                </td>
                <td>
                  <code>{override.model}</code>
                </td>
                <td className="number">{formatPrice(override.inputPerMTok)}</td>
                <td className="number">{formatPrice(override.outputPerMTok)}</td>
                <td className="number">{formatPrice(override.cacheReadPerMTok)}</td>
                <td className="number">{formatPrice(override.cacheWritePerMTok)}</td>
                <td className="actions">
                  <button type="button" onClick={() => setForm(toForm(override))}>
                    Edit
                  </button>
                  <button type="button" onClick={() => onDelete(override)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {notice !== null && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}

      <h2>Add or update a price</h2>
      <form className="price-form" onSubmit={submit} aria-label="Price override">
        <label>
          Provider
          <input {...field('provider')} spellCheck={false} placeholder="openai, anthropic or *" />
        </label>
        <label>
          Model
          <input {...field('model')} spellCheck={false} placeholder="e.g. gpt-4o-2024-08-06" />
        </label>
        <label>
          Input $/MTok
          <input {...field('inputPerMTok')} inputMode="decimal" />
        </label>
        <label>
          Output $/MTok
          <input {...field('outputPerMTok')} inputMode="decimal" />
        </label>
        <label>
          Cache read $/MTok
          <input {...field('cacheReadPerMTok')} inputMode="decimal" placeholder="input price" />
        </label>
        <label>
          Cache write $/MTok
          <input {...field('cacheWritePerMTok')} inputMode="decimal" placeholder="input price" />
        </label>
        <div className="price-form-actions">
          <button type="submit" className="primary" disabled={saving}>
            {saving ? 'Saving…' : 'Save price'}
          </button>
          {problem !== null && (
            <span className="field-problem" role="alert">
              {problem}
            </span>
          )}
        </div>
      </form>
      <p className="muted">
        The model must match the model name on the spans (the response model when the SDK records
        one), ignoring case. Cache prices left empty charge cached tokens at the input price.
      </p>
    </main>
  )
}

function formatPrice(perMTok: number | null): string {
  return perMTok === null ? '—' : `$${perMTok}`
}
