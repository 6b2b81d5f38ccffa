package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ingest is benchmark 1: batches of 1,000 realistic events through GraphQL reportEvents
// over HTTP against the binary on PostgreSQL, vs. pgx CopyFrom of the same rows into a
// table made LIKE event_log INCLUDING ALL in the same schema, at the same concurrency.
func (b *runner) ingest(ctx context.Context, _ string) error {
	const distinct = 16 // distinct request bodies, sent in turn
	progress("generating %d batches of %d events", distinct, b.cfg.BatchSize)
	batches := ingestBatches(distinct, b.cfg.BatchSize)
	bodies := make([][]byte, distinct)
	rows := make([][][]any, distinct)
	bodyBytes := 0
	for i, evs := range batches {
		bodies[i] = reportEventsBody(evs)
		bodyBytes += len(bodies[i])
		rows[i] = make([][]any, len(evs))
		for j := range evs {
			// Through GraphQL variables metadata arrives decoded into maps, and is stored
			// with the keys of every object sorted (REST keeps them as reported): write
			// it as the binary does.
			g := evs[j]
			g.Metadata = viaMap(g.Metadata)
			e, err := g.event()
			if err != nil {
				return fmt.Errorf("generated event: %w", err)
			}
			if rows[i][j], err = row(e); err != nil {
				return err
			}
		}
	}

	schema, dbURL, err := b.schemas.create(ctx, "ingest")
	if err != nil {
		return err
	}
	srv, err := b.serve(ctx, "ingest-postgres", "", dbURL)
	if err != nil {
		return err
	}
	defer srv.Stop()
	pcfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return err
	}
	pcfg.MaxConns = int32(b.cfg.IngestClients)
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, "CREATE TABLE event_log_baseline (LIKE event_log INCLUDING ALL)"); err != nil {
		return fmt.Errorf("create baseline table in %s: %w", schema, err)
	}

	other, err := b.other(ctx, "ingest-postgres", "", dbURL)
	if err != nil {
		return err
	}
	if other != nil {
		defer other.Stop()
	}
	hc := newHTTPClient(b.cfg.IngestClients)
	url := srv.URL + "/graphql"
	var next atomic.Int64
	candidateOn := func(srv *server) side {
		return func(ctx context.Context) (float64, error) {
			rate, err := count(ctx, b.cfg.IngestBatches, b.cfg.IngestClients, func(ctx context.Context, _ int) error {
				var resp bytes.Buffer
				i := int(next.Add(1)) % distinct
				if err := post(ctx, hc, srv.URL+"/graphql", bodies[i], &resp); err != nil {
					return err
				}
				if bytes.Contains(resp.Bytes(), []byte(`"errors"`)) || !bytes.HasPrefix(resp.Bytes(), []byte(`{"data":{"reportEvents":{"storageIds":[`)) {
					return fmt.Errorf("reportEvents answered %.500s", resp.Bytes())
				}
				return nil
			})
			return rate * float64(b.cfg.BatchSize), err
		}
	}
	var lastID atomic.Int64
	baseline := func(ctx context.Context) (float64, error) {
		rate, err := count(ctx, b.cfg.IngestBatches, b.cfg.IngestClients, func(ctx context.Context, _ int) error {
			i := int(next.Add(1)) % distinct
			src := numbered(rows[i], &lastID)
			_, err := pool.CopyFrom(ctx, pgx.Identifier{"event_log_baseline"}, eventColumns, pgx.CopyFromRows(src))
			return err
		})
		return rate * float64(b.cfg.BatchSize), err
	}

	// Warm up both (and check the candidate answers as it should).
	var resp bytes.Buffer
	if err := post(ctx, hc, url, bodies[0], &resp); err != nil {
		return err
	}
	if !bytes.HasPrefix(resp.Bytes(), []byte(`{"data":{"reportEvents":{"storageIds":[`)) {
		return fmt.Errorf("reportEvents answered %.500s", resp.Bytes())
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"event_log_baseline"}, eventColumns, pgx.CopyFromRows(numbered(rows[0], &lastID))); err != nil {
		return fmt.Errorf("copy into baseline table: %w", err)
	}
	if err := sameRows(ctx, pgRows(pool), pgRows(pool), "event_log", "event_log_baseline", len(rows[0])); err != nil {
		return fmt.Errorf("the baseline does not write what the binary does: %w", err)
	}

	r := b.compare(ctx, comparison{
		Name: fmt.Sprintf("1 ingest: reportEvents %d ev/req, %d clients", b.cfg.BatchSize, b.cfg.IngestClients), DB: "postgres",
		BaseLabel: "pgx CopyFrom", CandLabel: "GraphQL/HTTP", Unit: "ev/s", Target: 0.5,
		Note: fmt.Sprintf("%d requests of %d events per side and round (CHECKPOINT before each); bodies average %d KB; events: ~100 assets, 80%% materializations (3–6 metadata entries), 15%% checks, 5%% observations",
			b.cfg.IngestBatches, b.cfg.BatchSize, bodyBytes/distinct/1024),
	}, b.checkpoint(b.ab(other, baseline, candidateOn)), b.checkpoint(b.perfRecord(srv, "ingest", candidateOn(srv))))
	if r.Err == "" {
		var nEvents, nBase int64
		_ = pool.QueryRow(ctx, "SELECT count(*) FROM event_log").Scan(&nEvents)
		_ = pool.QueryRow(ctx, "SELECT count(*) FROM event_log_baseline").Scan(&nBase)
		progress("event_log has %d rows, event_log_baseline %d", nEvents, nBase)
	}
	return nil
}

// numbered copies rows with the next ids and the current time filled in.
func numbered(rows [][]any, lastID *atomic.Int64) [][]any {
	src := make([][]any, len(rows))
	first := lastID.Add(int64(len(rows))) - int64(len(rows))
	ts := time.Now().UnixMicro()
	for j, r := range rows {
		v := make([]any, len(r))
		copy(v, r)
		v[0], v[2] = first+int64(j)+1, ts
		src[j] = v
	}
	return src
}

// viaMap re-encodes a JSON object as gqlgen hands variables to the JSON scalar: decoded
// into maps (numbers kept as written), encoded again with map keys sorted.
func viaMap(obj string) string {
	dec := json.NewDecoder(strings.NewReader(obj))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return obj
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return obj
	}
	return strings.TrimSpace(b.String())
}
