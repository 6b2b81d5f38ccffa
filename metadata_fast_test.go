package plumbline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
)

// Differential tests: the single-pass metadata decoder against the reference decoder
// (metadata_ref_test.go), which defines the behavior. Same entries — keys, types, value
// bytes, order, nil for none — and the same errors, word for word, on every input.

func sameMetadata(t *testing.T, what string, got Metadata, gotErr error, want Metadata, wantErr error) {
	t.Helper()
	if (gotErr == nil) != (wantErr == nil) || gotErr != nil && (gotErr.Error() != wantErr.Error() || ErrorCode(gotErr) != ErrorCode(wantErr)) {
		t.Fatalf("%s: error %v, reference %v", what, gotErr, wantErr)
	}
	if (got == nil) != (want == nil) || len(got) != len(want) {
		t.Fatalf("%s: %s, reference %s", what, show(got), show(want))
	}
	for i := range want {
		if got[i].Key != want[i].Key || got[i].Type != want[i].Type || !bytes.Equal(got[i].Value, want[i].Value) ||
			(got[i].Value == nil) != (want[i].Value == nil) {
			t.Fatalf("%s: %s, reference %s", what, show(got), show(want))
		}
	}
}

func show(m Metadata) string {
	if m == nil {
		return "nil"
	}
	s := "["
	for _, e := range m {
		s += fmt.Sprintf("%q:%s=%q ", e.Key, e.Type, e.Value)
	}
	return s + "]"
}

// typedSeeds are values of every type, good and bad, in the typed wire form.
var typedSeeds = func() []string {
	values := []string{`"hi"`, `"a/b"`, `"a\\/b"`, `""`, `3`, `-3`, `3.0`, `3.5`, `1e3`, `1e400`, `9007199254740993.0`, `-0`,
		`true`, `null`, `"NaN"`, `"-Infinity"`, `"inf "`, `"2023-11-14T22:13:20.5Z"`, `"yesterday"`, `1700000000.25`,
		`["a/x", "b"]`, `["a", 1]`, `[]`, `{"path": ["a", "b"]}`, `{"path": "x"}`, `{"records": [{"a": 1}]}`,
		`[{"a": 1}]`, `{"columns": [{"name": "id", "type": "int"}]}`, `{"columns": [{}]}`, `{"columns": "x"}`,
		`{"deps_by_column": {}}`, ` { "a" : [ 1 , 2 ] } `, `"\u00e9\u2028<&>"`}
	types := []string{"text", "url", "path", "json", "md", "int", "float", "bool", "timestamp", "asset", "run", "table",
		"table_schema", "table_column_lineage", "null", "notebook", "dagster_run", "markdown", "integer", "boolean",
		"__infer__", "", " INT ", "Float", "bogus"}
	var out []string
	for _, typ := range types {
		for _, v := range values {
			out = append(out, fmt.Sprintf(`{"raw_value": %s, "type": %q}`, v, typ))
		}
	}
	return out
}()

var objectSeeds = []string{
	``, `null`, ` null `, `{}`, `{ }`, `[1]`, `"x"`, `1`, `{"a": 1`, `{"a": 1}x`, `{"a":}`, `{"": 1}`, `{"a": 1e999}`,
	`{"z": "text", "rows": 10, "ratio": 1.0, "exp": 1e3, "neg": -4, "ok": true, "nothing": null, "obj": {"a": [1, 2]}, "list": [1, "x"]}`,
	`{"a": 1, "b": 2, "a": 3}`, `{"a\u0062": 1, "ab": 2}`, `{"k": {"raw_value": 1, "type": null}}`,
	`{"k": {"raw_value": 1, "type": "int", "x": 2}}`, `{"k": {"raw\u005fvalue": 1, "type": "int"}}`,
	`{"k": {"raw_value": 1, "raw_value": "x", "type": "int"}}`, `{"k": {"type": "int", "raw_value": 1, "type": "text"}}`,
	`{"k": {"raw_value": 1}}`, `{"k": {"type": "int"}}`, "{\"\xff\": 1}", "{\"a\": \"\xff\"}", `{"a": "\u0000"}`,
	"\xef\xbb\xbf{}", "\u00a0{\"a\": 1}\u00a0", `{"a":[1,{"b":null}]}`,
	`{"q": "select * from t where a < 3 && b > 2", "d": {"raw_value": "https://x/?a=1&b=2", "type": "url"}}`,
}

func FuzzDecodeMetadataMatchesReference(f *testing.F) {
	for _, s := range objectSeeds {
		f.Add([]byte(s))
	}
	for _, s := range typedSeeds {
		f.Add([]byte(`{"k": ` + s + `, "plain": 1}`))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := DecodeMetadata(data)
		want, werr := refDecodeMetadata(data)
		sameMetadata(t, fmt.Sprintf("DecodeMetadata(%q)", data), got, err, want, werr)
	})
}

func FuzzDecodeMetadataValueMatchesReference(f *testing.F) {
	for _, s := range append(typedSeeds, objectSeeds...) {
		f.Add("k", []byte(s))
	}
	f.Add("", []byte(`1`))
	f.Fuzz(func(t *testing.T, key string, raw []byte) {
		got, err := DecodeMetadataValue(key, raw)
		want, werr := refDecodeMetadataValue(key, raw)
		sameMetadata(t, fmt.Sprintf("DecodeMetadataValue(%q, %q)", key, raw), Metadata{got}, err, Metadata{want}, werr)
	})
}

func FuzzNewMetadataEntryMatchesReference(f *testing.F) {
	for _, typ := range []string{"text", "int", "float", "timestamp", "asset", "table", "json", "null", "bogus", "Url"} {
		for _, v := range []string{`"x"`, `1`, `1.5`, ` [1] `, `{"records": []}`, `"2020-01-01T00:00:00Z"`, `null`, `{`, ``} {
			f.Add("k", typ, []byte(v))
		}
	}
	f.Fuzz(func(t *testing.T, key, typ string, raw []byte) {
		got, err := NewMetadataEntry(key, typ, raw)
		want, werr := refNewMetadataEntry(key, typ, raw)
		sameMetadata(t, fmt.Sprintf("NewMetadataEntry(%q, %q, %q)", key, typ, raw), Metadata{got}, err, Metadata{want}, werr)
	})
}

// TestDecodeMetadataMatchesReferenceOnSeeds runs the seeds of the fuzz targets as a plain
// test, so that `go test` checks them every time.
func TestDecodeMetadataMatchesReferenceOnSeeds(t *testing.T) {
	for _, s := range objectSeeds {
		got, err := DecodeMetadata([]byte(s))
		want, werr := refDecodeMetadata([]byte(s))
		sameMetadata(t, fmt.Sprintf("DecodeMetadata(%q)", s), got, err, want, werr)
	}
	for _, s := range typedSeeds {
		for _, in := range []string{`{"k": ` + s + `}`, `{"a": 1, "k": ` + s + `, "b": [true]}`} {
			got, err := DecodeMetadata([]byte(in))
			want, werr := refDecodeMetadata([]byte(in))
			sameMetadata(t, fmt.Sprintf("DecodeMetadata(%q)", in), got, err, want, werr)
		}
	}
	// Many keys: the decoder switches from searching its entries to an index.
	var b bytes.Buffer
	b.WriteString("{")
	for i := range 100 {
		fmt.Fprintf(&b, `"k%d": %d, `, i%40, i)
	}
	b.WriteString(`"last": {"raw_value": "x", "type": "url"}}`)
	got, err := DecodeMetadata(b.Bytes())
	want, werr := refDecodeMetadata(b.Bytes())
	sameMetadata(t, "DecodeMetadata(100 keys)", got, err, want, werr)
}

// TestDecodedValuesDoNotShareMemory checks that values decoded into one buffer are capped:
// appending to one does not change the next.
func TestDecodedValuesDoNotShareMemory(t *testing.T) {
	m, err := DecodeMetadata([]byte(`{"a": 1, "b": 2}`))
	if err != nil {
		t.Fatal(err)
	}
	_ = append(m[0].Value, '9')
	if string(m[1].Value) != "2" {
		t.Fatalf("appending to a value changed the next: %q", m[1].Value)
	}
}

func FuzzMetadataFromMapMatchesReference(f *testing.F) {
	for _, s := range objectSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var values map[string]any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if dec.Decode(&values) != nil {
			return
		}
		got, err := MetadataFromMap(values)
		want, werr := refMetadataFromMap(values)
		sameMetadata(t, fmt.Sprintf("MetadataFromMap(%q)", data), got, err, want, werr)
	})
}
