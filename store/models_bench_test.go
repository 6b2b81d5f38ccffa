package store

import (
	"testing"

	"github.com/plumbline/plumbline"
)

// BenchmarkEventRow converts an event to its event_log row (every append) and a row back
// to an event (every event read: the assets page reads one per asset).
func BenchmarkEventRow(b *testing.B) {
	meta, err := plumbline.DecodeMetadata([]byte(`{"row_count": 1200345, "dashboard": {"raw_value": "https://bi.example.com/d/7", "type": "url"},
		"columns": {"names": ["id", "amount"], "count": 2}, "null_fraction": 0.0123, "owner": "team:data"}`))
	if err != nil {
		b.Fatal(err)
	}
	e := plumbline.Event{StorageID: 42, Type: plumbline.AssetMaterialization, AssetKey: plumbline.AssetKey{"warehouse", "domain03", "table042"},
		Partition: "2026-11-20", DataVersion: "8f3a91c2", RunID: "run-0001", Metadata: meta}
	b.Run("ToRow", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := newEventRow(&e, e.AssetKey.String())
			_ = r.values()
		}
	})
	r := newEventRow(&e, e.AssetKey.String())
	b.Run("FromRow", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = r.event()
		}
	})
}
