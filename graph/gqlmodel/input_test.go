package gqlmodel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/plumbline/plumbline"
)

// referenceMetadata is how an event's metadata was read before MetadataInput: the JSON
// scalar written back by encoding/json, then decoded by plumbline.DecodeMetadata.
func referenceMetadata(v any) (m plumbline.Metadata, encodeErr, err error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, plumbline.Errorf(plumbline.EINVALID, "value cannot be encoded as JSON: %v", err), nil
	}
	m, err = plumbline.DecodeMetadata(bytes.TrimRight(buf.Bytes(), "\n"))
	return m, nil, err
}

func checkMetadataFromValue(t *testing.T, v any) {
	t.Helper()
	got, gotEnc, gotErr := metadataFromValue(v)
	want, wantEnc, wantErr := referenceMetadata(v)
	sameErr := func(a, b error) bool { return (a == nil) == (b == nil) && (a == nil || a.Error() == b.Error()) }
	if !sameErr(gotEnc, wantEnc) || !sameErr(gotErr, wantErr) {
		t.Fatalf("metadataFromValue(%#v): errors %v / %v, reference %v / %v", v, gotEnc, gotErr, wantEnc, wantErr)
	}
	if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", want) {
		t.Fatalf("metadataFromValue(%#v) = %#v, reference %#v", v, got, want)
	}
}

// FuzzMetadataFromValue checks that metadata decoded from a variable's value is exactly
// what writing the value back as JSON and decoding that gave.
func FuzzMetadataFromValue(f *testing.F) {
	for _, s := range []string{`{}`, `null`, `[1]`, `"x"`, `5`, `{"a": 1, "b": 1.5, "c": "<&>", "d": true, "e": null}`,
		`{"t": {"raw_value": "2020-01-01T00:00:00Z", "type": "timestamp"}, "u": {"type": "url", "raw_value": "https://x"}}`,
		`{"n": {"raw_value": "x", "type": "int"}}`, `{"": 1}`, `{"j": {"z": 1, "a": [2, {"y": 3, "b": 4}]}}`,
		`{"k": {"raw_value": 1, "type": "int", "x": 2}}`, `{"s": "\u2028\u0001"}`, `{"q": {"raw_value": 1, "type": null}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) != nil {
			return
		}
		checkMetadataFromValue(t, v)
	})
}

// TestMetadataFromLiteralValues covers what gqlparser makes of GraphQL literals (int64,
// float64) and values with no JSON form.
func TestMetadataFromLiteralValues(t *testing.T) {
	for _, v := range []any{
		map[string]any{"i": int64(3), "f": 1.0, "g": 2.5, "h": 1e21, "l": []any{int64(1), "x"}},
		map[string]any{"bad": json.Number("1x"), "a": 1},
		map[string]any{"a": map[string]any{"raw_value": int64(3), "type": "float"}},
		map[string]any{"\xff": 1, "\xfe": 2},
		map[string]any{"a": float64(1) / 3, "b": func() {}},
		[]any{map[string]any{"a": 1}},
	} {
		checkMetadataFromValue(t, v)
	}
}
