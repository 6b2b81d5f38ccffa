package store_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/internal/dbtest"
	"github.com/plumbline/plumbline/store"
)

// TestEventPagesMatchTheLog pages through the log forwards (Events) and backwards
// (EventsBefore) with every shape of filter — one or several asset keys, one or several
// types, run, partition, and their combinations — and compares each walk with the events
// a plain scan of the whole log selects.
func TestEventPagesMatchTheLog(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		rng := rand.New(rand.NewPCG(7, 7))
		keys := []string{"a", "b", "c", "d"}
		types := []plumbline.EventType{plumbline.AssetMaterialization, plumbline.AssetObservation, plumbline.AssetCheckEvaluation}
		var in []plumbline.Event
		for range 300 {
			e := plumbline.Event{Type: types[rng.IntN(len(types))], AssetKey: key(keys[rng.IntN(len(keys))])}
			if e.Type == plumbline.AssetCheckEvaluation {
				e.CheckName, e.Passed = "c", boolp(true)
			}
			if rng.IntN(3) == 0 {
				e.RunID = "r1"
			}
			if rng.IntN(4) == 0 && e.Type != plumbline.AssetCheckEvaluation {
				e.Partition = "p1"
			}
			if rng.IntN(10) == 0 {
				e = plumbline.Event{Type: plumbline.Log, Message: "log", RunID: "r1"}
			}
			in = append(in, e)
		}
		mustAppend(t, s, in...)
		all, err := s.Events(ctx, plumbline.EventFilter{}, 0, 10000)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != len(in) {
			t.Fatalf("the log has %d events, want %d", len(all), len(in))
		}
		ks := func(names ...string) []plumbline.AssetKey {
			var out []plumbline.AssetKey
			for _, n := range names {
				out = append(out, key(n))
			}
			return out
		}
		mats, mo := types[:1], types[:2]
		for _, f := range []plumbline.EventFilter{
			{},
			{Types: mats},
			{Types: mo},
			{Types: types},
			{AssetKeys: ks("a")},
			{AssetKeys: ks("a", "c")},
			{AssetKeys: ks("a", "c"), Types: mo},
			{AssetKeys: ks("b"), Types: mo},
			{AssetKeys: ks("b"), Partition: "p1"},
			{AssetKeys: ks("a", "b", "d"), Partition: "p1", Types: mats},
			{RunID: "r1"},
			{RunID: "r1", Types: mo},
			{RunID: "r1", AssetKeys: ks("c", "d")},
		} {
			var want []int64
			for _, e := range all {
				if matches(f, e) {
					want = append(want, e.StorageID)
				}
			}
			for _, size := range []int{1, 7, 1000} {
				var fwd []int64
				for after := int64(0); ; {
					page, err := s.Events(ctx, f, after, size)
					if err != nil {
						t.Fatal(err)
					}
					for _, e := range page {
						fwd = append(fwd, e.StorageID)
					}
					if len(page) < size {
						break
					}
					after = page[len(page)-1].StorageID
				}
				if diff := cmp.Diff(want, fwd); diff != "" {
					t.Errorf("%s, pages of %d forwards (-want +got):\n%s", show(f), size, diff)
				}
				var back []int64
				for before := int64(0); ; {
					page, err := s.EventsBefore(ctx, f, before, size)
					if err != nil {
						t.Fatal(err)
					}
					for _, e := range page {
						back = append(back, e.StorageID)
					}
					if len(page) < size {
						break
					}
					before = page[len(page)-1].StorageID
				}
				slices.Reverse(back)
				if diff := cmp.Diff(want, back); diff != "" {
					t.Errorf("%s, pages of %d backwards (-want +got):\n%s", show(f), size, diff)
				}
			}
		}
	})
}

func matches(f plumbline.EventFilter, e plumbline.Event) bool {
	if len(f.Types) > 0 && !slices.Contains(f.Types, e.Type) {
		return false
	}
	if len(f.AssetKeys) > 0 && !slices.ContainsFunc(f.AssetKeys, func(k plumbline.AssetKey) bool { return k.String() == e.AssetKey.String() && e.AssetKey != nil }) {
		return false
	}
	if f.RunID != "" && e.RunID != f.RunID {
		return false
	}
	return f.Partition == "" || e.Partition == f.Partition
}

func show(f plumbline.EventFilter) string {
	return fmt.Sprintf("types %v keys %v run %q partition %q", f.Types, f.AssetKeys, f.RunID, f.Partition)
}
