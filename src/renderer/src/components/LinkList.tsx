import type { SpanLinkJson } from '../../../shared/api'
import { useLinkTarget } from '../hooks/use-link-target'
import { traceHash } from '../route'
import type { SpanTree } from '../tree/build-tree'
import { AttributeTable } from './AttributeTable'
import { DroppedCount } from './DroppedCount'

/** Lists the span's links, each with its target and whether Loupe has stored that target. */
export function LinkList({
  links,
  traceId,
  tree,
}: {
  links: SpanLinkJson[]
  traceId: string
  tree: SpanTree
}) {
  return (
    <ul className="link-list">
      {links.map((link, index) => (
        <LinkItem key={index} link={link} traceId={traceId} tree={tree} />
      ))}
    </ul>
  )
}

function LinkItem({
  link,
  traceId,
  tree,
}: {
  link: SpanLinkJson
  traceId: string
  tree: SpanTree
}) {
  const target = useLinkTarget(link.traceId, link.spanId, traceId, tree)
  const sameTrace = link.traceId === traceId
  return (
    <li className="link-item" data-testid="span-link">
      <a href={traceHash(link.traceId, link.spanId)}>
        {sameTrace ? (
          'this trace'
        ) : (
          <>
            trace <code>{link.traceId}</code>
          </>
        )}
        , span <code>{link.spanId}</code>
      </a>{' '}
      {target.state === 'checking' && <span className="muted">checking…</span>}
      {target.state === 'found' && <span className="link-target">{target.name}</span>}
      {target.state === 'trace-not-found' && (
        <span className="badge warn" data-testid="link-unresolved">
          trace not found
        </span>
      )}
      {target.state === 'span-not-found' && (
        <span className="badge warn" data-testid="link-unresolved">
          span not found
        </span>
      )}
      {target.state === 'failed' && <span className="badge warn">{target.message}</span>}
      {link.traceState !== '' && (
        <div className="muted">
          trace state <code>{link.traceState}</code>
        </div>
      )}
      {Object.keys(link.attributes).length > 0 && <AttributeTable attributes={link.attributes} />}
      <DroppedCount count={link.droppedAttributesCount} noun="attribute" />
    </li>
  )
}
