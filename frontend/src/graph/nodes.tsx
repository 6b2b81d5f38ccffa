// The asset graph's custom React Flow nodes: an asset (full, or simplified when zoomed out),
// a collapsed group, and the box behind an expanded group's members. Memoized; React Flow
// re-renders one only when its node object changes (model.ts keeps unchanged ones).
import { Handle, Position, type NodeProps } from '@xyflow/react'
import { createContext, memo, useContext } from 'react'
import { Time } from '../components/Time.tsx'
import { graphql } from '../gql'
import { effectiveFreshness, HEALTH_LABEL, statusLabel } from '../health.ts'
import { Link } from '../router.tsx'
import { hrefFor } from '../routes.ts'
import { worstHealth, type AssetFlowNode, type GroupFlowNode } from './model.ts'

/** The fields of an asset the graph draws; live updates carry the same. */
export const GraphAssetFragment = graphql(`
  fragment GraphAsset on Asset {
    key {
      path
      string
    }
    declared
    definition {
      group
      kinds
      launchable
    }
    latestMaterialization {
      timestamp
    }
    latestObservation {
      timestamp
    }
    latestFailure {
      timestamp
    }
    checkStatus
    freshness {
      status
      deadline
    }
    updatedAt
  }
`)

/** What the graph's nodes need from around them. */
export interface GraphContextValue {
  /** Zoomed out: draw simplified nodes. */
  simple: boolean
  onFocus: (key: string) => void
  onToggleGroup: (group: string) => void
}

export const GraphContext = createContext<GraphContextValue>({ simple: false, onFocus: () => {}, onToggleGroup: () => {} })

const hidden = { opacity: 0 }

/** The last part of a key, for the simplified node. */
function shortName(path: readonly string[]): string {
  return path[path.length - 1] ?? ''
}

export const AssetNode = memo(function AssetNode({ data }: NodeProps<AssetFlowNode>) {
  const { simple, onFocus } = useContext(GraphContext)
  const { asset, health, focused } = data
  const href = hrefFor({ name: 'asset', keyPath: asset.key.path })
  const last = asset.latestMaterialization ?? asset.latestObservation
  const freshness = effectiveFreshness(asset.freshness, Date.now())
  return (
    <div
      className={`asset-node health-${health}${focused ? ' focused' : ''}${simple ? ' simple' : ''}`}
      data-testid="asset-node"
      data-key={asset.key.string}
      data-health={health}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} style={hidden} />
      {simple ? (
        <Link href={href} className="asset-node-simple" title={`${asset.key.string}: ${HEALTH_LABEL[health]}`}>
          {shortName(asset.key.path)}
        </Link>
      ) : (
        <>
          <div className="asset-node-head">
            <Link href={href} className="asset-node-key" title={asset.key.string}>
              {asset.key.string}
            </Link>
            <button
              type="button"
              className="asset-node-focus nodrag"
              aria-label={`Focus on ${asset.key.string}`}
              title="Focus: show its neighbourhood"
              onClick={() => onFocus(asset.key.string)}
            >
              ⌖
            </button>
          </div>
          <div className="asset-node-kinds">
            {asset.definition ? asset.definition.kinds.join(' · ') || '\u00a0' : 'undeclared'}
          </div>
          <div className="asset-node-row">
            <span className="asset-node-health">{HEALTH_LABEL[health]}</span>
            <span className="asset-node-time">{last ? <Time value={last.timestamp} /> : '—'}</span>
          </div>
          <div className="asset-node-row small">
            <span className={`pill pill-${asset.checkStatus}`} title="Checks">
              {asset.checkStatus === 'NOT_EVALUATED' ? 'no checks run' : `checks ${statusLabel(asset.checkStatus).toLowerCase()}`}
            </span>
            {freshness !== 'UNKNOWN' && (
              <span className={`pill pill-${freshness}`} title="Freshness">
                {freshness.toLowerCase()}
              </span>
            )}
          </div>
        </>
      )}
      <Handle type="source" position={Position.Right} isConnectable={false} style={hidden} />
    </div>
  )
})

function Counts({ data }: { data: GroupFlowNode['data'] }) {
  const h = data.health
  return (
    <span className="group-counts">
      {h.failed > 0 && <span className="count-failed">{h.failed} failed</span>}
      {h.warning > 0 && <span className="count-warning">{h.warning} warning</span>}
      <span className="muted">
        {data.count} asset{data.count === 1 ? '' : 's'}
      </span>
    </span>
  )
}

export const GroupNode = memo(function GroupNode({ data }: NodeProps<GroupFlowNode>) {
  const { onToggleGroup } = useContext(GraphContext)
  const health = worstHealth(data.health)
  return (
    <div className={`group-node health-${health}`} data-testid="group-node" data-group={data.group} data-health={health}>
      <Handle type="target" position={Position.Left} isConnectable={false} style={hidden} />
      <div className="group-node-title">
        <span className="group-name">{data.group}</span>
        <button type="button" className="group-toggle nodrag" onClick={() => onToggleGroup(data.group)} aria-label={`Expand group ${data.group}`}>
          Expand
        </button>
      </div>
      <Counts data={data} />
      <Handle type="source" position={Position.Right} isConnectable={false} style={hidden} />
    </div>
  )
})

export const GroupBox = memo(function GroupBox({ data }: NodeProps<GroupFlowNode>) {
  const { onToggleGroup, simple } = useContext(GraphContext)
  return (
    <div className="group-box" data-testid="group-box" data-group={data.group}>
      <div className="group-box-title">
        <span className="group-name">{data.group}</span>
        {!simple && <Counts data={data} />}
        <button type="button" className="group-toggle nodrag" onClick={() => onToggleGroup(data.group)} aria-label={`Collapse group ${data.group}`}>
          Collapse
        </button>
      </div>
    </div>
  )
})

/** nodeTypes, at module scope so React Flow never sees a new object. */
export const nodeTypes = { asset: AssetNode, group: GroupNode, groupBox: GroupBox }
