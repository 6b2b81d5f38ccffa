package plumbline

// The reference implementation of metadata decoding: DecodeMetadata and its helpers as
// they were before the single-pass decoder, kept verbatim as the oracle of the
// differential tests in metadata_fast_test.go. Do not "fix" it: it defines the behavior.

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
)

// DecodeMetadata decodes a JSON object of metadata, keeping the order of its keys. Each
// value is plain JSON, whose type is inferred, or {"raw_value": X, "type": T}. JSON null or
// an empty input decode to no metadata. Returns EINVALID naming the offending key.
func refDecodeMetadata(data []byte) (Metadata, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || string(data) == "null" {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, Errorf(EINVALID, "metadata is not valid JSON: %s", refJsonErrorText(err))
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, Errorf(EINVALID, "metadata must be a JSON object of key to value, got %s", refJsonKind(data))
	}
	var m Metadata
	index := map[string]int{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, Errorf(EINVALID, "metadata is not valid JSON: %s", refJsonErrorText(err))
		}
		key := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, Errorf(EINVALID, "metadata %q is not valid JSON: %s", key, refJsonErrorText(err))
		}
		e, err := refDecodeMetadataValue(key, raw)
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
		return nil, Errorf(EINVALID, "metadata is not valid JSON: %s", refJsonErrorText(err))
	}
	if dec.More() {
		return nil, Errorf(EINVALID, "metadata is not valid JSON: data after the object")
	}
	return m, nil
}

// MetadataFromMap decodes metadata that was already decoded from JSON (numbers as
// json.Number keep integers and floats apart). Keys come out sorted.
func refMetadataFromMap(values map[string]any) (Metadata, error) {
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
		e, err := refDecodeMetadataValue(k, raw)
		if err != nil {
			return nil, err
		}
		m = append(m, e)
	}
	return m, nil
}

// DecodeMetadataValue decodes one metadata value: plain JSON (type inferred) or the typed
// wire form {"raw_value": X, "type": T}.
func refDecodeMetadataValue(key string, raw json.RawMessage) (MetadataEntry, error) {
	if key == "" {
		return MetadataEntry{}, Errorf(EINVALID, "metadata key is empty")
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return MetadataEntry{}, Errorf(EINVALID, "metadata %q has no value", key)
	}
	if raw[0] == '{' {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err == nil && len(fields) == 2 {
			value, hasValue := fields["raw_value"]
			rawType := bytes.TrimSpace(fields["type"])
			var typ string
			if hasValue && len(rawType) > 0 && rawType[0] == '"' && json.Unmarshal(rawType, &typ) == nil {
				return refTypedMetadataValue(key, typ, value)
			}
		}
	}
	return refInferMetadataValue(key, raw)
}

// NewMetadataEntry builds an entry of the given type from a raw JSON value, validating and
// normalizing it as the wire form does.
func refNewMetadataEntry(key, typ string, raw json.RawMessage) (MetadataEntry, error) {
	if key == "" {
		return MetadataEntry{}, Errorf(EINVALID, "metadata key is empty")
	}
	return refTypedMetadataValue(key, typ, raw)
}

func refInferMetadataValue(key string, raw json.RawMessage) (MetadataEntry, error) {
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
		if refIsIntegerLiteral(raw) {
			typ = MetaInt
		} else {
			typ = MetaFloat
		}
	}
	if !json.Valid(raw) {
		return MetadataEntry{}, Errorf(EINVALID, "metadata %q is not valid JSON", key)
	}
	return MetadataEntry{Key: key, Type: typ, Value: refCompactJSON(raw)}, nil
}

func refTypedMetadataValue(key, typ string, raw json.RawMessage) (MetadataEntry, error) {
	raw = bytes.TrimSpace(raw)
	if !json.Valid(raw) {
		return MetadataEntry{}, Errorf(EINVALID, "metadata %q is not valid JSON", key)
	}
	t := strings.ToLower(strings.TrimSpace(typ))
	if alias, ok := metadataTypeAliases[t]; ok {
		t = alias
	}
	bad := func(want string) (MetadataEntry, error) {
		return MetadataEntry{}, Errorf(EINVALID, "metadata %q of type %s needs %s, got %s", key, t, want, refJsonKind(raw))
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	_ = dec.Decode(&v) // raw is valid JSON
	switch t {
	case "", "__infer__":
		return refInferMetadataValue(key, raw)
	case MetaText, MetaURL, MetaPath, MetaMarkdown, MetaNotebook, MetaRun:
		if _, ok := v.(string); !ok {
			return bad("a string")
		}
	case MetaJSON:
		// any JSON value
	case MetaInt:
		n, ok := v.(json.Number)
		if !ok {
			return bad("an integer")
		}
		if !refIsIntegerLiteral(raw) {
			f, err := n.Float64()
			if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
				return bad("an integer")
			}
			raw = json.RawMessage(strconv.FormatInt(int64(f), 10))
		}
	case MetaFloat:
		switch x := v.(type) {
		case json.Number:
		case string:
			switch strings.ToLower(x) {
			case "nan", "inf", "infinity", "-inf", "-infinity", "+inf", "+infinity":
			default:
				return bad("a number")
			}
		default:
			return bad("a number")
		}
	case MetaBool:
		if _, ok := v.(bool); !ok {
			return bad("true or false")
		}
	case MetaTimestamp:
		switch x := v.(type) {
		case json.Number:
		case string:
			ts, err := time.Parse(time.RFC3339Nano, x)
			if err != nil {
				return bad("seconds since the epoch or an RFC 3339 time")
			}
			raw = json.RawMessage(strconv.FormatFloat(float64(ts.UnixMicro())/1e6, 'f', -1, 64))
		default:
			return bad("seconds since the epoch or an RFC 3339 time")
		}
	case MetaAsset:
		var k AssetKey
		switch x := v.(type) {
		case string:
			k = splitAssetKey(x)
		case []any:
			for _, p := range x {
				s, ok := p.(string)
				if !ok {
					return bad("an asset key (a string or a list of strings)")
				}
				k = append(k, s)
			}
		case map[string]any: // {"path": [...]}, as Dagster serializes AssetKey
			parts, _ := x["path"].([]any)
			for _, p := range parts {
				s, ok := p.(string)
				if !ok {
					return bad("an asset key (a string or a list of strings)")
				}
				k = append(k, s)
			}
		default:
			return bad("an asset key (a string or a list of strings)")
		}
		if err := k.Validate(); err != nil {
			return MetadataEntry{}, Errorf(EINVALID, "metadata %q: %s", key, err.Error())
		}
		raw, _ = json.Marshal(k.String())
	case MetaTable:
		switch x := v.(type) {
		case map[string]any:
		case []any: // a bare list of rows
			raw, _ = json.Marshal(map[string]any{"records": x})
		default:
			return bad("an object with records (and optionally schema)")
		}
	case MetaTableSchema:
		if err := refValidateTableSchema(v); err != "" {
			return MetadataEntry{}, Errorf(EINVALID, "metadata %q of type table_schema: %s", key, err)
		}
	case MetaTableColumnLineage:
		if _, ok := v.(map[string]any); !ok {
			return bad("an object with deps_by_column")
		}
	case MetaNull:
		if v != nil {
			return bad("null")
		}
	default:
		return MetadataEntry{}, Errorf(EINVALID, "metadata %q has unknown type %q (known types: %s)",
			key, typ, strings.Join(MetadataTypes, ", "))
	}
	return MetadataEntry{Key: key, Type: t, Value: refCompactJSON(raw)}, nil
}

func refCompactJSON(raw []byte) json.RawMessage {
	if len(raw) > 0 && raw[0] != '{' && raw[0] != '[' && raw[0] != '"' {
		return append(json.RawMessage(nil), raw...)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return append(json.RawMessage(nil), raw...)
	}
	return b.Bytes()
}

func refValidateTableSchema(v any) string {
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

func refIsIntegerLiteral(raw []byte) bool {
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

func refJsonKind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

func refJsonErrorText(err error) string {
	if err == io.EOF {
		return "unexpected end of input"
	}
	msg := err.Error()
	return strings.TrimPrefix(msg, "json: ")
}
