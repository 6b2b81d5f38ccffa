package store

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/plumbline/plumbline"
)

// The stored metadata encoding against encoding/json, which defines it: the same bytes
// written for any metadata, the same entries read from any text, and a round trip.

func sameEntries(a, b plumbline.Metadata) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key || a[i].Type != b[i].Type || !bytes.Equal(a[i].Value, b[i].Value) || (a[i].Value == nil) != (b[i].Value == nil) {
			return false
		}
	}
	return true
}

func checkEncode(t *testing.T, m plumbline.Metadata) {
	t.Helper()
	want, _ := marshal(m)
	if got := encodeMetadata(m); !bytes.Equal(got, want) {
		t.Fatalf("encodeMetadata(%#v) = %q, encoding/json writes %q", m, got, want)
	}
}

func checkDecode(t *testing.T, s string) {
	t.Helper()
	var want plumbline.Metadata
	_ = json.Unmarshal([]byte(s), &want)
	if got := decodeMetadata(s); !sameEntries(got, want) {
		t.Fatalf("decodeMetadata(%q) = %#v, encoding/json reads %#v", s, got, want)
	}
}

var metaSeeds = []string{
	`{"a": 1, "b": "x\"y\\z\n\u2028<&>", "c": {"raw_value": "https://x", "type": "url"}, "d": [1, {"e": "}"}], "é": null, "f": 1.5e3, "g": true}`,
	`{"sql": "select a from t where x < 3 && y > 2", "md": {"raw_value": "<b>bold</b> & co", "type": "md"}}`,
	`{"k\"ey": {"raw_value": ["a", "b/c"], "type": "asset"}, "t": {"raw_value": [{"a": 1}], "type": "table"}}`,
	`{"x": {"raw_value": "r1", "type": "dagster_run"}}`, `{}`,
}

func FuzzEncodeMetadata(f *testing.F) {
	f.Add("k", "text", []byte(`"v"`), "k2", "json", []byte(`{"a": [1, 2]}`))
	f.Add("", "", []byte(nil), "<&>", "\xff", []byte(`not json`))
	f.Add("a\u2028", "int", []byte(``), "b", "float", []byte(` 1.5 `))
	f.Fuzz(func(t *testing.T, k1, t1 string, v1 []byte, k2, t2 string, v2 []byte) {
		checkEncode(t, plumbline.Metadata{{Key: k1, Type: t1, Value: v1}, {Key: k2, Type: t2, Value: v2}})
		checkEncode(t, plumbline.Metadata{{Key: k1, Type: t1, Value: v1}})
	})
}

func FuzzDecodeStoredMetadata(f *testing.F) {
	for _, s := range metaSeeds {
		m, err := plumbline.DecodeMetadata([]byte(s))
		if err != nil {
			f.Fatal(err)
		}
		b, _ := marshal(m)
		f.Add(string(b))
	}
	for _, s := range []string{``, `null`, `[]`, `[{}]`, `[{"key":"a","type":"int","value":1} ]`, `[ {"key":"a","type":"int","value":1}]`,
		`[{"Key":"a","type":"int","value":1}]`, `[{"key":"a","type":"int","value":1,"x":2}]`, `[{"key":"a","type":"int","value":1},{"key":"b","type":"text"}]`,
		`[{"key":"a\u0062","type":"t\"x","value":{"a" : 1}}]`, `[{"key":"a","type":"int","value":1`, `[{"key":1,"type":"int","value":1}]`,
		`[{"key":"a","key":"b","type":"int","value":1}]`, "[{\"key\":\"\xff\",\"type\":\"text\",\"value\":\"\xfe\"}]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkDecode(t, s) })
}

func TestStoredMetadataRoundTrip(t *testing.T) {
	for _, s := range metaSeeds {
		m, err := plumbline.DecodeMetadata([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		if len(m) == 0 {
			continue
		}
		checkEncode(t, m)
		stored := string(encodeMetadata(m))
		checkDecode(t, stored)
		if back := decodeMetadata(stored); !sameEntries(back, m) {
			t.Fatalf("round trip of %s:\n got %#v\nwant %#v", s, back, m)
		}
	}
	// Values that are not compact are compacted, as encoding/json does; values that are
	// not JSON make encoding/json fail, and the row then holds no metadata, as it did.
	checkEncode(t, plumbline.Metadata{{Key: "a", Type: "json", Value: json.RawMessage(` { "b" : [ 1 , 2 ] } `)}})
	checkEncode(t, plumbline.Metadata{{Key: "a", Type: "json", Value: json.RawMessage(`{`)}})
	checkEncode(t, plumbline.Metadata{{Key: "a", Type: "null"}})
	checkEncode(t, nil)
	// Values read share one buffer: appending to one must not change the next.
	m := decodeMetadata(`[{"key":"a","type":"int","value":1},{"key":"b","type":"int","value":2}]`)
	_ = append(m[0].Value, '9')
	if string(m[1].Value) != "2" {
		t.Fatalf("appending to a value read changed the next: %q", m[1].Value)
	}
}

func BenchmarkStoredMetadata(b *testing.B) {
	m, _ := plumbline.DecodeMetadata([]byte(metaSeeds[0]))
	stored, _ := marshal(m)
	b.Run("Encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			encodeMetadata(m)
		}
	})
	b.Run("Decode", func(b *testing.B) {
		b.ReportAllocs()
		s := string(stored)
		for b.Loop() {
			decodeMetadata(s)
		}
	})
}
