package dagsterpipes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// MetadataValue is a metadata value with its type, sent as dagster-pipes sends it:
// {"raw_value": RawValue, "type": Type}. Build one with the functions below, e.g.
//
//	map[string]dagsterpipes.MetadataValue{
//		"rows":      dagsterpipes.Int(1200),
//		"dashboard": dagsterpipes.URL("https://bi.example.com/orders"),
//		"owner":     dagsterpipes.Infer("team:data"), // plain values: the type is inferred
//	}
type MetadataValue struct {
	RawValue any
	// Type is one of text, url, path, notebook, json, md, float, int, bool, dagster_run,
	// asset, null, table, table_schema, table_column_lineage, timestamp, or "__infer__" (also
	// for "") to let the orchestrator infer it from the value.
	Type string
}

// TypeInfer asks the orchestrator to infer a value's type.
const TypeInfer = "__infer__"

// MarshalJSON writes {"raw_value": …, "type": …}. In the messages a Context sends, a NaN or
// infinite float is written as Python's json module writes it (NaN, Infinity, -Infinity),
// which Pipes orchestrators read, though it is not strict JSON; encoding/json cannot write
// that, so a value marshaled on its own holds the placeholder string "\u0000NaN" (or
// "\u0000Infinity", "\u0000-Infinity") instead.
func (v MetadataValue) MarshalJSON() ([]byte, error) {
	t := v.Type
	if t == "" {
		t = TypeInfer
	}
	var raw []byte
	switch f := v.RawValue.(type) {
	case float64:
		raw = floatJSON(f)
	case float32:
		raw = floatJSON(float64(f))
	default:
		var err error
		if raw, err = json.Marshal(v.RawValue); err != nil {
			return nil, fmt.Errorf("metadata of type %s: %w", t, err)
		}
	}
	tj, _ := json.Marshal(t)
	return []byte(`{"raw_value":` + string(raw) + `,"type":` + string(tj) + `}`), nil
}

// Non-finite floats travel through encoding/json as these strings, and are then written bare.
var nonFinite = []struct{ sentinel, bare string }{
	{`"\u0000NaN"`, "NaN"},
	{`"\u0000Infinity"`, "Infinity"},
	{`"\u0000-Infinity"`, "-Infinity"},
}

func floatJSON(f float64) []byte {
	switch {
	case math.IsNaN(f):
		return []byte(nonFinite[0].sentinel)
	case math.IsInf(f, 1):
		return []byte(nonFinite[1].sentinel)
	case math.IsInf(f, -1):
		return []byte(nonFinite[2].sentinel)
	}
	b, _ := json.Marshal(f)
	if !bytes.ContainsAny(b, ".eE") {
		b = append(b, ".0"...) // as Python writes floats, so that an inferred type stays float
	}
	return b
}

func bareNonFinite(line []byte) []byte {
	if !bytes.Contains(line, []byte(`\u0000`)) {
		return line
	}
	for _, nf := range nonFinite {
		line = bytes.ReplaceAll(line, []byte(nf.sentinel), []byte(nf.bare))
	}
	return line
}

// Infer returns a plain value whose type the orchestrator infers, as dagster-pipes does for
// values that are not already typed: a string is text, an integer int, another number
// float, a bool bool, a map or slice json, nil null.
func Infer(v any) MetadataValue { return MetadataValue{RawValue: v, Type: TypeInfer} }

// Text returns a text value.
func Text(s string) MetadataValue { return MetadataValue{RawValue: s, Type: "text"} }

// URL returns a url value, shown as a link.
func URL(u string) MetadataValue { return MetadataValue{RawValue: u, Type: "url"} }

// Path returns a path value: a file or object-store path.
func Path(p string) MetadataValue { return MetadataValue{RawValue: p, Type: "path"} }

// Notebook returns a notebook value: the path of a notebook.
func Notebook(p string) MetadataValue { return MetadataValue{RawValue: p, Type: "notebook"} }

// Markdown returns an md value, shown rendered.
func Markdown(md string) MetadataValue { return MetadataValue{RawValue: md, Type: "md"} }

// Integer is any integer type.
type Integer interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr
}

// Int returns an int value.
func Int[T Integer](n T) MetadataValue { return MetadataValue{RawValue: n, Type: "int"} }

// Float returns a float value. It stays a float even when whole: Float(3) is 3.0, not 3.
// NaN and the infinities are sent as Python sends them.
func Float(f float64) MetadataValue { return MetadataValue{RawValue: f, Type: "float"} }

// Bool returns a bool value.
func Bool(b bool) MetadataValue { return MetadataValue{RawValue: b, Type: "bool"} }

// JSON returns a json value holding anything encoding/json can encode, e.g. a map, a slice,
// a struct or a json.RawMessage.
func JSON(v any) MetadataValue { return MetadataValue{RawValue: v, Type: "json"} }

// Timestamp returns a timestamp value: seconds since the epoch, to the microsecond.
func Timestamp(t time.Time) MetadataValue {
	return MetadataValue{RawValue: float64(t.UnixMicro()) / 1e6, Type: "timestamp"}
}

// Asset returns an asset value: a reference to another asset by the string form of its key
// ("warehouse/orders").
func Asset(key string) MetadataValue { return MetadataValue{RawValue: key, Type: "asset"} }

// Run returns a reference to a run by its id (the type dagster_run).
func Run(runID string) MetadataValue { return MetadataValue{RawValue: runID, Type: "dagster_run"} }

// Null returns a null value.
func Null() MetadataValue { return MetadataValue{RawValue: nil, Type: "null"} }

// TableColumn describes a column of a table, for TableSchema and Table.
type TableColumn struct {
	Name        string             `json:"name"`
	Type        string             `json:"type"` // "string" when empty
	Description string             `json:"description,omitempty"`
	Tags        map[string]string  `json:"tags,omitempty"`
	Constraints *ColumnConstraints `json:"constraints,omitempty"`
}

// ColumnConstraints are a column's constraints.
type ColumnConstraints struct {
	Nullable bool     `json:"nullable"`
	Unique   bool     `json:"unique"`
	Other    []string `json:"other,omitempty"`
}

func columns(cols []TableColumn) []TableColumn {
	out := make([]TableColumn, len(cols))
	for i, c := range cols {
		if c.Type == "" {
			c.Type = "string"
		}
		out[i] = c
	}
	return out
}

// TableSchema returns a table_schema value: the columns of a table.
func TableSchema(cols ...TableColumn) MetadataValue {
	return MetadataValue{RawValue: map[string]any{"columns": columns(cols)}, Type: "table_schema"}
}

// Table returns a table value: rows (each a map of column to value) and their columns.
func Table(records []map[string]any, cols ...TableColumn) MetadataValue {
	if records == nil {
		records = []map[string]any{}
	}
	return MetadataValue{RawValue: map[string]any{"records": records, "schema": columns(cols)}, Type: "table"}
}

// ColumnDep is a column that another column is computed from.
type ColumnDep struct {
	AssetKey   string `json:"asset_key"`
	ColumnName string `json:"column_name"`
}

// ColumnLineage returns a table_column_lineage value: for each column of the asset, the
// columns of other assets it is computed from.
func ColumnLineage(depsByColumn map[string][]ColumnDep) MetadataValue {
	return MetadataValue{RawValue: map[string]any{"deps_by_column": depsByColumn}, Type: "table_column_lineage"}
}
