package client

import (
	"context"
	"strconv"
	"time"

	"github.com/plumbline/plumbline"
)

// RunInfo is a run as the server reports it.
type RunInfo struct {
	ID         string
	Status     plumbline.RunStatus
	AssetKeys  []plumbline.AssetKey
	Partition  string
	LaunchedBy string
	Command    []string
	CreatedAt  time.Time
	StartedAt  time.Time // zero until started
	EndedAt    time.Time // zero until finished
	Message    string
	ExitCode   *int
}

// Finished reports whether the run will not change again.
func (r *RunInfo) Finished() bool { return r.Status.Finished() }

const runFields = `id status assetKeys { path } partition launchedBy command createdAt startedAt endedAt message exitCode`

type runJSON struct {
	ID         string
	Status     string
	AssetKeys  []struct{ Path []string }
	Partition  *string
	LaunchedBy *string
	Command    []string
	CreatedAt  time.Time
	StartedAt  *time.Time
	EndedAt    *time.Time
	Message    *string
	ExitCode   *int
}

func (j *runJSON) info() *RunInfo {
	r := &RunInfo{ID: j.ID, Status: plumbline.RunStatus(j.Status), Command: j.Command, CreatedAt: j.CreatedAt, ExitCode: j.ExitCode}
	for _, k := range j.AssetKeys {
		r.AssetKeys = append(r.AssetKeys, plumbline.AssetKey(k.Path))
	}
	if j.Partition != nil {
		r.Partition = *j.Partition
	}
	if j.LaunchedBy != nil {
		r.LaunchedBy = *j.LaunchedBy
	}
	if j.StartedAt != nil {
		r.StartedAt = *j.StartedAt
	}
	if j.EndedAt != nil {
		r.EndedAt = *j.EndedAt
	}
	if j.Message != nil {
		r.Message = *j.Message
	}
	return r
}

// Launch asks for a run.
type Launch struct {
	Partition string
	Tags      map[string]string
}

// LaunchRun queues a run of launchable assets that share one command.
func (c *Client) LaunchRun(ctx context.Context, keys []plumbline.AssetKey, l Launch) (*RunInfo, error) {
	var ks []map[string]any
	for _, k := range keys {
		ks = append(ks, map[string]any{"path": []string(k)})
	}
	var tags []map[string]string
	for k, v := range l.Tags {
		tags = append(tags, map[string]string{"key": k, "value": v})
	}
	vars := map[string]any{"keys": ks, "tags": tags}
	if l.Partition != "" {
		vars["partition"] = l.Partition
	}
	var out struct{ LaunchRun runJSON }
	err := c.Query(ctx, `mutation LaunchRun($keys: [AssetKeyInput!]!, $partition: String, $tags: [TagInput!]) {
  launchRun(assetKeys: $keys, partition: $partition, tags: $tags) { `+runFields+` } }`, vars, &out)
	if err != nil {
		return nil, err
	}
	return out.LaunchRun.info(), nil
}

// CancelRun cancels a queued run, or asks a running one to stop.
func (c *Client) CancelRun(ctx context.Context, id string) (*RunInfo, error) {
	var out struct{ CancelRun runJSON }
	if err := c.Query(ctx, `mutation CancelRun($id: ID!) { cancelRun(id: $id) { `+runFields+` } }`, map[string]any{"id": id}, &out); err != nil {
		return nil, err
	}
	return out.CancelRun.info(), nil
}

// Run returns a run. Returns ENOTFOUND if there is none with that id.
func (c *Client) Run(ctx context.Context, id string) (*RunInfo, error) {
	var out struct{ Run *runJSON }
	if err := c.Query(ctx, `query Run($id: ID!) { run(id: $id) { `+runFields+` } }`, map[string]any{"id": id}, &out); err != nil {
		return nil, err
	}
	if out.Run == nil {
		return nil, plumbline.Errorf(plumbline.ENOTFOUND, "run %s does not exist", id)
	}
	return out.Run.info(), nil
}

// RunLog is a page of a run's structured log and output.
type RunLog struct {
	Events    []plumbline.Event
	EndCursor string // pass as after to read what follows
	Stdout    string // output from the offsets asked
	Stderr    string
}

// RunLogs reads a run's events after a cursor ("" for the start) and its output from
// byte offsets.
func (c *Client) RunLogs(ctx context.Context, id, after string, stdoutOffset, stderrOffset int) (*RunLog, error) {
	var out struct {
		Run *struct {
			Events struct {
				Nodes []struct {
					StorageID string
					Type      string
					Timestamp time.Time
					Level     *string
					Message   *string
					AssetKey  *struct{ Path []string }
					CheckName *string
					Passed    *bool
				}
				PageInfo struct{ EndCursor *string }
			}
			Stdout string
			Stderr string
		}
	}
	vars := map[string]any{"id": id, "so": stdoutOffset, "eo": stderrOffset}
	if after != "" {
		vars["after"] = after
	}
	err := c.Query(ctx, `query RunLogs($id: ID!, $after: ID, $so: Int, $eo: Int) { run(id: $id) {
  events(first: 1000, after: $after) { nodes { storageId type timestamp level message assetKey { path } checkName passed }
    pageInfo { endCursor } }
  stdout(offset: $so) stderr(offset: $eo) } }`, vars, &out)
	if err != nil {
		return nil, err
	}
	if out.Run == nil {
		return nil, plumbline.Errorf(plumbline.ENOTFOUND, "run %s does not exist", id)
	}
	l := &RunLog{EndCursor: after, Stdout: out.Run.Stdout, Stderr: out.Run.Stderr}
	for _, n := range out.Run.Events.Nodes {
		id, _ := strconv.ParseInt(n.StorageID, 10, 64)
		e := plumbline.Event{StorageID: id, Type: plumbline.EventType(n.Type), Timestamp: n.Timestamp, Passed: n.Passed}
		if n.Level != nil {
			e.Level = *n.Level
		}
		if n.Message != nil {
			e.Message = *n.Message
		}
		if n.CheckName != nil {
			e.CheckName = *n.CheckName
		}
		if n.AssetKey != nil {
			e.AssetKey = plumbline.AssetKey(n.AssetKey.Path)
		}
		l.Events = append(l.Events, e)
	}
	if p := out.Run.Events.PageInfo.EndCursor; p != nil {
		l.EndCursor = *p
	}
	return l, nil
}
