import { useCallback, type KeyboardEvent } from 'react'
import type { VisibleRow } from '../tree/build-tree'

export interface TreeKeyboardOptions {
  rows: VisibleRow[]
  selectedIndex: number
  /** Number of rows that fit in the viewport, for Page Up and Page Down. */
  pageSize: number
  select: (index: number) => void
  setExpanded: (key: string, expanded: boolean) => void
  openDetail: () => void
}

/**
 * Returns the keydown handler of the span tree, following the WAI-ARIA tree
 * pattern: Up/Down move, Right expands or enters the first child, Left
 * collapses or goes to the parent, Home/End jump, Enter opens the detail.
 */
export function useTreeKeyboard(options: TreeKeyboardOptions): (event: KeyboardEvent) => void {
  const { rows, selectedIndex, pageSize, select, setExpanded, openDetail } = options

  return useCallback(
    (event: KeyboardEvent) => {
      if (rows.length === 0) return
      const last = rows.length - 1
      const current = Math.min(Math.max(selectedIndex, 0), last)
      const row = rows[current]!
      const move = (index: number) => select(Math.min(Math.max(index, 0), last))

      switch (event.key) {
        case 'ArrowDown':
          move(selectedIndex < 0 ? 0 : current + 1)
          break
        case 'ArrowUp':
          move(selectedIndex < 0 ? 0 : current - 1)
          break
        case 'PageDown':
          move(current + pageSize)
          break
        case 'PageUp':
          move(current - pageSize)
          break
        case 'Home':
          move(0)
          break
        case 'End':
          move(last)
          break
        case 'ArrowRight':
          if (row.hasChildren && !row.expanded) setExpanded(row.node.key, true)
          else if (row.hasChildren) move(current + 1)
          break
        case 'ArrowLeft':
          if (row.hasChildren && row.expanded) setExpanded(row.node.key, false)
          else move(findParentRow(rows, current))
          break
        case 'Enter':
          if (selectedIndex < 0) move(0)
          openDetail()
          break
        default:
          return
      }
      event.preventDefault()
    },
    [rows, selectedIndex, pageSize, select, setExpanded, openDetail],
  )
}

/** Returns the index of the row's parent, searching upwards for the first row one level up. */
function findParentRow(rows: VisibleRow[], index: number): number {
  const parent = rows[index]!.node.parent
  if (parent === null) return index
  for (let i = index - 1; i >= 0; i--) {
    if (rows[i]!.node === parent) return i
  }
  return index
}
