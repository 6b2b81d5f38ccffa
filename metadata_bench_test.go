package plumbline_test

import (
	"encoding/json"
	"testing"

	"github.com/plumbline/plumbline"
)

// Metadata as reporters send it: six entries, plain values whose type is inferred, typed
// values in the {"raw_value", "type"} wire form, and a mix of both (what the end-to-end
// ingestion benchmark sends).
var benchMetadata = []struct{ name, json string }{
	{"Inferred6", `{"row_count": 1200345, "null_fraction": 0.0123, "owner": "team:data", "full_refresh": false,
		"columns": {"names": ["id", "amount", "created_at"], "count": 3}, "duration_s": 12.5}`},
	{"Typed6", `{"dashboard": {"raw_value": "https://bi.example.com/d/7", "type": "url"},
		"path": {"raw_value": "s3://lake/warehouse/t0007/", "type": "path"},
		"loaded_at": {"raw_value": 1763712345.123, "type": "timestamp"},
		"query": {"raw_value": "select * from t where ds = '2026-11-20'", "type": "md"},
		"rows": {"raw_value": 1200, "type": "int"},
		"ratio": {"raw_value": 0.5, "type": "float"}}`},
	{"Mixed4", `{"row_count": 1200345, "dashboard": {"raw_value": "https://bi.example.com/d/7", "type": "url"},
		"columns": {"names": ["id", "amount"], "count": 2}, "null_fraction": 0.0123}`},
}

// BenchmarkDecodeMetadata decodes a reported metadata object into typed entries: the work
// the REST and GraphQL endpoints do for every event.
func BenchmarkDecodeMetadata(b *testing.B) {
	for _, bm := range benchMetadata {
		b.Run(bm.name, func(b *testing.B) {
			data := []byte(bm.json)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := plumbline.DecodeMetadata(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMetadataJSON encodes decoded metadata as the store keeps it in event_log
// (Marshal) and decodes it back as reads do for every event returned (Unmarshal).
func BenchmarkMetadataJSON(b *testing.B) {
	for _, bm := range benchMetadata {
		m, err := plumbline.DecodeMetadata([]byte(bm.json))
		if err != nil {
			b.Fatal(err)
		}
		stored, err := json.Marshal(m)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("Marshal/"+bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := json.Marshal(m); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("Unmarshal/"+bm.name, func(b *testing.B) {
			b.SetBytes(int64(len(stored)))
			b.ReportAllocs()
			for b.Loop() {
				var out plumbline.Metadata
				if err := json.Unmarshal(stored, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEventNormalize validates a materialization with its metadata, as every append
// does.
func BenchmarkEventNormalize(b *testing.B) {
	m, err := plumbline.DecodeMetadata([]byte(benchMetadata[2].json))
	if err != nil {
		b.Fatal(err)
	}
	e := plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: plumbline.AssetKey{"warehouse", "domain03", "table042"},
		Partition: "2026-11-20", DataVersion: "8f3a91c2", RunID: "run-0001", Metadata: m}
	b.ReportAllocs()
	for b.Loop() {
		ev := e
		if err := ev.Normalize(); err != nil {
			b.Fatal(err)
		}
	}
}
