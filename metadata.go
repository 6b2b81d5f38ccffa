package plumbline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/plumbline/plumbline/internal/fastjson"
)

// Metadata types, as Dagster names them. A value's type travels with it end to end.
const (
	MetaText               = "text"
	MetaURL                = "url"
	MetaPath               = "path"
	MetaJSON               = "json"
	MetaMarkdown           = "md"
	MetaInt                = "int"
	MetaFloat              = "float"
	MetaBool               = "bool"
	MetaTimestamp          = "timestamp"
	MetaAsset              = "asset"
	MetaRun                = "run"
	MetaTable              = "table"
	MetaTableSchema        = "table_schema"
	MetaTableColumnLineage = "table_column_lineage"
	MetaNull               = "null"
	MetaNotebook           = "notebook"
)

// MetadataTypes lists every metadata type, in the order the documentation gives them.
var MetadataTypes = []string{
	MetaText, MetaURL, MetaPath, MetaJSON, MetaMarkdown, MetaInt, MetaFloat, MetaBool,
	MetaTimestamp, MetaAsset, MetaRun, MetaTable, MetaTableSchema, MetaTableColumnLineage,
	MetaNull, MetaNotebook,
}

// metadataTypeAliases maps the names other clients use to ours: dagster-pipes writes
// "dagster_run" for a run and "__infer__" to ask for inference.
var metadataTypeAliases = map[string]string{
	"dagster_run": MetaRun,
	"markdown":    MetaMarkdown,
	"integer":     MetaInt,
	"boolean":     MetaBool,
}

// MetadataEntry is one typed metadata value. Value is compact JSON: a string for text-like
// types, an integer literal for int (of any size, as JSON allows), a number for float
// (or the string "NaN", "Infinity" or "-Infinity", which JSON cannot write as numbers),
// and so on.
type MetadataEntry struct {
	Key   string          `json:"key"`
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

// Metadata is an ordered list of entries with distinct keys.
type Metadata []MetadataEntry

// Get returns the entry with the given key.
func (m Metadata) Get(key string) (MetadataEntry, bool) {
	for _, e := range m {
		if e.Key == key {
			return e, true
		}
	}
	return MetadataEntry{}, false
}

// DecodeMetadata decodes a JSON object of metadata, keeping the order of its keys. Each
// value is plain JSON, whose type is inferred, or {"raw_value": X, "type": T}. JSON null or
// an empty input decode to no metadata. Returns EINVALID naming the offending key.
//
// A valid object is decoded in one pass over its bytes; anything else goes through
// encoding/json's streaming decoder, whose messages say what is wrong and where.
func DecodeMetadata(data []byte) (Metadata, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || string(data) == "null" {
		return nil, nil
	}
	if data[0] != '{' || !fastjson.Valid(data) {
		return decodeMetadataStream(data)
	}
	return decodeMetadataObject(data)
}

// decodeMetadataObject decodes a valid JSON object (no white space around it).
func decodeMetadataObject(data []byte) (Metadata, error) {
	n := 0
	fastjson.Members(data, func(_, _ []byte) bool { n++; return true })
	if n == 0 {
		return nil, nil
	}
	var (
		m     = make(Metadata, 0, n)
		arena = valueArena{buf: make([]byte, 0, len(data))}
		index map[string]int // of keys, once there are too many to search
		err   error
	)
	fastjson.Members(data, func(rawKey, raw []byte) bool {
		key := fastjson.Unquote(rawKey)
		var e MetadataEntry
		if e, err = decodeValidValue(key, raw, &arena); err != nil {
			return false
		}
		if i, dup := findKey(m, index, key); dup {
			m[i] = e
			return true
		}
		if index == nil && len(m) == 16 {
			index = make(map[string]int, n)
			for i := range m {
				index[m[i].Key] = i
			}
		}
		if index != nil {
			index[key] = len(m)
		}
		m = append(m, e)
		return true
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

func findKey(m Metadata, index map[string]int, key string) (int, bool) {
	if index != nil {
		i, ok := index[key]
		return i, ok
	}
	for i := range m {
		if m[i].Key == key {
			return i, true
		}
	}
	return 0, false
}

// decodeMetadataStream is DecodeMetadata by encoding/json's streaming decoder: the path of
// input that is not a valid JSON object, for its error messages.
func decodeMetadataStream(data []byte) (Metadata, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, Errorf(EINVALID, "metadata is not valid JSON: %s", jsonErrorText(err))
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, Errorf(EINVALID, "metadata must be a JSON object of key to value, got %s", fastjson.Kind(data))
	}
	var m Metadata
	index := map[string]int{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, Errorf(EINVALID, "metadata is not valid JSON: %s", jsonErrorText(err))
		}
		key := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, Errorf(EINVALID, "metadata %q is not valid JSON: %s", key, jsonErrorText(err))
		}
		e, err := DecodeMetadataValue(key, raw)
		if err != nil {
			return nil, err
		}
		if i, dup := index[key]; dup {
			m[i] = e
			continue
		}
		index[key] = len(m)
		m = append(m, e)
	}
	if _, err := dec.Token(); err != nil {
		return nil, Errorf(EINVALID, "metadata is not valid JSON: %s", jsonErrorText(err))
	}
	if dec.More() {
		return nil, Errorf(EINVALID, "metadata is not valid JSON: data after the object")
	}
	return m, nil
}

// MetadataFromMap decodes metadata that was already decoded from JSON (numbers as
// json.Number keep integers and floats apart). Keys come out sorted.
func MetadataFromMap(values map[string]any) (Metadata, error) {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	m := make(Metadata, 0, len(keys))
	for _, k := range keys {
		raw, err := json.Marshal(values[k])
		if err != nil {
			return nil, Errorf(EINVALID, "metadata %q cannot be encoded as JSON", k)
		}
		e, err := DecodeMetadataValue(k, raw)
		if err != nil {
			return nil, err
		}
		m = append(m, e)
	}
	return m, nil
}

// DecodeMetadataValue decodes one metadata value: plain JSON (type inferred) or the typed
// wire form {"raw_value": X, "type": T}.
func DecodeMetadataValue(key string, raw json.RawMessage) (MetadataEntry, error) {
	if key == "" {
		return MetadataEntry{}, Errorf(EINVALID, "metadata key is empty")
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return MetadataEntry{}, Errorf(EINVALID, "metadata %q has no value", key)
	}
	if !fastjson.Valid(raw) {
		return MetadataEntry{}, Errorf(EINVALID, "metadata %q is not valid JSON", key)
	}
	return decodeValidValue(key, raw, nil)
}

// NewMetadataEntry builds an entry of the given type from a raw JSON value, validating and
// normalizing it as the wire form does.
func NewMetadataEntry(key, typ string, raw json.RawMessage) (MetadataEntry, error) {
	if key == "" {
		return MetadataEntry{}, Errorf(EINVALID, "metadata key is empty")
	}
	return typedMetadataValue(key, typ, raw)
}

// valueArena holds the values of one metadata object in one allocation.
type valueArena struct{ buf []byte }

// compact returns a compact copy of the valid JSON raw, in the arena when there is one.
func (a *valueArena) compact(raw []byte) json.RawMessage {
	if a == nil {
		if fastjson.HasSpace(raw) {
			return fastjson.AppendCompact(nil, raw)
		}
		return append(json.RawMessage(nil), raw...)
	}
	start := len(a.buf)
	a.buf = fastjson.AppendCompact(a.buf, raw)
	return a.buf[start:len(a.buf):len(a.buf)]
}

// decodeValidValue is DecodeMetadataValue for a non-empty key and a valid JSON value with
// no white space around it.
func decodeValidValue(key string, raw []byte, arena *valueArena) (MetadataEntry, error) {
	if key == "" {
		return MetadataEntry{}, Errorf(EINVALID, "metadata key is empty")
	}
	if raw[0] == '{' {
		if typ, value, ok := typedForm(raw); ok {
			return typedValidValue(key, typ, value, arena)
		}
	}
	return inferValidValue(key, raw, arena)
}

// typedForm reports whether the valid JSON object raw is the typed wire form: exactly the
// members raw_value and type (the last of each when repeated), type a string.
func typedForm(raw []byte) (typ string, value []byte, ok bool) {
	var rawType []byte
	other := false
	fastjson.Members(raw, func(k, v []byte) bool {
		switch {
		case string(k) == `"raw_value"`:
			value = v
		case string(k) == `"type"`:
			rawType = v
		case bytes.IndexByte(k, '\\') < 0:
			other = true
		default:
			switch fastjson.Unquote(k) {
			case "raw_value":
				value = v
			case "type":
				rawType = v
			default:
				other = true
			}
		}
		return !other
	})
	if other || value == nil || len(rawType) == 0 || rawType[0] != '"' {
		return "", nil, false
	}
	return fastjson.Unquote(rawType), value, true
}

// inferValidValue types a valid JSON value by its kind.
func inferValidValue(key string, raw []byte, arena *valueArena) (MetadataEntry, error) {
	var typ string
	switch raw[0] {
	case '"':
		typ = MetaText
	case '{', '[':
		typ = MetaJSON
	case 't', 'f':
		typ = MetaBool
	case 'n':
		typ = MetaNull
	default:
		if isIntegerLiteral(raw) {
			typ = MetaInt
		} else {
			typ = MetaFloat
		}
	}
	return MetadataEntry{Key: key, Type: typ, Value: arena.compact(raw)}, nil
}

func typedMetadataValue(key, typ string, raw json.RawMessage) (MetadataEntry, error) {
	raw = bytes.TrimSpace(raw)
	if !fastjson.Valid(raw) {
		return MetadataEntry{}, Errorf(EINVALID, "metadata %q is not valid JSON", key)
	}
	return typedValidValue(key, typ, raw, nil)
}

func isNumber(raw []byte) bool { return raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9' }

// typedValidValue checks and normalizes a value of a declared type; raw is valid JSON with
// no white space around it. The types that need the value decoded (asset, table,
// table_schema, table_column_lineage) decode it; the others look at its kind.
func typedValidValue(key, typ string, raw []byte, arena *valueArena) (MetadataEntry, error) {
	t := strings.ToLower(strings.TrimSpace(typ))
	if alias, ok := metadataTypeAliases[t]; ok {
		t = alias
	}
	switch t {
	case "", "__infer__":
		return inferValidValue(key, raw, arena)
	case MetaText, MetaURL, MetaPath, MetaMarkdown, MetaNotebook, MetaRun:
		if raw[0] != '"' {
			return MetadataEntry{}, badValue(key, t, "a string", raw)
		}
	case MetaJSON:
		// any JSON value
	case MetaInt:
		if !isNumber(raw) {
			return MetadataEntry{}, badValue(key, t, "an integer", raw)
		}
		if !isIntegerLiteral(raw) {
			f, err := json.Number(raw).Float64()
			if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
				return MetadataEntry{}, badValue(key, t, "an integer", raw)
			}
			raw = strconv.AppendInt(nil, int64(f), 10)
		}
	case MetaFloat:
		switch {
		case isNumber(raw):
		case raw[0] == '"':
			switch strings.ToLower(fastjson.Unquote(raw)) {
			case "nan", "inf", "infinity", "-inf", "-infinity", "+inf", "+infinity":
			default:
				return MetadataEntry{}, badValue(key, t, "a number", raw)
			}
		default:
			return MetadataEntry{}, badValue(key, t, "a number", raw)
		}
	case MetaBool:
		if raw[0] != 't' && raw[0] != 'f' {
			return MetadataEntry{}, badValue(key, t, "true or false", raw)
		}
	case MetaTimestamp:
		switch {
		case isNumber(raw):
		case raw[0] == '"':
			ts, err := time.Parse(time.RFC3339Nano, fastjson.Unquote(raw))
			if err != nil {
				return MetadataEntry{}, badValue(key, t, "seconds since the epoch or an RFC 3339 time", raw)
			}
			raw = strconv.AppendFloat(nil, float64(ts.UnixMicro())/1e6, 'f', -1, 64)
		default:
			return MetadataEntry{}, badValue(key, t, "seconds since the epoch or an RFC 3339 time", raw)
		}
	case MetaNull:
		if raw[0] != 'n' {
			return MetadataEntry{}, badValue(key, t, "null", raw)
		}
	case MetaAsset, MetaTable, MetaTableSchema, MetaTableColumnLineage:
		var v any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		_ = dec.Decode(&v) // raw is valid JSON
		var err error
		if raw, err = structuredValue(key, t, raw, v); err != nil {
			return MetadataEntry{}, err
		}
	default:
		return MetadataEntry{}, Errorf(EINVALID, "metadata %q has unknown type %q (known types: %s)",
			key, typ, strings.Join(MetadataTypes, ", "))
	}
	return MetadataEntry{Key: key, Type: knownType(t), Value: arena.compact(raw)}, nil
}

// knownType returns the constant naming type t, so that entries keep no string of the
// input for their type.
func knownType(t string) string {
	for _, c := range MetadataTypes {
		if c == t {
			return c
		}
	}
	return t
}

func badValue(key, t, want string, raw []byte) error {
	return Errorf(EINVALID, "metadata %q of type %s needs %s, got %s", key, t, want, fastjson.Kind(raw))
}

// structuredValue checks and normalizes a value of one of the types whose value is a
// structure (v is raw decoded).
func structuredValue(key, t string, raw []byte, v any) ([]byte, error) {
	fail := func(want string) ([]byte, error) { return nil, badValue(key, t, want, raw) }
	switch t {
	case MetaAsset:
		var k AssetKey
		switch x := v.(type) {
		case string:
			k = splitAssetKey(x)
		case []any:
			for _, p := range x {
				s, ok := p.(string)
				if !ok {
					return fail("an asset key (a string or a list of strings)")
				}
				k = append(k, s)
			}
		case map[string]any: // {"path": [...]}, as Dagster serializes AssetKey
			parts, _ := x["path"].([]any)
			for _, p := range parts {
				s, ok := p.(string)
				if !ok {
					return fail("an asset key (a string or a list of strings)")
				}
				k = append(k, s)
			}
		default:
			return fail("an asset key (a string or a list of strings)")
		}
		if err := k.Validate(); err != nil {
			return nil, Errorf(EINVALID, "metadata %q: %s", key, err.Error())
		}
		raw, _ = json.Marshal(k.String())
	case MetaTable:
		switch x := v.(type) {
		case map[string]any:
		case []any: // a bare list of rows
			raw, _ = json.Marshal(map[string]any{"records": x})
		default:
			return fail("an object with records (and optionally schema)")
		}
	case MetaTableSchema:
		if err := validateTableSchema(v); err != "" {
			return nil, Errorf(EINVALID, "metadata %q of type table_schema: %s", key, err)
		}
	case MetaTableColumnLineage:
		if _, ok := v.(map[string]any); !ok {
			return fail("an object with deps_by_column")
		}
	}
	return raw, nil
}

func validateTableSchema(v any) string {
	obj, ok := v.(map[string]any)
	if !ok {
		return "needs an object with columns"
	}
	cols, ok := obj["columns"].([]any)
	if !ok {
		return "needs a columns list"
	}
	for i, c := range cols {
		col, ok := c.(map[string]any)
		if !ok {
			return fmt.Sprintf("column %d is not an object", i+1)
		}
		if name, ok := col["name"].(string); !ok || name == "" {
			return fmt.Sprintf("column %d has no name", i+1)
		}
	}
	return ""
}

func isIntegerLiteral(raw []byte) bool {
	if len(raw) == 0 {
		return false
	}
	s := raw
	if s[0] == '-' {
		s = s[1:]
	}
	if len(s) == 0 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func jsonErrorText(err error) string {
	if err == io.EOF {
		return "unexpected end of input"
	}
	msg := err.Error()
	return strings.TrimPrefix(msg, "json: ")
}
