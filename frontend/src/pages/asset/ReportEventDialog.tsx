// The Report event dialog of an external asset: a materialization, an observation or a
// check evaluation, with metadata as a JSON object, sent with reportEvents.
import { useEffect, useRef, useState, type FormEvent } from 'react'
import { graphql } from '../../gql'
import { useMutation } from '../../useQuery.ts'

export const ReportEventsMutation = graphql(`
  mutation ReportEvents($events: [EventInput!]!) {
    reportEvents(events: $events) {
      storageIds
    }
  }
`)

export const REPORTABLE_TYPES = [
  { type: 'ASSET_MATERIALIZATION', label: 'Materialization' },
  { type: 'ASSET_OBSERVATION', label: 'Observation' },
  { type: 'ASSET_CHECK_EVALUATION', label: 'Check evaluation' },
] as const

/** parseMetadata reads the metadata field: empty, or a JSON object. */
export function parseMetadata(text: string): { ok: true; value: Record<string, unknown> | null } | { ok: false; error: string } {
  const t = text.trim()
  if (t === '') return { ok: true, value: null }
  let v: unknown
  try {
    v = JSON.parse(t)
  } catch (err) {
    return { ok: false, error: `Metadata is not valid JSON: ${err instanceof Error ? err.message : String(err)}` }
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, error: 'Metadata must be a JSON object, e.g. {"rows": 1200}' }
  return { ok: true, value: v as Record<string, unknown> }
}

export function ReportEventDialog({
  keyPath,
  checkNames,
  open,
  onClose,
  onReported,
}: {
  keyPath: string[]
  checkNames: string[]
  open: boolean
  onClose: () => void
  onReported: (storageId: string) => void
}) {
  const ref = useRef<HTMLDialogElement>(null)
  const [type, setType] = useState<string>('ASSET_MATERIALIZATION')
  const [partition, setPartition] = useState('')
  const [dataVersion, setDataVersion] = useState('')
  const [description, setDescription] = useState('')
  const [checkName, setCheckName] = useState(checkNames[0] ?? '')
  const [passed, setPassed] = useState(true)
  const [severity, setSeverity] = useState('ERROR')
  const [metadata, setMetadata] = useState('')
  const [invalid, setInvalid] = useState<string | null>(null)
  const [report, state, reset] = useMutation(ReportEventsMutation)

  useEffect(() => {
    const d = ref.current
    if (!d) return
    if (open && !d.open) {
      reset()
      setInvalid(null)
      d.showModal()
    } else if (!open && d.open) d.close()
  }, [open, reset])

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    const md = parseMetadata(metadata)
    if (!md.ok) {
      setInvalid(md.error)
      return
    }
    if (type === 'ASSET_CHECK_EVALUATION' && checkName.trim() === '') {
      setInvalid('A check evaluation needs the name of the check.')
      return
    }
    setInvalid(null)
    const event = {
      type,
      assetKey: { path: keyPath },
      partition: partition.trim() || null,
      description: description.trim() || null,
      metadata: md.value,
      ...(type === 'ASSET_CHECK_EVALUATION'
        ? { checkName: checkName.trim(), passed, severity }
        : { dataVersion: dataVersion.trim() || null }),
    }
    const data = await report({ events: [event] })
    if (data) {
      onReported(data.reportEvents.storageIds[0] ?? '')
      setMetadata('')
      setDescription('')
      onClose()
    }
  }

  const isCheck = type === 'ASSET_CHECK_EVALUATION'
  return (
    <dialog ref={ref} className="dialog" aria-labelledby="report-title" onClose={onClose} onCancel={onClose} data-testid="report-dialog">
      <form onSubmit={submit} className="form">
        <h2 id="report-title">Report an event</h2>
        <label>
          Type
          <select value={type} onChange={(e) => setType(e.target.value)}>
            {REPORTABLE_TYPES.map((t) => (
              <option key={t.type} value={t.type}>
                {t.label}
              </option>
            ))}
          </select>
        </label>
        {isCheck ? (
          <>
            <label>
              Check
              <input list="report-checks" value={checkName} onChange={(e) => setCheckName(e.target.value)} required />
              <datalist id="report-checks">
                {checkNames.map((c) => (
                  <option key={c} value={c} />
                ))}
              </datalist>
            </label>
            <label className="inline">
              <input type="checkbox" checked={passed} onChange={(e) => setPassed(e.target.checked)} /> Passed
            </label>
            <label>
              Severity
              <select value={severity} onChange={(e) => setSeverity(e.target.value)}>
                <option value="ERROR">ERROR</option>
                <option value="WARN">WARN</option>
              </select>
            </label>
          </>
        ) : (
          <label>
            Data version
            <input value={dataVersion} onChange={(e) => setDataVersion(e.target.value)} placeholder="optional" />
          </label>
        )}
        <label>
          Partition
          <input value={partition} onChange={(e) => setPartition(e.target.value)} placeholder="optional" />
        </label>
        <label>
          Description
          <input value={description} onChange={(e) => setDescription(e.target.value)} placeholder="optional" />
        </label>
        <label>
          Metadata (a JSON object)
          <textarea
            value={metadata}
            onChange={(e) => setMetadata(e.target.value)}
            rows={4}
            spellCheck={false}
            placeholder={'{"rows": 1200, "dashboard": {"raw_value": "https://…", "type": "url"}}'}
            className="mono"
          />
        </label>
        {(invalid || state.status === 'error') && (
          <div role="alert" className="error">
            {invalid ?? (state.status === 'error' ? state.error.message : '')}
          </div>
        )}
        <div className="form-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={state.status === 'running'}>
            {state.status === 'running' ? 'Reporting…' : 'Report'}
          </button>
        </div>
      </form>
    </dialog>
  )
}
