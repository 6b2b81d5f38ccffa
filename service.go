package plumbline

import (
	"context"
	"time"
)

// Asset is an asset as the catalog knows it: declared by a spec, or only ever reported on
// (Spec is nil). The Latest* fields point into the event log (0 means none).
type Asset struct {
	Key                     AssetKey
	Spec                    *AssetSpec // nil for an undeclared asset
	Location                string     // the definitions location that declares it
	LatestMaterializationID int64
	LatestObservationID     int64
	LatestFailureID         int64 // latest ASSET_FAILED_TO_MATERIALIZE since the last materialization
	LastEventID             int64
	CreatedAt               time.Time
	UpdatedAt               time.Time
}

// Declared reports whether a definitions file declares the asset.
func (a *Asset) Declared() bool { return a.Spec != nil }

// CheckState is a check on an asset: its spec if declared, and its latest evaluation.
type CheckState struct {
	AssetKey         AssetKey
	Name             string
	Spec             *CheckSpec // nil for a check only ever reported
	LastEvaluationID int64
	Passed           *bool
	Severity         string
	Partition        string
	UpdatedAt        time.Time
}

// CheckStatus values summarize a check's latest evaluation.
const (
	CheckNotEvaluated = "NOT_EVALUATED"
	CheckPassed       = "PASSED"
	CheckFailed       = "FAILED" // failed with severity ERROR
	CheckWarning      = "WARNING"
)

// Status returns the check's status from its latest evaluation.
func (c *CheckState) Status() string {
	switch {
	case c.Passed == nil:
		return CheckNotEvaluated
	case *c.Passed:
		return CheckPassed
	case c.Severity == SeverityWarn:
		return CheckWarning
	default:
		return CheckFailed
	}
}

// EventFilter narrows a read of the event log. Zero fields do not filter.
type EventFilter struct {
	Types     []EventType
	AssetKeys []AssetKey
	RunID     string
	Partition string
	Since     time.Time // inclusive
	Until     time.Time // exclusive
}

// EventLog is the immutable, append-only ledger.
type EventLog interface {
	// Append validates and appends events atomically, assigning them increasing storage ids
	// and the current time where they have none. Returns their storage ids in order.
	// Returns EINVALID (naming the event by its index) if any event is invalid, and
	// ETOOLARGE for more than MaxBatch events; nothing is written then.
	Append(ctx context.Context, events []Event) ([]int64, error)
	// Events returns up to limit events matching filter with storage id > after, ascending.
	Events(ctx context.Context, filter EventFilter, after int64, limit int) ([]Event, error)
	// EventsByID returns the events with the given storage ids, in the order asked;
	// ids that do not exist are left out.
	EventsByID(ctx context.Context, ids []int64) ([]Event, error)
	// EventsBefore returns up to limit events matching filter with storage id < before
	// (no bound when before is 0), newest first.
	EventsBefore(ctx context.Context, filter EventFilter, before int64, limit int) ([]Event, error)
	// LastStorageID returns the highest storage id appended so far (0 for an empty log).
	LastStorageID(ctx context.Context) (int64, error)
}

// LineageDirection says which way a lineage walk goes.
type LineageDirection string

// Lineage directions.
const (
	Upstream   LineageDirection = "UPSTREAM"
	Downstream LineageDirection = "DOWNSTREAM"
	Both       LineageDirection = "BOTH"
)

// Edge is a dependency: From is upstream of To.
type Edge struct {
	From AssetKey
	To   AssetKey
}

// LineageGraph is the neighbourhood of an asset. Nodes include the root and are ordered by
// distance, then key. Truncated says the node limit cut the walk short.
type LineageGraph struct {
	Nodes     []AssetKey
	Depths    []int // distance of each node from the root
	Edges     []Edge
	Truncated bool
}

// GraphNode is one asset in a catalog snapshot, with what asset selection matches on.
type GraphNode struct {
	Key      AssetKey
	Group    string
	Owners   []string
	Kinds    []string
	Tags     map[string]string
	Declared bool
	Location string
}

// AssetGraph is a snapshot of the whole catalog's assets and dependencies, indexed by the
// string form of keys. It is shared and must not be modified.
type AssetGraph struct {
	Version  int64
	Nodes    map[string]*GraphNode
	Parents  map[string][]string // upstream deps of each asset
	Children map[string][]string // downstream dependents of each asset
}

// ApplyResult says what applying definitions changed.
type ApplyResult struct {
	Location  string
	Added     []AssetKey
	Updated   []AssetKey
	Removed   []AssetKey // no longer declared here; their history stays
	Unchanged int
	StorageID int64 // the DEFINITIONS_APPLIED event, 0 when nothing changed
}

// Changed reports whether applying changed anything.
func (r *ApplyResult) Changed() bool {
	return len(r.Added)+len(r.Updated)+len(r.Removed) > 0
}

// PartitionState is the latest events of one partition of an asset (0 means none).
type PartitionState struct {
	Partition               string
	LatestMaterializationID int64
	LatestObservationID     int64
}

// Catalog is the set of assets, their specs, checks and dependencies.
type Catalog interface {
	// Asset returns one asset. Returns ENOTFOUND if it was never declared or reported.
	Asset(ctx context.Context, key AssetKey) (*Asset, error)
	// AssetsByKey returns the assets with the given keys in the order asked, nil where
	// an asset does not exist.
	AssetsByKey(ctx context.Context, keys []AssetKey) ([]*Asset, error)
	// ListAssets returns up to limit assets whose key string sorts after `after`, in order.
	ListAssets(ctx context.Context, after string, limit int) ([]*Asset, error)
	// LatestMaterializationIDs returns the storage id of every asset's latest
	// materialization (0 when it has none), by key string: what ordering assets by
	// recency needs.
	LatestMaterializationIDs(ctx context.Context) (map[string]int64, error)
	// CountAssets returns how many assets the catalog has.
	CountAssets(ctx context.Context) (int, error)
	// Checks returns the checks of each asset, by key string, sorted by name.
	Checks(ctx context.Context, keys []AssetKey) (map[string][]CheckState, error)
	// CheckEvaluations returns the evaluations of one check, newest first, with storage
	// id < before (no bound when before is 0).
	CheckEvaluations(ctx context.Context, key AssetKey, check string, before int64, limit int) ([]Event, error)
	// Partitions returns an asset's partitions in order, after a partition key.
	Partitions(ctx context.Context, key AssetKey, after string, limit int) ([]PartitionState, error)
	// PartitionStates returns one partition's latest events for each of keys that has it,
	// by key string.
	PartitionStates(ctx context.Context, keys []AssetKey, partition string) (map[string]PartitionState, error)
	// Neighbours returns the direct upstream (parents) or downstream (children) keys of
	// each asset, by key string, sorted.
	Neighbours(ctx context.Context, keys []AssetKey, dir LineageDirection) (map[string][]AssetKey, error)
	// Lineage walks dependencies from key up to depth layers in a direction, stopping at
	// limit nodes. Returns ENOTFOUND if the asset does not exist.
	Lineage(ctx context.Context, key AssetKey, dir LineageDirection, depth, limit int) (*LineageGraph, error)
	// Graph returns a snapshot of the whole catalog for asset selection.
	Graph(ctx context.Context) (*AssetGraph, error)
	// ApplyDefinitions makes the assets declared at location exactly those of defs.
	// Assets it no longer declares become undeclared and keep their history. Applying the
	// same definitions again changes nothing. Returns EINVALID or ECONFLICT (an asset
	// declared by another location) naming the asset.
	ApplyDefinitions(ctx context.Context, location string, defs *Definitions) (*ApplyResult, error)
}
