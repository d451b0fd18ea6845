import { useCopyToClipboard } from '../hooks/use-copy-to-clipboard'

const LABELS = { idle: 'Copy', copied: 'Copied', failed: 'Copy failed: select and press Ctrl+C' }

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const { state, copy } = useCopyToClipboard()
  return (
    <button
      type="button"
      className={`copy-button copy-${state}`}
      onClick={() => copy(text)}
      title={`Copy ${text.length > 80 ? 'to clipboard' : text}`}
    >
      {state === 'idle' ? label : LABELS[state]}
    </button>
  )
}
