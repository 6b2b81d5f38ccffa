package plumbline

import (
	"strings"
	"time"
	"unicode/utf8"
)

// EventType names what an event records. Types are never renamed.
type EventType string

// Event types.
const (
	AssetMaterialization     EventType = "ASSET_MATERIALIZATION"
	AssetObservation         EventType = "ASSET_OBSERVATION"
	AssetCheckEvaluation     EventType = "ASSET_CHECK_EVALUATION"
	AssetFailedToMaterialize EventType = "ASSET_FAILED_TO_MATERIALIZE"
	AssetWiped               EventType = "ASSET_WIPED"
	RunEnqueued              EventType = "RUN_ENQUEUED"
	RunStarting              EventType = "RUN_STARTING"
	RunStart                 EventType = "RUN_START"
	RunSuccess               EventType = "RUN_SUCCESS"
	RunFailure               EventType = "RUN_FAILURE"
	RunCanceling             EventType = "RUN_CANCELING"
	RunCanceled              EventType = "RUN_CANCELED"
	Log                      EventType = "LOG"
	EngineEvent              EventType = "ENGINE_EVENT"
	SensorTick               EventType = "SENSOR_TICK"
	FreshnessStateChange     EventType = "FRESHNESS_STATE_CHANGE"
	DefinitionsApplied       EventType = "DEFINITIONS_APPLIED"
)

// EventTypes lists every event type.
var EventTypes = []EventType{
	AssetMaterialization, AssetObservation, AssetCheckEvaluation, AssetFailedToMaterialize,
	AssetWiped, RunEnqueued, RunStarting, RunStart, RunSuccess, RunFailure, RunCanceling,
	RunCanceled, Log, EngineEvent, SensorTick, FreshnessStateChange, DefinitionsApplied,
}

// ParseEventType reads an event type, case-insensitively. Returns EINVALID for an unknown
// type.
func ParseEventType(s string) (EventType, error) {
	t := EventType(strings.ToUpper(strings.TrimSpace(s)))
	for _, known := range EventTypes {
		if t == known {
			return t, nil
		}
	}
	return "", Errorf(EINVALID, "unknown event type %q", s)
}

// ReportableEventTypes are the types a client may report directly (through reportEvents or
// the REST endpoints). Run, sensor and definitions events are written by Plumbline itself.
var ReportableEventTypes = []EventType{
	AssetMaterialization, AssetObservation, AssetCheckEvaluation, AssetFailedToMaterialize,
	AssetWiped, Log, EngineEvent,
}

// Check severities.
const (
	SeverityWarn  = "WARN"
	SeverityError = "ERROR"
)

// Log levels, as Python's logging names them.
var LogLevels = []string{"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}

// MaxBatch is the most events one append may carry.
const MaxBatch = 10000

// Event is one record of the event log. StorageID and Timestamp are set when the event is
// appended; string fields are empty when they do not apply.
type Event struct {
	StorageID   int64
	Type        EventType
	Timestamp   time.Time
	RunID       string
	AssetKey    AssetKey
	Partition   string
	DataVersion string
	Description string
	CheckName   string
	Passed      *bool
	Severity    string
	Level       string
	Message     string
	Metadata    Metadata
}

// IsAssetEvent reports whether the type concerns one asset and so requires a key.
func (t EventType) IsAssetEvent() bool {
	switch t {
	case AssetMaterialization, AssetObservation, AssetCheckEvaluation, AssetFailedToMaterialize, AssetWiped:
		return true
	}
	return false
}

// Reportable reports whether clients may report events of this type.
func (t EventType) Reportable() bool {
	for _, r := range ReportableEventTypes {
		if r == t {
			return true
		}
	}
	return false
}

// Normalize checks an event before it is appended and fills in defaults: a check's severity
// is ERROR unless WARN, a log line's level is INFO unless given. Returns EINVALID naming the
// missing or bad field.
func (e *Event) Normalize() error {
	e.Type = EventType(strings.ToUpper(strings.TrimSpace(string(e.Type))))
	if e.Type == "" {
		return Errorf(EINVALID, "event type is empty")
	}
	if e.Type.IsAssetEvent() || e.AssetKey != nil {
		if err := e.AssetKey.Validate(); err != nil {
			return err
		}
	}
	if err := e.checkText(); err != nil {
		return err
	}
	switch e.Type {
	case AssetCheckEvaluation:
		if e.CheckName == "" {
			return Errorf(EINVALID, "check evaluation for %s has no check name", e.AssetKey)
		}
		if e.Passed == nil {
			return Errorf(EINVALID, "check evaluation %q for %s has no passed value", e.CheckName, e.AssetKey)
		}
		sev, err := NormalizeSeverity(e.Severity)
		if err != nil {
			return err
		}
		e.Severity = sev
	case Log:
		lvl, err := NormalizeLevel(e.Level)
		if err != nil {
			return err
		}
		e.Level = lvl
	}
	return nil
}

// MaxIndexedBytes bounds the text fields that are indexed (asset key, partition, check
// name, run id): databases cannot index arbitrarily long keys.
const MaxIndexedBytes = 1024

// checkText rejects text no database can store: invalid UTF-8 and NUL characters, and
// indexed fields longer than MaxIndexedBytes.
func (e *Event) checkText() error {
	if len(e.AssetKey.String()) > MaxIndexedBytes {
		return Errorf(EINVALID, "asset key is longer than %d bytes", MaxIndexedBytes)
	}
	for _, f := range []struct {
		name, value string
		limit       int
	}{
		{"partition", e.Partition, MaxIndexedBytes},
		{"check name", e.CheckName, MaxIndexedBytes},
		{"run id", e.RunID, MaxIndexedBytes},
		{"data version", e.DataVersion, 0},
		{"description", e.Description, 0},
		{"message", e.Message, 0},
	} {
		if err := ValidText(f.name, f.value, f.limit); err != nil {
			return err
		}
	}
	for _, m := range e.Metadata {
		if err := ValidText("metadata key", m.Key, 0); err != nil {
			return err
		}
		if !utf8.Valid(m.Value) {
			return Errorf(EINVALID, "metadata %q is not valid UTF-8", m.Key)
		}
	}
	return nil
}

// ValidText returns EINVALID naming the field if s is not valid UTF-8, holds a NUL
// character, or is longer than limit bytes (when limit > 0).
func ValidText(name, s string, limit int) error {
	switch {
	case !utf8.ValidString(s):
		return Errorf(EINVALID, "%s is not valid UTF-8", name)
	case strings.IndexByte(s, 0) >= 0:
		return Errorf(EINVALID, "%s contains a NUL character", name)
	case limit > 0 && len(s) > limit:
		return Errorf(EINVALID, "%s is longer than %d bytes", name, limit)
	}
	return nil
}

// NormalizeSeverity returns WARN or ERROR (the default for ""), case-insensitively.
func NormalizeSeverity(s string) (string, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "", SeverityError:
		return SeverityError, nil
	case SeverityWarn, "WARNING":
		return SeverityWarn, nil
	}
	return "", Errorf(EINVALID, "severity %q is not WARN or ERROR", s)
}

// NormalizeLevel returns one of LogLevels (INFO for ""), case-insensitively; WARN and FATAL
// are read as WARNING and CRITICAL.
func NormalizeLevel(s string) (string, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	switch u {
	case "":
		return "INFO", nil
	case "WARN":
		return "WARNING", nil
	case "FATAL":
		return "CRITICAL", nil
	}
	for _, l := range LogLevels {
		if u == l {
			return l, nil
		}
	}
	return "", Errorf(EINVALID, "log level %q is not one of %s", s, strings.Join(LogLevels, ", "))
}
