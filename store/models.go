package store

import (
	"encoding/json"
	"time"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/internal/fastjson"
)

// eventRow is a row of event_log. Empty strings are stored as NULL.
type eventRow struct {
	ID          int64   `gorm:"column:id;primaryKey"`
	Type        string  `gorm:"column:type"`
	TS          int64   `gorm:"column:ts"`
	RunID       *string `gorm:"column:run_id"`
	AssetKey    *string `gorm:"column:asset_key"`
	Partition   *string `gorm:"column:partition"`
	DataVersion *string `gorm:"column:data_version"`
	Description *string `gorm:"column:description"`
	CheckName   *string `gorm:"column:check_name"`
	Passed      *bool   `gorm:"column:passed"`
	Severity    *string `gorm:"column:severity"`
	Level       *string `gorm:"column:level"`
	Message     *string `gorm:"column:message"`
	Metadata    *string `gorm:"column:metadata"`
}

func (eventRow) TableName() string { return "event_log" }

// eventColumns lists event_log's columns in the order eventRow.values gives them.
var eventColumns = []string{"id", "type", "ts", "run_id", "asset_key", "partition", "data_version",
	"description", "check_name", "passed", "severity", "level", "message", "metadata"}

func (r *eventRow) values() []any {
	return []any{r.ID, r.Type, r.TS, r.RunID, r.AssetKey, r.Partition, r.DataVersion,
		r.Description, r.CheckName, r.Passed, r.Severity, r.Level, r.Message, r.Metadata}
}

// newEventRow returns e's row; key is e.AssetKey.String(), which the caller has.
func newEventRow(e *plumbline.Event, key string) eventRow {
	r := eventRow{
		ID:          e.StorageID,
		Type:        string(e.Type),
		TS:          e.Timestamp.UnixMicro(),
		RunID:       nullable(e.RunID),
		Partition:   nullable(e.Partition),
		DataVersion: nullable(e.DataVersion),
		Description: nullable(e.Description),
		CheckName:   nullable(e.CheckName),
		Passed:      e.Passed,
		Severity:    nullable(e.Severity),
		Level:       nullable(e.Level),
		Message:     nullable(e.Message),
	}
	if e.AssetKey != nil {
		r.AssetKey = &key
	}
	if len(e.Metadata) > 0 {
		m := string(encodeMetadata(e.Metadata))
		r.Metadata = &m
	}
	return r
}

func (r *eventRow) event() plumbline.Event {
	e := plumbline.Event{
		StorageID:   r.ID,
		Type:        plumbline.EventType(r.Type),
		Timestamp:   fromMicros(r.TS),
		RunID:       deref(r.RunID),
		Partition:   deref(r.Partition),
		DataVersion: deref(r.DataVersion),
		Description: deref(r.Description),
		CheckName:   deref(r.CheckName),
		Passed:      r.Passed,
		Severity:    deref(r.Severity),
		Level:       deref(r.Level),
		Message:     deref(r.Message),
	}
	if r.AssetKey != nil {
		e.AssetKey = parseStoredKey(*r.AssetKey)
	}
	if r.Metadata != nil {
		e.Metadata = decodeMetadata(*r.Metadata) // written by newEventRow
	}
	return e
}

// assetRow is a row of assets: one per asset ever declared or reported.
type assetRow struct {
	Key                   string  `gorm:"column:key;primaryKey"`
	Spec                  *string `gorm:"column:spec"`
	Location              string  `gorm:"column:location"`
	GroupName             *string `gorm:"column:group_name"`
	Owners                *string `gorm:"column:owners"`
	Kinds                 *string `gorm:"column:kinds"`
	Tags                  *string `gorm:"column:tags"`
	LastMaterializationID *int64  `gorm:"column:last_materialization_id"`
	LastObservationID     *int64  `gorm:"column:last_observation_id"`
	LastFailureID         *int64  `gorm:"column:last_failure_id"`
	LastEventID           *int64  `gorm:"column:last_event_id"`
	CreatedAt             int64   `gorm:"column:created_at"`
	UpdatedAt             int64   `gorm:"column:updated_at"`
}

func (assetRow) TableName() string { return "assets" }

func (r *assetRow) asset() (*plumbline.Asset, error) {
	a := &plumbline.Asset{
		Key:                     parseStoredKey(r.Key),
		Location:                r.Location,
		LatestMaterializationID: derefInt(r.LastMaterializationID),
		LatestObservationID:     derefInt(r.LastObservationID),
		LatestFailureID:         derefInt(r.LastFailureID),
		LastEventID:             derefInt(r.LastEventID),
		CreatedAt:               fromMicros(r.CreatedAt),
		UpdatedAt:               fromMicros(r.UpdatedAt),
	}
	if r.Spec != nil {
		a.Spec = new(plumbline.AssetSpec)
		if err := json.Unmarshal([]byte(*r.Spec), a.Spec); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// partitionRow is a row of asset_partitions: the latest events of one partition.
type partitionRow struct {
	AssetKey              string `gorm:"column:asset_key;primaryKey"`
	Partition             string `gorm:"column:partition;primaryKey"`
	LastMaterializationID *int64 `gorm:"column:last_materialization_id"`
	LastObservationID     *int64 `gorm:"column:last_observation_id"`
	UpdatedAt             int64  `gorm:"column:updated_at"`
}

func (partitionRow) TableName() string { return "asset_partitions" }

// marshal encodes v as compact JSON without escaping <, > and &, so text keeps the bytes
// it was written with.
var marshal = fastjson.MarshalNoEscape

// parseStoredKey parses a key string written by this package (always valid).
func parseStoredKey(s string) plumbline.AssetKey {
	k, err := plumbline.ParseAssetKey(s)
	if err != nil {
		return plumbline.AssetKey{s}
	}
	return k
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefInt(n *int64) int64 {
	if n == nil {
		return 0
	}
	return *n
}

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }
