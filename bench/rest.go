package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/store"
)

// The single-event REST benchmark posts this body to
// /report_asset_materialization/bench/rest/assetNN, NN cycling over restAssets keys.
const (
	restBody   = `{"data_version": "8f3a91c2", "metadata": {"rows": 1200, "ratio": 0.98, "owner": "team:data"}}`
	restAssets = 100
)

func restPath(n int64) string {
	return "/report_asset_materialization/bench/rest/asset" + strconv.FormatInt(n%restAssets, 10)
}

// restRow returns the event_log row one request becomes (id and ts set per insert).
func restRow(n int64) ([]any, error) {
	meta, err := plumbline.DecodeMetadata([]byte(`{"rows": 1200, "ratio": 0.98, "owner": "team:data"}`))
	if err != nil {
		return nil, err
	}
	e := plumbline.Event{Type: plumbline.AssetMaterialization, DataVersion: "8f3a91c2", Metadata: meta,
		AssetKey: plumbline.AssetKey{"bench", "rest", "asset" + strconv.FormatInt(n%restAssets, 10)}}
	return row(e)
}

// insertSQL inserts one event_log row; the id comes from a sequence on PostgreSQL (as in
// the pgbench script) and from the caller on SQLite.
func insertSQL(table, id string, placeholder func(i int) string) string {
	ph := make([]string, len(eventColumns)-1)
	for i := range ph {
		ph[i] = placeholder(i + 1)
	}
	return "INSERT INTO " + table + " (" + strings.Join(eventColumns, ", ") + ") VALUES (" + id + ", " + strings.Join(ph, ", ") + ")"
}

// restCandidate posts single events with clients goroutines.
func (b *runner) restCandidate(srv *server) side {
	hc := newHTTPClient(b.cfg.RESTClients)
	var n atomic.Int64
	body := []byte(restBody)
	return func(ctx context.Context) (float64, error) {
		return throughput(ctx, b.cfg.Duration, b.cfg.RESTClients, func(ctx context.Context, _ int) (int, error) {
			var resp bytes.Buffer
			if err := post(ctx, hc, srv.URL+restPath(n.Add(1)), body, &resp); err != nil {
				return 0, err
			}
			return 1, nil
		})
	}
}

// rest is benchmark 2, driven from Go: single-event REST reports with 32 concurrent
// clients against the binary, vs. one single-row INSERT per request from 32 goroutines
// into a table shaped like event_log (PostgreSQL: pgx pool of 32, in the same schema;
// SQLite: database/sql with the store's driver and pragmas, in a separate file).
func (b *runner) rest(ctx context.Context, db string) error {
	rows := make([][]any, restAssets)
	for i := range rows {
		var err error
		if rows[i], err = restRow(int64(i)); err != nil {
			return err
		}
	}
	var (
		srv        *server
		dbURL      string
		roundStart = func(context.Context) error { return nil }
		roundEnd   = func() {}
		insertOne  func(ctx context.Context, r []any) error
		check      func(ctx context.Context) error
		label      string
		note       string
	)
	switch db {
	case "postgres":
		var err error
		if _, dbURL, err = b.schemas.create(ctx, "rest"); err != nil {
			return err
		}
		if srv, err = b.serve(ctx, "rest-postgres", "", dbURL); err != nil {
			return err
		}
		defer srv.Stop()
		cfg, err := pgxpool.ParseConfig(dbURL)
		if err != nil {
			return err
		}
		cfg.MaxConns = int32(b.cfg.RESTClients)
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			return err
		}
		defer pool.Close()
		// The pool's 32 connections are opened before each baseline round is timed and
		// closed after it, so that they are not held (on a server shared with others)
		// while the candidate runs.
		roundStart = func(ctx context.Context) error { return warm(ctx, pool, b.cfg.RESTClients) }
		roundEnd = pool.Reset
		for _, q := range []string{
			"CREATE TABLE event_log_baseline (LIKE event_log INCLUDING ALL)",
			"CREATE SEQUENCE event_log_baseline_ids",
		} {
			if _, err := pool.Exec(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		insert := insertSQL("event_log_baseline", "nextval('event_log_baseline_ids')", func(i int) string { return "$" + strconv.Itoa(i) })
		insertOne = func(ctx context.Context, r []any) error {
			_, err := pool.Exec(ctx, insert, append([]any{r[1], time.Now().UnixMicro()}, r[3:]...)...)
			return err
		}
		check = func(ctx context.Context) error {
			return sameRows(ctx, pgRows(pool), pgRows(pool), "event_log", "event_log_baseline", 1)
		}
		label = fmt.Sprintf("pgx INSERT, pool %d", b.cfg.RESTClients)
	case "sqlite":
		var err error
		if srv, err = b.serve(ctx, "rest-sqlite", "", ""); err != nil {
			return err
		}
		defer srv.Stop()
		dir := filepath.Join(b.tmp, "rest-sqlite-baseline")
		// The store's own migrations make the table, so its shape is event_log's exactly.
		st, err := store.Open(ctx, store.Config{DataDir: dir})
		if err != nil {
			return err
		}
		st.Close()
		sdb, err := openSQLite(dir, b.cfg.SQLiteConns)
		if err != nil {
			return err
		}
		defer sdb.Close()
		insert := insertSQL("event_log", "?", func(int) string { return "?" })
		var id atomic.Int64
		insertOne = func(ctx context.Context, r []any) error {
			_, err := sdb.ExecContext(ctx, insert, append([]any{id.Add(1), r[1], time.Now().UnixMicro()}, r[3:]...)...)
			return err
		}
		check = func(ctx context.Context) error {
			cdb, err := openSQLite(filepath.Join(b.tmp, "rest-sqlite-data"), 1)
			if err != nil {
				return err
			}
			defer cdb.Close()
			return sameRows(ctx, sqliteRows(cdb), sqliteRows(sdb), "event_log", "event_log", 1)
		}
		label = fmt.Sprintf("database/sql INSERT, %d conns", b.cfg.SQLiteConns)
		note = fmt.Sprintf("SQLite baseline: %d goroutines sharing a database/sql pool of %d connection(s) (-sqlite-conns), same pragmas as the store", b.cfg.RESTClients, b.cfg.SQLiteConns)
	}
	// Warm up both sides, and check they write the same row.
	var resp bytes.Buffer
	if err := post(ctx, newHTTPClient(1), srv.URL+restPath(0), []byte(restBody), &resp); err != nil {
		return err
	}
	if !bytes.Contains(resp.Bytes(), []byte(`"storageId"`)) {
		return fmt.Errorf("report answered %.300s", resp.Bytes())
	}
	if err := insertOne(ctx, rows[0]); err != nil {
		return fmt.Errorf("baseline insert: %w", err)
	}
	if err := check(ctx); err != nil {
		return fmt.Errorf("the baseline does not write what the binary does: %w", err)
	}
	var n atomic.Int64
	baseline := func(ctx context.Context) (float64, error) {
		if err := roundStart(ctx); err != nil {
			return 0, err
		}
		defer roundEnd()
		return throughput(ctx, b.cfg.Duration, b.cfg.RESTClients, func(ctx context.Context, _ int) (int, error) {
			return 1, insertOne(ctx, rows[n.Add(1)%restAssets])
		})
	}
	other, err := b.other(ctx, "rest-"+db, "", dbURL)
	if err != nil {
		return err
	}
	if other != nil {
		defer other.Stop()
	}
	b.compare(ctx, comparison{
		Name: fmt.Sprintf("2 rest single-event, %d clients (Go)", b.cfg.RESTClients), DB: db,
		BaseLabel: label, CandLabel: "POST /report_asset_materialization", Unit: "req/s", Target: 0.5, Note: note,
	}, b.pgCheckpoint(db, b.ab(other, baseline, b.restCandidate)), b.pgCheckpoint(db, b.perfRecord(srv, "rest-"+db, b.restCandidate(srv))))
	return nil
}

// restWrk is benchmark 2 driven by the load tools: wrk -c 32 with a Lua script posting
// the body, vs. pgbench -c 32 -j 2 running the same INSERT as a script.
func (b *runner) restWrk(ctx context.Context, _ string) error {
	for _, tool := range []string{"wrk", "pgbench"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is not installed (apt-get install -y %s)", tool, map[string]string{"wrk": "wrk", "pgbench": "postgresql-client"}[tool])
		}
	}
	schema, dbURL, err := b.schemas.create(ctx, "restwrk")
	if err != nil {
		return err
	}
	srv, err := b.serve(ctx, "rest-wrk-postgres", "", dbURL)
	if err != nil {
		return err
	}
	defer srv.Stop()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	for _, q := range []string{
		"CREATE TABLE event_log_baseline (LIKE event_log INCLUDING ALL)",
		"CREATE SEQUENCE event_log_baseline_ids",
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			conn.Close(ctx)
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	conn.Close(ctx)

	r0, err := restRow(0)
	if err != nil {
		return err
	}
	lit := func(v any) string {
		switch x := v.(type) {
		case nil:
			return "NULL"
		case string:
			// pgbench reads ":name" anywhere, even in literals, as a variable: write
			// colons as \x3a in an escape string.
			x = strings.ReplaceAll(strings.ReplaceAll(x, `\`, `\\`), "'", "''")
			return "E'" + strings.ReplaceAll(x, ":", `\x3a`) + "'"
		default:
			return fmt.Sprint(x)
		}
	}
	q := func(name string) string { return pgx.Identifier{schema, name}.Sanitize() }
	vals := []string{"nextval('" + strings.ReplaceAll(q("event_log_baseline_ids"), "'", "''") + "')", lit(r0[1]),
		"CAST(extract(epoch from clock_timestamp()) * 1000000 AS bigint)", "NULL", "'bench/rest/asset' || :k"}
	for _, v := range r0[5:] {
		vals = append(vals, lit(v))
	}
	script := "\\set k random(0, " + strconv.Itoa(restAssets-1) + ")\nINSERT INTO " + q("event_log_baseline") +
		" (" + strings.Join(eventColumns, ", ") + ") VALUES (" + strings.Join(vals, ", ") + ");\n"
	sqlFile := filepath.Join(b.tmp, "insert.sql")
	if err := os.WriteFile(sqlFile, []byte(script), 0o644); err != nil {
		return err
	}
	lua := `-- posts the single-event body to ` + strconv.Itoa(restAssets) + ` asset keys in turn
local n = 0
local body = '` + restBody + `'
local headers = { ["Content-Type"] = "application/json" }
request = function()
  n = n + 1
  return wrk.format("POST", "/report_asset_materialization/bench/rest/asset" .. (n % ` + strconv.Itoa(restAssets) + `), headers, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH requests=%d errors=%d duration_us=%d\n", summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout, summary.duration))
end
`
	luaFile := filepath.Join(b.tmp, "report.lua")
	if err := os.WriteFile(luaFile, []byte(lua), 0o644); err != nil {
		return err
	}
	// Warm up both sides with one request each, and check they write the same row (but
	// for the asset key, which pgbench picks at random).
	var resp bytes.Buffer
	if err := post(ctx, newHTTPClient(1), srv.URL+restPath(0), []byte(restBody), &resp); err != nil {
		return err
	}
	if out, err := exec.CommandContext(ctx, "pgbench", "-n", "-M", "prepared", "-t", "1", "-c", "1", "-f", sqlFile, b.cfg.PostgresURL).CombinedOutput(); err != nil {
		return fmt.Errorf("pgbench: %v: %s", err, out)
	}
	conn, err = pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	err = sameRows(ctx, pgRows(conn), pgRows(conn), "event_log", "event_log_baseline", 1, "asset_key")
	conn.Close(ctx)
	if err != nil {
		return fmt.Errorf("the pgbench script does not write what the binary does: %w", err)
	}

	other, err := b.other(ctx, "rest-wrk-postgres", "", dbURL)
	if err != nil {
		return err
	}
	if other != nil {
		defer other.Stop()
	}
	var wrk func(ctx context.Context, srv *server) (float64, error)
	secs := max(1, int(b.cfg.Duration.Round(time.Second)/time.Second))
	clients := strconv.Itoa(b.cfg.RESTClients)

	wrkLine := regexp.MustCompile(`BENCH requests=(\d+) errors=(\d+) duration_us=(\d+)`)
	candidateOn := func(srv *server) side {
		return func(ctx context.Context) (float64, error) { return wrk(ctx, srv) }
	}
	wrk = func(ctx context.Context, srv *server) (float64, error) {
		out, err := exec.CommandContext(ctx, "wrk", "-t", "2", "-c", clients, "-d", strconv.Itoa(secs)+"s", "-s", luaFile, srv.URL).CombinedOutput()
		if err != nil {
			return 0, fmt.Errorf("wrk: %v: %s", err, out)
		}
		m := wrkLine.FindSubmatch(out)
		if m == nil {
			return 0, fmt.Errorf("wrk printed no result: %s", out)
		}
		reqs, _ := strconv.ParseFloat(string(m[1]), 64)
		errs, _ := strconv.Atoi(string(m[2]))
		us, _ := strconv.ParseFloat(string(m[3]), 64)
		if errs > 0 {
			return 0, fmt.Errorf("wrk: %d errors (non-2xx or socket errors) in %s requests:\n%s", errs, m[1], out)
		}
		return reqs / (us / 1e6), nil
	}
	tpsLine := regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)
	baseline := func(ctx context.Context) (float64, error) {
		out, err := exec.CommandContext(ctx, "pgbench", "-n", "-M", "prepared", "-c", clients, "-j", "2", "-T", strconv.Itoa(secs),
			"-f", sqlFile, b.cfg.PostgresURL).CombinedOutput()
		if err != nil {
			return 0, fmt.Errorf("pgbench: %v: %s", err, out)
		}
		m := tpsLine.FindSubmatch(out)
		if m == nil {
			return 0, fmt.Errorf("pgbench printed no tps: %s", out)
		}
		return strconv.ParseFloat(string(m[1]), 64)
	}
	b.compare(ctx, comparison{
		Name: fmt.Sprintf("2 rest single-event, %s clients (wrk/pgbench)", clients), DB: "postgres",
		BaseLabel: "pgbench INSERT", CandLabel: "wrk POST", Unit: "req/s", Target: 0.5,
	}, b.checkpoint(b.ab(other, baseline, candidateOn)), b.checkpoint(b.perfRecord(srv, "rest-wrk", candidateOn(srv))))
	return nil
}

// pgCheckpoint is checkpoint on PostgreSQL, nothing on SQLite.
func (b *runner) pgCheckpoint(db string, fn side) side {
	if db != "postgres" {
		return fn
	}
	return b.checkpoint(fn)
}

// warm opens n connections of pool (all at once, so none is reused) and gives them back.
func warm(ctx context.Context, pool *pgxpool.Pool, n int) error {
	conns := make([]*pgxpool.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Release()
		}
	}()
	for range n {
		c, err := pool.Acquire(ctx)
		if err != nil {
			return fmt.Errorf("open the baseline's connections: %w", err)
		}
		conns = append(conns, c)
	}
	return nil
}
