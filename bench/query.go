package main

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/store"
)

// dataset is a database loaded through the store's own API, for the query benchmarks:
// the binary then serves it, and the baseline queries it directly.
type dataset struct {
	db      string
	dataDir string // SQLite
	dbURL   string // PostgreSQL
	pg      *pgx.Conn
	sqlite  *sql.DB
}

// load opens a store on a new database (a PostgreSQL schema or an SQLite data directory),
// fills it with fill, and closes it again before the binary opens it.
func (b *runner) load(ctx context.Context, db, name string, fill func(st *store.Store) error) (*dataset, error) {
	d := &dataset{db: db}
	cfg := store.Config{}
	switch db {
	case "postgres":
		var err error
		if _, d.dbURL, err = b.schemas.create(ctx, name); err != nil {
			return nil, err
		}
		cfg.DatabaseURL = d.dbURL
	case "sqlite":
		d.dataDir = filepath.Join(b.tmp, name+"-data")
		cfg.DataDir = d.dataDir
	}
	start := time.Now()
	st, err := store.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := fill(st); err != nil {
		st.Close()
		return nil, err
	}
	if err := st.Close(); err != nil {
		return nil, err
	}
	took := time.Since(start).Round(100 * time.Millisecond)
	progress("loaded %s on %s in %v", name, db, took)
	how := ""
	if db == "postgres" {
		// As autovacuum would have by the time anyone queries: statistics for the planner
		// and a visibility map for index-only scans, for the baseline and the binary alike.
		conn, err := pgx.Connect(ctx, d.dbURL)
		if err != nil {
			return nil, err
		}
		_, err = conn.Exec(ctx, "VACUUM ANALYZE")
		conn.Close(ctx)
		if err != nil {
			return nil, fmt.Errorf("vacuum analyze: %w", err)
		}
		how = ", then VACUUM ANALYZE (as autovacuum would)"
	}
	b.note("%s data on %s loaded through the store's API (ApplyDefinitions, Append) in %v%s", name, db, took, how)
	return d, nil
}

// open connects the baseline: one pgx connection, or database/sql with one connection.
func (d *dataset) open(ctx context.Context) error {
	var err error
	switch d.db {
	case "postgres":
		d.pg, err = pgx.Connect(ctx, d.dbURL)
	case "sqlite":
		d.sqlite, err = openSQLite(d.dataDir, 1)
	}
	return err
}

func (d *dataset) close() {
	if d.pg != nil {
		d.pg.Close(context.Background())
	}
	if d.sqlite != nil {
		d.sqlite.Close()
	}
}

// query runs q and calls scan for every row, with the row's values scanned into dest.
func (d *dataset) query(ctx context.Context, q string, args []any, dest []any, each func()) error {
	if d.pg != nil {
		rows, err := d.pg.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			each()
		}
		return rows.Err()
	}
	rows, err := d.sqlite.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		each()
	}
	return rows.Err()
}

// explain returns the query plan, for the notes.
func (d *dataset) explain(ctx context.Context, q string, args []any) string {
	var plan string
	var line string
	prefix := "EXPLAIN "
	if d.sqlite != nil {
		prefix = "EXPLAIN QUERY PLAN "
		var id, parent, unused int
		err := d.query(ctx, prefix+q, args, []any{&id, &parent, &unused, &line}, func() { plan += line + "; " })
		if err != nil {
			return err.Error()
		}
		return plan
	}
	err := d.query(ctx, prefix+q, args, []any{&line}, func() { plan += line + "\n" })
	if err != nil {
		return err.Error()
	}
	return plan
}

func checkStatus(worst int64) string {
	switch worst {
	case 1:
		return "PASSED"
	case 2:
		return "WARNING"
	case 3:
		return "FAILED"
	}
	return "NOT_EVALUATED"
}

// rowsQuery runs a query of one text column and returns its values.
type rowsQuery func(ctx context.Context, q string) ([]string, error)

func pgRows(db interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}) rowsQuery {
	return func(ctx context.Context, q string) ([]string, error) {
		rows, err := db.Query(ctx, q)
		if err != nil {
			return nil, err
		}
		return pgx.CollectRows(rows, pgx.RowTo[string])
	}
}

func sqliteRows(db *sql.DB) rowsQuery {
	return func(ctx context.Context, q string) ([]string, error) {
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, rows.Err()
	}
}

// sameRows checks that the first n rows of two event_log-shaped tables hold the same
// values in every column but id and ts (and those in skip): that the baseline writes what
// the binary writes.
func sameRows(ctx context.Context, candidate, baseline rowsQuery, candTable, baseTable string, n int, skip ...string) error {
	cols := "COALESCE(type, '')"
	for _, c := range eventColumns[3:] {
		if !slices.Contains(skip, c) {
			cols += " || '|' || COALESCE(CAST(" + c + " AS TEXT), '∅')"
		}
	}
	q := func(table string) string {
		return fmt.Sprintf("SELECT %s FROM %s ORDER BY id LIMIT %d", cols, table, n)
	}
	a, err := candidate(ctx, q(candTable))
	if err != nil {
		return fmt.Errorf("read %s: %w", candTable, err)
	}
	b, err := baseline(ctx, q(baseTable))
	if err != nil {
		return fmt.Errorf("read %s: %w", baseTable, err)
	}
	if len(a) != n || len(b) != n {
		return fmt.Errorf("compare rows: %s has %d, %s %d, want %d", candTable, len(a), baseTable, len(b), n)
	}
	for i := range a {
		if a[i] != b[i] {
			return fmt.Errorf("row %d differs:\n  binary:   %s\n  baseline: %s", i+1, a[i], b[i])
		}
	}
	return nil
}
