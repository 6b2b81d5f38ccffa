package plumbline_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbline/plumbline"
)

func entries(m plumbline.Metadata) []string {
	var out []string
	for _, e := range m {
		out = append(out, e.Key+":"+e.Type+"="+string(e.Value))
	}
	return out
}

func TestDecodeMetadataInfersAndKeepsOrder(t *testing.T) {
	m, err := plumbline.DecodeMetadata([]byte(`{"z": "text", "rows": 10, "ratio": 1.0, "exp": 1e3, "neg": -4,
		"ok": true, "nothing": null, "obj": {"a": [1, 2]}, "list": [1, "x"]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`z:text="text"`, "rows:int=10", "ratio:float=1.0", "exp:float=1e3", "neg:int=-4",
		"ok:bool=true", "nothing:null=null", `obj:json={"a":[1,2]}`, `list:json=[1,"x"]`}
	if diff := cmp.Diff(want, entries(m)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestDecodeMetadataTypedValues(t *testing.T) {
	for name, tc := range map[string]struct{ in, want string }{
		"Text":                  {`{"raw_value": "hi", "type": "text"}`, `text="hi"`},
		"URL":                   {`{"raw_value": "https://x", "type": "url"}`, `url="https://x"`},
		"Path":                  {`{"raw_value": "/tmp/x", "type": "path"}`, `path="/tmp/x"`},
		"Markdown":              {`{"raw_value": "# h", "type": "md"}`, `md="# h"`},
		"Notebook":              {`{"raw_value": "a.ipynb", "type": "notebook"}`, `notebook="a.ipynb"`},
		"IntStaysInt":           {`{"raw_value": 3, "type": "int"}`, `int=3`},
		"IntegralFloatAsInt":    {`{"raw_value": 3.0, "type": "int"}`, `int=3`},
		"FloatStaysFloat":       {`{"raw_value": 3, "type": "float"}`, `float=3`},
		"FloatNaN":              {`{"raw_value": "NaN", "type": "float"}`, `float="NaN"`},
		"Bool":                  {`{"raw_value": false, "type": "bool"}`, `bool=false`},
		"TimestampSeconds":      {`{"raw_value": 1700000000.25, "type": "timestamp"}`, `timestamp=1700000000.25`},
		"TimestampRFC3339":      {`{"raw_value": "2023-11-14T22:13:20.5Z", "type": "timestamp"}`, `timestamp=1700000000.5`},
		"AssetString":           {`{"raw_value": "a/b", "type": "asset"}`, `asset="a/b"`},
		"AssetList":             {`{"raw_value": ["a/x", "b"], "type": "asset"}`, `asset="a\\/x/b"`},
		"AssetDagsterForm":      {`{"raw_value": {"path": ["a", "b"]}, "type": "asset"}`, `asset="a/b"`},
		"RunDagsterName":        {`{"raw_value": "r-1", "type": "dagster_run"}`, `run="r-1"`},
		"Table":                 {`{"raw_value": {"records": [{"a": 1}]}, "type": "table"}`, `table={"records":[{"a":1}]}`},
		"TableBareRows":         {`{"raw_value": [{"a": 1}], "type": "table"}`, `table={"records":[{"a":1}]}`},
		"TableSchema":           {`{"raw_value": {"columns": [{"name": "id", "type": "int"}]}, "type": "table_schema"}`, `table_schema={"columns":[{"name":"id","type":"int"}]}`},
		"ColumnLineage":         {`{"raw_value": {"deps_by_column": {}}, "type": "table_column_lineage"}`, `table_column_lineage={"deps_by_column":{}}`},
		"Null":                  {`{"raw_value": null, "type": "null"}`, `null=null`},
		"Infer":                 {`{"raw_value": 2.5, "type": "__infer__"}`, `float=2.5`},
		"NullTypeIsPlainJSON":   {`{"raw_value": 1, "type": null}`, `json={"raw_value":1,"type":null}`},
		"ExtraFieldIsPlainJSON": {`{"raw_value": 1, "type": "int", "x": 2}`, `json={"raw_value":1,"type":"int","x":2}`},
	} {
		t.Run(name, func(t *testing.T) {
			m, err := plumbline.DecodeMetadata([]byte(`{"k": ` + tc.in + `}`))
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimPrefix(entries(m)[0], "k:"); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestDecodeMetadataErrorsNameTheKey(t *testing.T) {
	for in, want := range map[string]string{
		`[1]`:     "metadata must be a JSON object of key to value, got a list",
		`"x"`:     "metadata must be a JSON object of key to value, got a string",
		`{"a": 1`: "metadata is not valid JSON: unexpected end of input",
		`{"": 1}`: "metadata key is empty",
		`{"n": {"raw_value": "x", "type": "int"}}`:                        `metadata "n" of type int needs an integer, got a string`,
		`{"n": {"raw_value": 1.5, "type": "int"}}`:                        `metadata "n" of type int needs an integer, got a number`,
		`{"n": {"raw_value": 1, "type": "bogus"}}`:                        `metadata "n" has unknown type "bogus" (known types: text, url, path, json, md, int, float, bool, timestamp, asset, run, table, table_schema, table_column_lineage, null, notebook)`,
		`{"s": {"raw_value": {"columns": [{}]}, "type": "table_schema"}}`: `metadata "s" of type table_schema: column 1 has no name`,
		`{"a": {"raw_value": "", "type": "asset"}}`:                       `metadata "a": asset key is empty`,
		`{"t": {"raw_value": "yesterday", "type": "timestamp"}}`:          `metadata "t" of type timestamp needs seconds since the epoch or an RFC 3339 time, got a string`,
	} {
		_, err := plumbline.DecodeMetadata([]byte(in))
		if plumbline.ErrorCode(err) != plumbline.EINVALID || plumbline.ErrorMessage(err) != want {
			t.Errorf("DecodeMetadata(%s):\n got  %v\n want %s", in, err, want)
		}
	}
}

func TestDecodeMetadataDuplicateKeyTakesLastValue(t *testing.T) {
	m, err := plumbline.DecodeMetadata([]byte(`{"a": 1, "b": 2, "a": 3}`))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a:int=3", "b:int=2"}, entries(m)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func FuzzDecodeMetadata(f *testing.F) {
	for _, s := range []string{`{}`, `null`, `{"a": 1}`, `{"a": {"raw_value": 1, "type": "float"}}`,
		`{"t": {"raw_value": "2020-01-01T00:00:00Z", "type": "timestamp"}}`, `{"a": [1, {"b": null}]}`,
		`{"x": {"raw_value": ["a", "b"], "type": "asset"}}`, `[`, `{"a":}`, `{"a": 1e999}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := plumbline.DecodeMetadata(data)
		if err != nil {
			if plumbline.ErrorCode(err) != plumbline.EINVALID {
				t.Fatalf("error without EINVALID: %v", err)
			}
			return
		}
		for _, e := range m {
			if !json.Valid(e.Value) {
				t.Fatalf("entry %q holds invalid JSON %q", e.Key, e.Value)
			}
			// A decoded entry written back in the typed wire form decodes to itself.
			k, _ := json.Marshal(e.Key)
			wire := []byte(`{` + string(k) + `: {"raw_value": ` + string(e.Value) + `, "type": "` + e.Type + `"}}`)
			again, err := plumbline.DecodeMetadata(wire)
			if err != nil || len(again) != 1 || again[0].Type != e.Type || string(again[0].Value) != string(e.Value) {
				t.Fatalf("entry %s:%s=%s does not round-trip: %v %v", e.Key, e.Type, e.Value, again, err)
			}
		}
	})
}
