package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	_ "github.com/glebarez/sqlite" // registers the "sqlite" database/sql driver the store uses
	"github.com/jackc/pgx/v5"
	"github.com/plumbline/plumbline/bench/internal/binserver"
)

// server is a running `plumbline serve`.
type server = binserver.Server

// startServer starts `bin serve` on dataDir (and dbURL, if set) with its log in logPath,
// which it empties first.
func startServer(ctx context.Context, bin, dataDir, dbURL, logPath string) (*server, error) {
	if err := os.Remove(logPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	return binserver.Start(ctx, bin, dataDir, dbURL, logPath)
}

// schemas creates PostgreSQL schemas of the run's own and drops them at the end.
type schemas struct {
	base   string // the server's URL, without search_path
	prefix string
	mu     sync.Mutex
	made   []string
}

func newSchemas(base string) *schemas {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return &schemas{base: base, prefix: "plumbline_bench_" + hex.EncodeToString(b) + "_"}
}

// create makes a new schema and returns its name and a URL whose connections use it.
func (s *schemas) create(ctx context.Context, name string) (schema, dbURL string, err error) {
	conn, err := pgx.Connect(ctx, s.base)
	if err != nil {
		return "", "", fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	schema = s.prefix + name
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		return "", "", fmt.Errorf("create schema %s: %w", schema, err)
	}
	s.mu.Lock()
	s.made = append(s.made, schema)
	s.mu.Unlock()
	u, err := url.Parse(s.base)
	if err != nil {
		return "", "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return schema, u.String(), nil
}

// dropAll drops every schema create made.
func (s *schemas) dropAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.made) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.base)
	if err != nil {
		progress("cleanup: %v", err)
		return
	}
	defer conn.Close(ctx)
	for _, name := range s.made {
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{name}.Sanitize()+" CASCADE"); err != nil {
			progress("cleanup: drop schema %s: %v", name, err)
		}
	}
	s.made = nil
}

// sqliteDSN is store.sqliteDSN: the pragmas the store opens SQLite with.
func sqliteDSN(path string) string {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(NORMAL)", "busy_timeout(10000)", "foreign_keys(0)", "temp_store(MEMORY)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// openSQLite opens the SQLite database of a data directory as the store does.
func openSQLite(dataDir string, conns int) (*sql.DB, error) {
	db, err := sql.Open("sqlite", sqliteDSN(filepath.Join(dataDir, "plumbline.db")))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
