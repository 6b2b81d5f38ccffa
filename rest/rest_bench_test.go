package rest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/internal/dbtest"
	"github.com/plumbline/plumbline/rest"
	"github.com/plumbline/plumbline/store"
)

// The body the end-to-end REST benchmark posts.
const benchBody = `{"data_version": "8f3a91c2", "metadata": {"rows": 1200, "ratio": 0.98, "owner": "team:data"}}`

// benchLog is an event log that assigns ids and keeps nothing: it isolates the handler.
type benchLog struct {
	plumbline.EventLog
	last atomic.Int64
}

func (l *benchLog) Append(_ context.Context, events []plumbline.Event) ([]int64, error) {
	return []int64{l.last.Add(int64(len(events)))}, nil
}

func benchRequest(n int) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/report_asset_materialization/bench/rest/asset"+strconv.Itoa(n%100), strings.NewReader(benchBody))
	req.Header.Set("Content-Type", "application/json")
	return req
}

// BenchmarkDecodeReport decodes one small JSON report into its event.
func BenchmarkDecodeReport(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		req := benchRequest(7)
		if _, err := rest.DecodeReport(plumbline.AssetMaterialization, "bench/rest/asset7", req, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHandler serves single-event reports in process: with an event log that keeps
// nothing (the handler alone), and from 32 goroutines on each database (the store's group
// commit at the concurrency of the end-to-end benchmark, without the network).
func BenchmarkHandler(b *testing.B) {
	serve := func(b *testing.B, log plumbline.EventLog, parallel bool) {
		mux := http.NewServeMux()
		(&rest.Handler{Log: log}).Register(mux)
		one := func(i int) {
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, benchRequest(i))
			if w.Code != http.StatusOK {
				b.Errorf("%d %s", w.Code, w.Body)
			}
		}
		b.ReportAllocs()
		if !parallel {
			i := 0
			for b.Loop() {
				one(i)
				i++
			}
			return
		}
		b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0)))
		var n atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				one(int(n.Add(1)))
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	}
	b.Run("discard", func(b *testing.B) { serve(b, &benchLog{}, false) })
	for _, db := range []struct {
		name string
		open func(testing.TB) *store.Store
	}{{"sqlite", dbtest.SQLite}, {"postgres", dbtest.Postgres}} {
		b.Run(db.name, func(b *testing.B) {
			s := db.open(b)
			b.Run("parallel32", func(b *testing.B) { serve(b, s, true) })
		})
	}
}
