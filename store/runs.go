package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/plumbline/plumbline"
)

var _ plumbline.RunStore = (*Store)(nil)

// runRow is a row of runs.
type runRow struct {
	ID          string  `gorm:"column:id;primaryKey"`
	Seq         int64   `gorm:"column:seq"`
	Status      string  `gorm:"column:status"`
	AssetKeys   string  `gorm:"column:asset_keys"`
	Partition   *string `gorm:"column:partition"`
	Tags        *string `gorm:"column:tags"`
	LaunchedBy  *string `gorm:"column:launched_by"`
	Launch      string  `gorm:"column:launch"`
	CreatedAt   int64   `gorm:"column:created_at"`
	StartedAt   *int64  `gorm:"column:started_at"`
	EndedAt     *int64  `gorm:"column:ended_at"`
	Worker      *string `gorm:"column:worker"`
	HeartbeatAt *int64  `gorm:"column:heartbeat_at"`
	PID         *int64  `gorm:"column:pid"`
	ExitCode    *int    `gorm:"column:exit_code"`
	Message     *string `gorm:"column:message"`
}

func (runRow) TableName() string { return "runs" }

func (r *runRow) run() *plumbline.Run {
	run := &plumbline.Run{
		ID:         r.ID,
		Seq:        r.Seq,
		Status:     plumbline.RunStatus(r.Status),
		Partition:  deref(r.Partition),
		LaunchedBy: deref(r.LaunchedBy),
		CreatedAt:  fromMicros(r.CreatedAt),
		Worker:     deref(r.Worker),
		PID:        int(derefInt(r.PID)),
		ExitCode:   r.ExitCode,
		Message:    deref(r.Message),
	}
	if r.StartedAt != nil {
		run.StartedAt = fromMicros(*r.StartedAt)
	}
	if r.EndedAt != nil {
		run.EndedAt = fromMicros(*r.EndedAt)
	}
	var keys []string
	_ = json.Unmarshal([]byte(r.AssetKeys), &keys) // written by CreateRun
	run.AssetKeys = parseKeys(keys)
	if r.Tags != nil {
		_ = json.Unmarshal([]byte(*r.Tags), &run.Tags)
	}
	_ = json.Unmarshal([]byte(r.Launch), &run.Launch)
	return run
}

func parseKeys(keys []string) []plumbline.AssetKey {
	out := make([]plumbline.AssetKey, len(keys))
	for i, k := range keys {
		out[i] = parseStoredKey(k)
	}
	return out
}

// CreateRun queues a run. See plumbline.RunStore.
func (s *Store) CreateRun(ctx context.Context, req plumbline.LaunchRequest) (*plumbline.Run, error) {
	if len(req.AssetKeys) == 0 {
		return nil, plumbline.Errorf(plumbline.EINVALID, "a run needs at least one asset to launch")
	}
	keys := make([]string, 0, len(req.AssetKeys))
	seen := map[string]bool{}
	for _, k := range req.AssetKeys {
		if err := k.Validate(); err != nil {
			return nil, err
		}
		if !seen[k.String()] {
			seen[k.String()] = true
			keys = append(keys, k.String())
		}
	}
	if err := plumbline.ValidText("partition", req.Partition, plumbline.MaxIndexedBytes); err != nil {
		return nil, err
	}
	for k, v := range req.Tags {
		if err := plumbline.ValidText("tag", k+v, plumbline.MaxIndexedBytes); err != nil {
			return nil, err
		}
	}
	var run *plumbline.Run
	_, err := s.write(ctx, nil, func(tx *gorm.DB, now time.Time) ([]plumbline.Event, error) {
		launch, err := s.launchSpec(tx, keys)
		if err != nil {
			return nil, err
		}
		var seq int64
		if err := tx.Raw("SELECT COALESCE(MAX(seq), 0) + 1 FROM runs").Scan(&seq).Error; err != nil {
			return nil, err
		}
		keysJSON, _ := marshal(keys)
		launchJSON, _ := marshal(launch)
		row := runRow{
			ID: uuid.NewString(), Seq: seq, Status: string(plumbline.StatusQueued), AssetKeys: string(keysJSON),
			Partition: nullable(req.Partition), LaunchedBy: nullable(req.LaunchedBy), Launch: string(launchJSON),
			CreatedAt: now.UnixMicro(),
		}
		if len(req.Tags) > 0 {
			b, _ := marshal(req.Tags)
			t := string(b)
			row.Tags = &t
		}
		if err := tx.Create(&row).Error; err != nil {
			return nil, err
		}
		if err := insertRows(tx, "run_assets", []string{"asset_key", "seq", "run_id"}, "", len(keys),
			func(i int) []any { return []any{keys[i], seq, row.ID} }); err != nil {
			return nil, err
		}
		run = row.run()
		msg := "run queued for " + strings.Join(keys, ", ")
		if req.Partition != "" {
			msg += " (partition " + req.Partition + ")"
		}
		if req.LaunchedBy != "" {
			msg += " by " + req.LaunchedBy
		}
		return []plumbline.Event{{Type: plumbline.RunEnqueued, RunID: row.ID, Partition: req.Partition, Message: msg}}, nil
	})
	if err != nil {
		return nil, err
	}
	return run, nil
}

// launchSpec checks that the assets can be launched together and returns what to launch.
func (s *Store) launchSpec(tx *gorm.DB, keys []string) (plumbline.LaunchSpec, error) {
	var rows []assetRow
	if len(keys) > 0 {
		a := &sqlArgs{s: s}
		rs, err := s.rawQuery(tx, "SELECT key, spec FROM assets WHERE "+a.in("key", keys), a.args...)
		if err != nil {
			return plumbline.LaunchSpec{}, err
		}
		defer rs.Close()
		for rs.Next() {
			var r assetRow
			if err := rs.Scan(&r.Key, &r.Spec); err != nil {
				return plumbline.LaunchSpec{}, err
			}
			rows = append(rows, r)
		}
		if err := rs.Err(); err != nil {
			return plumbline.LaunchSpec{}, err
		}
	}
	byKey := map[string]*assetRow{}
	for i := range rows {
		byKey[rows[i].Key] = &rows[i]
	}
	var (
		launch  plumbline.LaunchSpec
		command string
		first   string
	)
	for _, k := range keys {
		r := byKey[k]
		if r == nil {
			return launch, plumbline.Errorf(plumbline.ENOTFOUND, "asset %s does not exist", k)
		}
		if r.Spec == nil {
			return launch, plumbline.Errorf(plumbline.EINVALID, "asset %s is not declared, so it cannot be launched", k)
		}
		a, err := r.asset()
		if err != nil {
			return launch, err
		}
		if !a.Spec.Launchable() {
			return launch, plumbline.Errorf(plumbline.EINVALID, "asset %s has no pipes command: it is reported on, not launched here", k)
		}
		p := *a.Spec.Pipes
		p.ImplicitMaterialization = nil
		b, _ := marshal(p)
		switch {
		case first == "":
			first, command, launch.Pipes = k, string(b), p
		case string(b) != command:
			return launch, plumbline.Errorf(plumbline.EINVALID, "assets %s and %s have different pipes commands; launch them in separate runs", first, k)
		}
		if a.Spec.CodeVersion != "" {
			if launch.CodeVersions == nil {
				launch.CodeVersions = map[string]string{}
			}
			launch.CodeVersions[k] = a.Spec.CodeVersion
		}
		if im := a.Spec.Pipes.ImplicitMaterialization; im == nil || *im {
			launch.Implicit = append(launch.Implicit, a.Key)
		}
	}
	return launch, nil
}

// Run returns one run. See plumbline.RunStore.
func (s *Store) Run(ctx context.Context, id string) (*plumbline.Run, error) {
	var row runRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return nil, notFound(err, "run %s does not exist", id)
	}
	return row.run(), nil
}

// RunsByID returns runs in the order asked. See plumbline.RunStore.
func (s *Store) RunsByID(ctx context.Context, ids []string) ([]*plumbline.Run, error) {
	byID := map[string]*plumbline.Run{}
	if len(ids) > 0 {
		db := s.db.WithContext(ctx)
		a := &sqlArgs{s: s}
		rows, err := s.rawQuery(db, "SELECT * FROM runs WHERE "+a.in("id", ids), a.args...)
		if err != nil {
			return nil, fmt.Errorf("read runs: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var r runRow
			if err := db.ScanRows(rows, &r); err != nil {
				return nil, fmt.Errorf("read runs: %w", err)
			}
			byID[r.ID] = r.run()
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read runs: %w", err)
		}
	}
	out := make([]*plumbline.Run, len(ids))
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out, nil
}

// Runs lists runs newest first. See plumbline.RunStore.
func (s *Store) Runs(ctx context.Context, f plumbline.RunFilter, before int64, limit int) ([]*plumbline.Run, error) {
	q := s.db.WithContext(ctx).Model(&runRow{})
	if f.AssetKey != nil {
		q = q.Where("seq IN (SELECT seq FROM run_assets WHERE asset_key = ?)", f.AssetKey.String())
	}
	if len(f.Statuses) > 0 {
		sts := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			sts[i] = string(st)
		}
		q = q.Where("status IN ?", sts)
	}
	if before > 0 {
		q = q.Where("seq < ?", before)
	}
	if !f.Since.IsZero() {
		q = q.Where("created_at >= ?", f.Since.UnixMicro())
	}
	if !f.Until.IsZero() {
		q = q.Where("created_at < ?", f.Until.UnixMicro())
	}
	var rows []runRow
	if err := q.Order("seq DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	out := make([]*plumbline.Run, len(rows))
	for i := range rows {
		out[i] = rows[i].run()
	}
	return out, nil
}

var activeStatuses = []string{string(plumbline.StatusStarting), string(plumbline.StatusStarted), string(plumbline.StatusCanceling)}

// ClaimRuns moves queued runs to STARTING for a worker. See plumbline.RunStore.
func (s *Store) ClaimRuns(ctx context.Context, worker string, max, limit int) ([]*plumbline.Run, error) {
	var claimed []*plumbline.Run
	_, err := s.write(ctx, nil, func(tx *gorm.DB, now time.Time) ([]plumbline.Event, error) {
		claimed = nil
		var active int64
		if err := tx.Model(&runRow{}).Where("status IN ?", activeStatuses).Count(&active).Error; err != nil {
			return nil, err
		}
		n := min(int64(max), int64(limit)-active)
		if n <= 0 {
			return nil, nil
		}
		q := tx.Where("status = ?", string(plumbline.StatusQueued)).Order("seq").Limit(int(n))
		if s.postgres {
			// The append lock already serializes writers; SKIP LOCKED keeps a claim from
			// ever waiting on, or taking, a run another transaction holds.
			q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
		}
		var rows []runRow
		if err := q.Find(&rows).Error; err != nil {
			return nil, err
		}
		var events []plumbline.Event
		for i := range rows {
			r := &rows[i]
			ts := now.UnixMicro()
			r.Status, r.Worker, r.HeartbeatAt = string(plumbline.StatusStarting), &worker, &ts
			err := tx.Model(&runRow{}).Where("id = ? AND status = ?", r.ID, string(plumbline.StatusQueued)).
				Updates(map[string]any{"status": r.Status, "worker": worker, "heartbeat_at": ts}).Error
			if err != nil {
				return nil, err
			}
			claimed = append(claimed, r.run())
			events = append(events, plumbline.Event{Type: plumbline.RunStarting, RunID: r.ID, Partition: deref(r.Partition),
				Message: "run claimed by " + worker})
		}
		return events, nil
	})
	if err != nil {
		return nil, err
	}
	return claimed, nil
}

// Transition moves a run to a status. See plumbline.RunStore.
func (s *Store) Transition(ctx context.Context, t plumbline.RunTransition) (*plumbline.Run, error) {
	var run *plumbline.Run
	_, err := s.write(ctx, nil, func(tx *gorm.DB, now time.Time) ([]plumbline.Event, error) {
		r, err := s.transition(tx, now, t)
		if err != nil {
			return nil, err
		}
		run = r.run()
		// The status event comes last: a follower of the run's log that stops at its
		// final status has seen everything the run recorded.
		events := make([]plumbline.Event, 0, len(t.Events)+1)
		for _, e := range t.Events {
			e.RunID = r.ID
			events = append(events, e)
		}
		return append(events, statusEvent(r, t.To, t.Message)), nil
	})
	if err != nil {
		return nil, err
	}
	return run, nil
}

func statusEvent(r *runRow, to plumbline.RunStatus, msg string) plumbline.Event {
	if msg == "" {
		msg = "run " + strings.ToLower(string(to))
	}
	return plumbline.Event{Type: to.EventType(), RunID: r.ID, Partition: deref(r.Partition), Message: msg}
}

// transition updates a run row within a write transaction.
func (s *Store) transition(tx *gorm.DB, now time.Time, t plumbline.RunTransition) (*runRow, error) {
	var row runRow
	if err := tx.Where("id = ?", t.RunID).Take(&row).Error; err != nil {
		return nil, notFound(err, "run %s does not exist", t.RunID)
	}
	allowed := false
	from := make([]string, len(t.From))
	for i, st := range t.From {
		from[i] = string(st)
		allowed = allowed || string(st) == row.Status
	}
	if !allowed {
		return nil, plumbline.Errorf(plumbline.ECONFLICT, "run %s is %s; it cannot become %s", row.ID, row.Status, t.To)
	}
	ts := now.UnixMicro()
	set := map[string]any{"status": string(t.To)}
	row.Status = string(t.To)
	if t.Message != "" {
		set["message"] = t.Message
		row.Message = &t.Message
	}
	if t.To == plumbline.StatusStarted {
		set["started_at"] = ts
		row.StartedAt = &ts
	}
	if t.To.Finished() {
		set["ended_at"] = ts
		row.EndedAt = &ts
	}
	if t.PID != 0 {
		set["pid"] = t.PID
		pid := int64(t.PID)
		row.PID = &pid
	}
	if t.ExitCode != nil {
		set["exit_code"] = *t.ExitCode
		row.ExitCode = t.ExitCode
	}
	res := tx.Model(&runRow{}).Where("id = ? AND status IN ?", t.RunID, from).Updates(set)
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, plumbline.Errorf(plumbline.ECONFLICT, "run %s changed while it was being moved to %s", t.RunID, t.To)
	}
	return &row, nil
}

// CancelRun cancels a queued run or asks an active one to stop. See plumbline.RunStore.
func (s *Store) CancelRun(ctx context.Context, id, by string) (*plumbline.Run, error) {
	var run *plumbline.Run
	_, err := s.write(ctx, nil, func(tx *gorm.DB, now time.Time) ([]plumbline.Event, error) {
		var row runRow
		if err := tx.Where("id = ?", id).Take(&row).Error; err != nil {
			return nil, notFound(err, "run %s does not exist", id)
		}
		who := ""
		if by != "" {
			who = " by " + by
		}
		st := plumbline.RunStatus(row.Status)
		var t plumbline.RunTransition
		switch {
		case st == plumbline.StatusQueued:
			t = plumbline.RunTransition{RunID: id, From: []plumbline.RunStatus{st}, To: plumbline.StatusCanceled,
				Message: "canceled" + who + " before it started"}
		case st == plumbline.StatusStarting || st == plumbline.StatusStarted:
			t = plumbline.RunTransition{RunID: id, From: []plumbline.RunStatus{st}, To: plumbline.StatusCanceling,
				Message: "cancel requested" + who}
		case st == plumbline.StatusCanceling:
			run = row.run()
			return nil, nil
		default:
			return nil, plumbline.Errorf(plumbline.ECONFLICT, "run %s already finished (%s)", id, row.Status)
		}
		r, err := s.transition(tx, now, t)
		if err != nil {
			return nil, err
		}
		run = r.run()
		return []plumbline.Event{statusEvent(r, t.To, t.Message)}, nil
	})
	if err != nil {
		return nil, err
	}
	return run, nil
}

// AppendOutput adds captured output to a run's stream. See plumbline.RunStore.
func (s *Store) AppendOutput(ctx context.Context, runID, stream string, offset int64, data []byte) error {
	if len(data) == 0 {
		return nil
	}
	_, err := s.write(ctx, nil, func(tx *gorm.DB, _ time.Time) ([]plumbline.Event, error) {
		return nil, tx.Exec("INSERT INTO run_output (run_id, stream, start, data) VALUES (?, ?, ?, ?)", runID, stream, offset, data).Error
	})
	return err
}

// Output reads a run's captured output. See plumbline.RunStore.
func (s *Store) Output(ctx context.Context, runID, stream string, offset int64, limit int) ([]byte, int64, error) {
	db := s.db.WithContext(ctx)
	var size int64
	if err := db.Raw("SELECT COALESCE(MAX(start + length(data)), 0) FROM run_output WHERE run_id = ? AND stream = ?", runID, stream).
		Scan(&size).Error; err != nil {
		return nil, 0, fmt.Errorf("read output: %w", err)
	}
	if offset >= size || limit <= 0 {
		return nil, size, nil
	}
	var chunks []struct {
		Start int64
		Data  []byte
	}
	err := db.Raw(`SELECT start, data FROM run_output WHERE run_id = ? AND stream = ? AND start + length(data) > ? AND start < ?
		ORDER BY start`, runID, stream, offset, offset+int64(limit)).Scan(&chunks).Error
	if err != nil {
		return nil, 0, fmt.Errorf("read output: %w", err)
	}
	out := make([]byte, 0, min(int64(limit), size-offset))
	for _, c := range chunks {
		from := max(offset-c.Start, 0)
		if from < int64(len(c.Data)) {
			out = append(out, c.Data[from:]...)
		}
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, size, nil
}

// Heartbeat records that a worker still holds runs. See plumbline.RunStore.
func (s *Store) Heartbeat(ctx context.Context, worker string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.write(ctx, nil, func(tx *gorm.DB, now time.Time) ([]plumbline.Event, error) {
		return nil, tx.Model(&runRow{}).Where("worker = ? AND id IN ?", worker, ids).Update("heartbeat_at", now.UnixMicro()).Error
	})
	return err
}

// FailLostRuns fails active runs whose worker went silent. See plumbline.RunStore.
func (s *Store) FailLostRuns(ctx context.Context, stale time.Time, keep string) ([]*plumbline.Run, error) {
	var failed []*plumbline.Run
	_, err := s.write(ctx, nil, func(tx *gorm.DB, now time.Time) ([]plumbline.Event, error) {
		failed = nil
		q := tx.Where("status IN ?", activeStatuses)
		if stale.IsZero() {
			q = q.Where("worker IS NULL OR worker <> ?", keep)
		} else {
			q = q.Where("heartbeat_at IS NULL OR heartbeat_at < ?", stale.UnixMicro())
		}
		var rows []runRow
		if err := q.Find(&rows).Error; err != nil {
			return nil, err
		}
		var events []plumbline.Event
		for _, r := range rows {
			msg := "process lost: the server running it (" + deref(r.Worker) + ") stopped"
			if r.HeartbeatAt != nil {
				msg += "; last heard from at " + fromMicros(*r.HeartbeatAt).Format(time.RFC3339)
			}
			t := plumbline.RunTransition{RunID: r.ID, From: []plumbline.RunStatus{plumbline.RunStatus(r.Status)},
				To: plumbline.StatusFailure, Message: msg}
			row, err := s.transition(tx, now, t)
			if err != nil {
				return nil, err
			}
			failed = append(failed, row.run())
			events = append(events, statusEvent(row, t.To, msg))
		}
		return events, nil
	})
	if err != nil {
		return nil, err
	}
	return failed, nil
}
