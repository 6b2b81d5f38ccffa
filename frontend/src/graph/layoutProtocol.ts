// Messages between the page and the layout worker.
import type { LayoutEdge, LayoutNode, LayoutOptions, LayoutResult } from './layout.ts'

export const LAYOUT_REQUEST = 'plumbline:layout'
export const LAYOUT_RESULT = 'plumbline:layout-result'

export interface LayoutRequest {
  type: typeof LAYOUT_REQUEST
  id: number
  nodes: LayoutNode[]
  edges: LayoutEdge[]
  options: Partial<LayoutOptions>
}

export type LayoutResponse =
  | { type: typeof LAYOUT_RESULT; id: number; result: LayoutResult; ms: number }
  | { type: typeof LAYOUT_RESULT; id: number; error: string }
