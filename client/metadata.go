package client

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/plumbline/plumbline"
)

// The functions below build metadata entries of one type each, for a plumbline.Metadata
// literal:
//
//	plumbline.Metadata{client.Int("rows", 1200), client.Float("seconds", 3.5)}
//
// For the other types (table, table_schema, …) use plumbline.NewMetadataEntry, and for a
// JSON object of plain or typed values plumbline.DecodeMetadata.

// Text returns a text entry.
func Text(key, value string) plumbline.MetadataEntry {
	return stringEntry(key, plumbline.MetaText, value)
}

// URL returns a url entry, shown as a link.
func URL(key, value string) plumbline.MetadataEntry {
	return stringEntry(key, plumbline.MetaURL, value)
}

// Path returns a path entry: a file or object-store path.
func Path(key, value string) plumbline.MetadataEntry {
	return stringEntry(key, plumbline.MetaPath, value)
}

// Markdown returns an md entry, shown rendered.
func Markdown(key, value string) plumbline.MetadataEntry {
	return stringEntry(key, plumbline.MetaMarkdown, value)
}

// Int returns an int entry.
func Int(key string, value int64) plumbline.MetadataEntry {
	return plumbline.MetadataEntry{Key: key, Type: plumbline.MetaInt, Value: strconv.AppendInt(nil, value, 10)}
}

// Float returns a float entry. A whole number keeps a decimal point (3 is written 3.0),
// and NaN and the infinities are written "NaN", "Infinity" and "-Infinity", as Python's
// json module writes them.
func Float(key string, value float64) plumbline.MetadataEntry {
	var raw []byte
	switch {
	case math.IsNaN(value):
		raw = []byte(`"NaN"`)
	case math.IsInf(value, 1):
		raw = []byte(`"Infinity"`)
	case math.IsInf(value, -1):
		raw = []byte(`"-Infinity"`)
	default:
		raw = strconv.AppendFloat(nil, value, 'g', -1, 64)
		if !bytes.ContainsAny(raw, ".e") {
			raw = append(raw, ".0"...)
		}
	}
	return plumbline.MetadataEntry{Key: key, Type: plumbline.MetaFloat, Value: raw}
}

// Bool returns a bool entry.
func Bool(key string, value bool) plumbline.MetadataEntry {
	return plumbline.MetadataEntry{Key: key, Type: plumbline.MetaBool, Value: strconv.AppendBool(nil, value)}
}

// Timestamp returns a timestamp entry: seconds since the epoch, to the microsecond.
func Timestamp(key string, t time.Time) plumbline.MetadataEntry {
	secs := strconv.FormatFloat(float64(t.UnixMicro())/1e6, 'f', -1, 64)
	return plumbline.MetadataEntry{Key: key, Type: plumbline.MetaTimestamp, Value: json.RawMessage(secs)}
}

// JSON returns a json entry holding any JSON value, e.g. json.RawMessage(`{"a": [1, 2]}`).
// Invalid JSON is reported when the entry is sent.
func JSON(key string, value json.RawMessage) plumbline.MetadataEntry {
	return plumbline.MetadataEntry{Key: key, Type: plumbline.MetaJSON, Value: value}
}

// Asset returns an asset entry: a reference to another asset.
func Asset(key string, asset plumbline.AssetKey) plumbline.MetadataEntry {
	return stringEntry(key, plumbline.MetaAsset, asset.String())
}

func stringEntry(key, typ, value string) plumbline.MetadataEntry {
	return plumbline.MetadataEntry{Key: key, Type: typ, Value: jsonString(value)}
}

func jsonString(s string) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return bytes.TrimRight(b.Bytes(), "\n")
}

// encodeMetadata writes metadata in the typed wire form, in order:
// {"key": {"raw_value": V, "type": T}, …}. An entry with no value sends null; an entry with
// no type lets the server infer it from the value. Returns EINVALID for an empty or
// repeated key or a value that is not valid JSON; nil for no metadata.
func encodeMetadata(m plumbline.Metadata) (json.RawMessage, error) {
	if len(m) == 0 {
		return nil, nil
	}
	var b bytes.Buffer
	b.WriteByte('{')
	seen := make(map[string]bool, len(m))
	for i, e := range m {
		if e.Key == "" {
			return nil, plumbline.Errorf(plumbline.EINVALID, "metadata key is empty")
		}
		if seen[e.Key] {
			return nil, plumbline.Errorf(plumbline.EINVALID, "metadata %q is given twice", e.Key)
		}
		seen[e.Key] = true
		value := bytes.TrimSpace(e.Value)
		if len(value) == 0 {
			value = []byte("null")
		}
		if !json.Valid(value) {
			return nil, plumbline.Errorf(plumbline.EINVALID, "metadata %q is not valid JSON", e.Key)
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(jsonString(e.Key))
		b.WriteString(`:{"raw_value":`)
		b.Write(value)
		b.WriteString(`,"type":`)
		b.Write(jsonString(strings.TrimSpace(e.Type)))
		b.WriteByte('}')
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
