package plumbline

import (
	"context"
	"time"
)

// RunStatus is where a run is in its life:
//
//	QUEUED → STARTING → STARTED → SUCCESS | FAILURE
//	             any of the first three → CANCELING → CANCELED (QUEUED runs cancel at once)
type RunStatus string

// Run statuses.
const (
	StatusQueued    RunStatus = "QUEUED"
	StatusStarting  RunStatus = "STARTING"
	StatusStarted   RunStatus = "STARTED"
	StatusSuccess   RunStatus = "SUCCESS"
	StatusFailure   RunStatus = "FAILURE"
	StatusCanceling RunStatus = "CANCELING"
	StatusCanceled  RunStatus = "CANCELED"
)

// RunStatuses lists every status.
var RunStatuses = []RunStatus{StatusQueued, StatusStarting, StatusStarted, StatusSuccess, StatusFailure, StatusCanceling, StatusCanceled}

// Finished reports whether a run in this status will never change again.
func (s RunStatus) Finished() bool {
	return s == StatusSuccess || s == StatusFailure || s == StatusCanceled
}

// Active reports whether a run in this status holds a process (or is about to).
func (s RunStatus) Active() bool {
	return s == StatusStarting || s == StatusStarted || s == StatusCanceling
}

// EventType returns the event that records entering this status.
func (s RunStatus) EventType() EventType {
	switch s {
	case StatusQueued:
		return RunEnqueued
	case StatusStarting:
		return RunStarting
	case StatusStarted:
		return RunStart
	case StatusSuccess:
		return RunSuccess
	case StatusFailure:
		return RunFailure
	case StatusCanceling:
		return RunCanceling
	default:
		return RunCanceled
	}
}

// ParseRunStatus reads a status, case-insensitively.
func ParseRunStatus(s string) (RunStatus, error) {
	for _, st := range RunStatuses {
		if equalFold(string(st), s) {
			return st, nil
		}
	}
	return "", Errorf(EINVALID, "unknown run status %q", s)
}

// Run is one launch of external work: a Pipes session of an asset's command.
type Run struct {
	ID         string
	Seq        int64 // orders runs by creation: the storage id of their RUN_ENQUEUED event
	Status     RunStatus
	AssetKeys  []AssetKey
	Partition  string
	Tags       map[string]string
	LaunchedBy string
	Launch     LaunchSpec
	CreatedAt  time.Time
	StartedAt  time.Time // zero until the process started
	EndedAt    time.Time // zero until finished
	Worker     string    // the server that claimed it
	PID        int
	ExitCode   *int
	Message    string // why it failed or was canceled
}

// LaunchSpec is what a run launches, copied from the specs when it is queued so that
// later changes to the definitions do not change a queued run.
type LaunchSpec struct {
	Pipes        PipesSpec         `json:"pipes"`
	CodeVersions map[string]string `json:"code_versions,omitempty"` // by asset key string
	// Implicit lists the targets that get a materialization when the run succeeds
	// without reporting one (those whose spec does not turn it off).
	Implicit []AssetKey `json:"implicit,omitempty"`
}

// LaunchRequest asks for a run of some assets.
type LaunchRequest struct {
	AssetKeys  []AssetKey
	Partition  string
	Tags       map[string]string
	LaunchedBy string
}

// RunFilter narrows a list of runs. Zero fields do not filter.
type RunFilter struct {
	Statuses []RunStatus
	AssetKey AssetKey
	Since    time.Time // created at or after
	Until    time.Time // created before
}

// Output streams of a run.
const (
	Stdout = "stdout"
	Stderr = "stderr"
)

// RunStore keeps runs, their queue and their captured output.
type RunStore interface {
	// CreateRun queues a run of assets that are declared and launchable with one command,
	// recording RUN_ENQUEUED. Returns ENOTFOUND for an unknown asset and EINVALID for an
	// asset that is not launchable or targets with different commands.
	CreateRun(ctx context.Context, req LaunchRequest) (*Run, error)
	// Run returns one run. Returns ENOTFOUND if it does not exist.
	Run(ctx context.Context, id string) (*Run, error)
	// RunsByID returns runs in the order asked, nil where missing.
	RunsByID(ctx context.Context, ids []string) ([]*Run, error)
	// Runs returns up to limit runs matching filter, newest first, created before the run
	// with sequence number before (no bound when 0).
	Runs(ctx context.Context, filter RunFilter, before int64, limit int) ([]*Run, error)
	// ClaimRuns moves up to max queued runs, oldest first, to STARTING for worker, keeping
	// the number of active runs of the whole deployment at most limit. Concurrent claims
	// (from other replicas too) never claim one run twice.
	ClaimRuns(ctx context.Context, worker string, max, limit int) ([]*Run, error)
	// Transition moves a run to a status, recording the given events (its log, what it
	// reported) and then the status's event, in one transaction. It returns ECONFLICT if
	// the run is not in one of the statuses from.
	Transition(ctx context.Context, t RunTransition) (*Run, error)
	// CancelRun cancels a queued run at once, and asks an active one to stop (CANCELING).
	// Returns ECONFLICT for a finished run.
	CancelRun(ctx context.Context, id, by string) (*Run, error)
	// AppendOutput adds captured output at the end of a run's stream.
	AppendOutput(ctx context.Context, runID, stream string, offset int64, data []byte) error
	// Output returns up to limit bytes of a run's stream from offset, and the stream's
	// total size.
	Output(ctx context.Context, runID, stream string, offset int64, limit int) ([]byte, int64, error)
	// Heartbeat records that worker still holds these runs.
	Heartbeat(ctx context.Context, worker string, ids []string) error
	// FailLostRuns fails the active runs whose worker stopped reporting before the given
	// time (all active runs of workers other than keep when stale is zero).
	FailLostRuns(ctx context.Context, stale time.Time, keep string) ([]*Run, error)
}

// RunTransition is a change of a run's status.
type RunTransition struct {
	RunID    string
	From     []RunStatus
	To       RunStatus
	Message  string // recorded on the run and as the event's message
	PID      int
	ExitCode *int
	Events   []Event // more events to append with it (their RunID is set)
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		ca, cb := a[i], b[i]
		if 'a' <= ca && ca <= 'z' {
			ca -= 'a' - 'A'
		}
		if 'a' <= cb && cb <= 'z' {
			cb -= 'a' - 'A'
		}
		if ca != cb {
			return false
		}
	}
	return true
}
