// An asset's page: its definition, latest materialization and observation with their
// metadata, checks with their history, plots of numeric metadata, the events timeline,
// the lineage neighbourhood, recent runs; Materialize for launchable assets, Report event
// for external ones. Everything refreshes when assetUpdated reports a change.
import { useCallback, useState } from 'react'
import { MetadataList, AssetLink, RunLink } from '../components/Metadata.tsx'
import { Empty, ErrorBox, Loading } from '../components/States.tsx'
import { HealthDot, StatusBadge } from '../components/Status.tsx'
import { Time } from '../components/Time.tsx'
import { assetKeyString, formatDuration } from '../format.ts'
import { graphql } from '../gql'
import type { EventFieldsFragment } from '../gql/graphql.ts'
import { effectiveFreshness, HEALTH_LABEL, healthOf } from '../health.ts'
import { useLive } from '../live.ts'
import { focusSelection } from '../graph/model.ts'
import { Link, navigate } from '../router.tsx'
import { hrefFor, withQuery } from '../routes.ts'
import { useMutation, useQuery } from '../useQuery.ts'
// Markdown metadata is common here: load its renderer with the page.
import '../components/Markdown.tsx'
import { ReportEventDialog } from './asset/ReportEventDialog.tsx'
import { AssetLineage, AssetPlots, AssetTimeline, CheckHistory } from './asset/sections.tsx'

export const AssetPageQuery = graphql(`
  query AssetPage($key: AssetKeyInput!) {
    asset(key: $key) {
      key {
        path
        string
      }
      declared
      definition {
        description
        group
        owners
        tags {
          key
          value
        }
        kinds
        codeVersion
        metadata {
          key
          type
          value
        }
        deps {
          path
          string
        }
        freshness {
          maxLag
          cron
        }
        location
        launchable
        pipes {
          command
          cwd
          timeoutSeconds
        }
      }
      latestMaterialization {
        ...EventFields
      }
      latestObservation {
        ...EventFields
      }
      latestFailure {
        ...EventFields
      }
      checkStatus
      freshness {
        status
        deadline
      }
      checks {
        name
        status
        spec {
          description
          blocking
          severity
        }
        latestEvaluation {
          storageId
          timestamp
          partition
        }
      }
      upstream {
        key {
          path
          string
        }
      }
      downstream {
        key {
          path
          string
        }
      }
      partitions(first: 30) {
        partition
      }
      runs(first: 5) {
        nodes {
          id
          status
          partition
          createdAt
          startedAt
          endedAt
        }
      }
      updatedAt
    }
  }
`)

export const AssetUpdatedSubscription = graphql(`
  subscription AssetPageUpdated($selection: String!) {
    assetUpdated(selection: $selection) {
      updatedAt
    }
  }
`)

export const LaunchRunMutation = graphql(`
  mutation LaunchRun($assetKeys: [AssetKeyInput!]!, $partition: String) {
    launchRun(assetKeys: $assetKeys, partition: $partition) {
      id
      status
    }
  }
`)

function LatestEvent({ title, event, testId }: { title: string; event: EventFieldsFragment | null | undefined; testId: string }) {
  return (
    <section className="panel" aria-labelledby={`${testId}-title`} data-testid={testId}>
      <h2 id={`${testId}-title`}>{title}</h2>
      {!event ? (
        <p className="muted">None yet.</p>
      ) : (
        <>
          <dl className="facts">
            <div>
              <dt>When</dt>
              <dd>
                <Time value={event.timestamp} mode="both" />
              </dd>
            </div>
            {event.runId && (
              <div>
                <dt>Run</dt>
                <dd>
                  <RunLink id={event.runId} />
                </dd>
              </div>
            )}
            {event.partition && (
              <div>
                <dt>Partition</dt>
                <dd className="mono">{event.partition}</dd>
              </div>
            )}
            {event.dataVersion && (
              <div>
                <dt>Data version</dt>
                <dd className="mono">{event.dataVersion}</dd>
              </div>
            )}
            {(event.description || event.message) && (
              <div>
                <dt>Description</dt>
                <dd>{event.description ?? event.message}</dd>
              </div>
            )}
          </dl>
          <MetadataList entries={event.metadata} testId={`${testId}-metadata`} />
        </>
      )}
    </section>
  )
}

export function AssetPage({ keyPath }: { keyPath: string[] }) {
  const keyString = assetKeyString(keyPath)
  const result = useQuery(AssetPageQuery, { key: { path: keyPath } }, { keepPrevious: true })
  const { refetch } = result
  // Each change of the asset bumps version; the sections refetch on it.
  const [version, setVersion] = useState(0)
  const onChange = useCallback(() => {
    refetch()
    setVersion((v) => v + 1)
  }, [refetch])
  useLive(AssetUpdatedSubscription, { selection: focusSelection(keyString, 0) }, onChange, { onResync: onChange })

  const [reportOpen, setReportOpen] = useState(false)
  const [notice, setNotice] = useState<string | null>(null)
  const [openChecks, setOpenChecks] = useState<ReadonlySet<string>>(new Set())
  const [partition, setPartition] = useState('')
  const [launch, launchState] = useMutation(LaunchRunMutation)

  const a = result.data?.asset
  if (result.status === 'loading') return <Loading>Loading {keyString}…</Loading>
  const header = (
    <p className="breadcrumb muted">
      <Link href={hrefFor({ name: 'catalog' })}>Catalog</Link> /
    </p>
  )
  if (result.status === 'error' && !a) {
    return (
      <section aria-labelledby="page-title">
        {header}
        <h1 id="page-title" className="asset-key">
          {keyString}
        </h1>
        <ErrorBox title="Could not load the asset." error={result.error} />
      </section>
    )
  }
  if (!a) {
    return (
      <section aria-labelledby="page-title">
        {header}
        <h1 id="page-title" className="asset-key">
          {keyString}
        </h1>
        <Empty title="No such asset." testId="asset-missing">
          <p>
            Nothing was ever declared or reported as <code>{keyString}</code>.
          </p>
        </Empty>
      </section>
    )
  }

  const d = a.definition
  const health = healthOf(a, Date.now())
  const freshness = effectiveFreshness(a.freshness, Date.now())
  const onLaunch = async () => {
    const data = await launch({ assetKeys: [{ path: keyPath }], partition: partition.trim() || null })
    if (data) navigate(hrefFor({ name: 'run', id: data.launchRun.id }))
  }

  return (
    <section aria-labelledby="page-title" className="asset-page" data-testid="asset-page">
      {header}
      <div className="page-header">
        <div>
          <h1 id="page-title" className="asset-key">
            {a.key.string}
          </h1>
          <p className="status-line" data-testid="asset-status" data-health={health}>
            <HealthDot health={health} /> {HEALTH_LABEL[health]}
            <span className="sep" />
            Checks <StatusBadge status={a.checkStatus} />
            <span className="sep" />
            Freshness{' '}
            <StatusBadge
              status={freshness}
              title={a.freshness.deadline ? `${freshness === 'FRESH' ? 'Stale' : 'Due'} since/at ${a.freshness.deadline}` : undefined}
            />
            {a.freshness.deadline && (
              <span className="muted small">
                {' '}
                ({freshness === 'FRESH' ? 'stale ' : 'due '}
                <Time value={a.freshness.deadline} />)
              </span>
            )}
            {!a.declared && <span className="badge badge-muted">undeclared</span>}
          </p>
        </div>
        <div className="actions">
          <Link href={withQuery('/', { focus: a.key.string })} className="button">
            View in graph
          </Link>
          {d?.launchable ? (
            <>
              {a.partitions.length > 0 && (
                <>
                  <input
                    aria-label="Partition to materialize"
                    list="asset-partitions"
                    placeholder="Partition"
                    value={partition}
                    onChange={(e) => setPartition(e.target.value)}
                    className="narrow"
                  />
                  <datalist id="asset-partitions">
                    {a.partitions.map((p) => (
                      <option key={p.partition} value={p.partition} />
                    ))}
                  </datalist>
                </>
              )}
              <button type="button" className="primary" onClick={onLaunch} disabled={launchState.status === 'running'}>
                {launchState.status === 'running' ? 'Launching…' : 'Materialize'}
              </button>
            </>
          ) : (
            <button type="button" onClick={() => setReportOpen(true)}>
              Report event
            </button>
          )}
        </div>
      </div>
      {launchState.status === 'error' && <ErrorBox title="Could not launch a run." error={launchState.error} />}
      {result.status === 'error' && <ErrorBox title="Could not refresh the asset." error={result.error} />}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}

      <div className="grid-2">
        <section className="panel" aria-labelledby="definition-title">
          <h2 id="definition-title">Definition</h2>
          {!d ? (
            <p className="muted">Reported on, never declared: there is no definition.</p>
          ) : (
            <>
              {d.description && <p className="description">{d.description}</p>}
              <dl className="facts">
                <div>
                  <dt>Group</dt>
                  <dd>{d.group ? <Link href={withQuery('/catalog', { group: d.group })} className="badge">{d.group}</Link> : '—'}</dd>
                </div>
                <div>
                  <dt>Owners</dt>
                  <dd>{d.owners.length ? d.owners.join(', ') : '—'}</dd>
                </div>
                <div>
                  <dt>Kinds</dt>
                  <dd>{d.kinds.length ? d.kinds.map((k) => <span key={k} className="badge badge-muted">{k}</span>) : '—'}</dd>
                </div>
                <div>
                  <dt>Tags</dt>
                  <dd>
                    {d.tags.length
                      ? d.tags.map((t) => (
                          <span key={t.key} className="badge badge-muted mono">
                            {t.key}={t.value}
                          </span>
                        ))
                      : '—'}
                  </dd>
                </div>
                <div>
                  <dt>Code version</dt>
                  <dd className="mono">{d.codeVersion ?? '—'}</dd>
                </div>
                <div>
                  <dt>Location</dt>
                  <dd className="mono">{d.location}</dd>
                </div>
                <div>
                  <dt>Freshness policy</dt>
                  <dd>{d.freshness ? `at most ${d.freshness.maxLag} old${d.freshness.cron ? ` as of ${d.freshness.cron}` : ''}` : '—'}</dd>
                </div>
                {d.pipes && (
                  <div>
                    <dt>Command</dt>
                    <dd className="mono small">
                      {d.pipes.command.join(' ')}
                      {d.pipes.timeoutSeconds ? ` (timeout ${formatDuration(d.pipes.timeoutSeconds * 1000)})` : ''}
                    </dd>
                  </div>
                )}
                <div>
                  <dt>Depends on</dt>
                  <dd>
                    {d.deps.length === 0 ? (
                      '—'
                    ) : (
                      <ul className="plain">
                        {d.deps.map((k) => (
                          <li key={k.string}>
                            <AssetLink path={k.path} keyString={k.string} />
                          </li>
                        ))}
                      </ul>
                    )}
                  </dd>
                </div>
                <div>
                  <dt>Used by</dt>
                  <dd>
                    {a.downstream.length === 0 ? (
                      '—'
                    ) : (
                      <ul className="plain">
                        {a.downstream.map((x) => (
                          <li key={x.key.string}>
                            <AssetLink path={x.key.path} keyString={x.key.string} />
                          </li>
                        ))}
                      </ul>
                    )}
                  </dd>
                </div>
              </dl>
              {d.metadata.length > 0 && (
                <>
                  <h3>Metadata</h3>
                  <MetadataList entries={d.metadata} testId="definition-metadata" />
                </>
              )}
            </>
          )}
        </section>
        <div className="stack">
          <LatestEvent title="Latest materialization" event={a.latestMaterialization} testId="latest-materialization" />
          {a.latestFailure && <LatestEvent title="Latest failure" event={a.latestFailure} testId="latest-failure" />}
          {a.latestObservation && <LatestEvent title="Latest observation" event={a.latestObservation} testId="latest-observation" />}
        </div>
      </div>

      <AssetPlots keyPath={keyPath} version={version} />

      <section className="panel" aria-labelledby="checks-title">
        <h2 id="checks-title">Checks</h2>
        {a.checks.length === 0 ? (
          <p className="muted">No checks.</p>
        ) : (
          <table className="data-table" data-testid="checks">
            <thead>
              <tr>
                <th scope="col">Check</th>
                <th scope="col">Status</th>
                <th scope="col">Last evaluated</th>
                <th scope="col">
                  <span className="visually-hidden">History</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {a.checks.map((c) => {
                const open = openChecks.has(c.name)
                return [
                  <tr key={c.name} data-check={c.name}>
                    <td>
                      <span className="mono">{c.name}</span>
                      {c.spec?.blocking && <span className="badge badge-muted">blocking</span>}
                      {c.spec?.description && <div className="muted small">{c.spec.description}</div>}
                    </td>
                    <td>
                      <StatusBadge status={c.status} />
                    </td>
                    <td className="nowrap">{c.latestEvaluation ? <Time value={c.latestEvaluation.timestamp} /> : <span className="muted">never</span>}</td>
                    <td className="right">
                      <button
                        type="button"
                        className="link-button"
                        aria-expanded={open}
                        onClick={() => {
                          const n = new Set(openChecks)
                          if (!n.delete(c.name)) n.add(c.name)
                          setOpenChecks(n)
                        }}
                      >
                        {open ? 'Hide history' : 'History'}
                      </button>
                    </td>
                  </tr>,
                  open && (
                    <tr key={c.name + ':history'}>
                      <td colSpan={4}>
                        <CheckHistory keyPath={keyPath} name={c.name} version={version} />
                      </td>
                    </tr>
                  ),
                ]
              })}
            </tbody>
          </table>
        )}
      </section>

      <AssetTimeline keyPath={keyPath} version={version} />
      <AssetLineage keyPath={keyPath} keyString={a.key.string} version={version} />

      <section className="panel" aria-labelledby="runs-title">
        <div className="panel-header">
          <h2 id="runs-title">Recent runs</h2>
        </div>
        {a.runs.nodes.length === 0 ? (
          <p className="muted">{d?.launchable ? 'Never launched from Plumbline.' : 'External: runs happen elsewhere and report here.'}</p>
        ) : (
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Status</th>
                <th scope="col">Partition</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {a.runs.nodes.map((r) => (
                <tr key={r.id}>
                  <td>
                    <RunLink id={r.id} />
                  </td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td className="mono">{r.partition ?? '—'}</td>
                  <td>
                    <Time value={r.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <ReportEventDialog
        keyPath={keyPath}
        checkNames={a.checks.map((c) => c.name)}
        open={reportOpen}
        onClose={() => setReportOpen(false)}
        onReported={(id) => setNotice(`Reported (storage id ${id}).`)}
      />
    </section>
  )
}
