// Package dbtest gives tests real databases: SQLite in a temporary directory, and a
// PostgreSQL schema of their own on the server named by PLUMBLINE_TEST_DATABASE_URL.
// Without that server, PostgreSQL tests are skipped with a message, except under CI=true
// where they fail.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/store"
)

// EnvURL names the environment variable with the PostgreSQL server tests use.
const EnvURL = "PLUMBLINE_TEST_DATABASE_URL"

// Each runs fn once on a fresh SQLite store and once on a fresh PostgreSQL store, as the
// subtests "sqlite" and "postgres".
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite opens a store on a new SQLite database, closed when the test ends.
func SQLite(t testing.TB) *store.Store {
	t.Helper()
	return open(t, store.Config{DataDir: t.TempDir()})
}

// Postgres opens a store on a new, empty PostgreSQL schema, dropped when the test ends.
func Postgres(t testing.TB) *store.Store {
	t.Helper()
	return open(t, store.Config{DatabaseURL: PostgresURL(t)})
}

func open(t testing.TB, cfg store.Config) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var unsafeChars = regexp.MustCompile(`[^a-z0-9_]+`)

// PostgresURL creates a schema of the test's own and returns a URL whose connections use
// it. The schema is dropped when the test ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		unavailable(t, EnvURL+" is not set")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		unavailable(t, "cannot connect to "+EnvURL+": "+err.Error())
	}
	defer conn.Close(ctx)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := unsafeChars.ReplaceAllString(strings.ToLower(t.Name()), "_")
	if len(name) > 40 {
		name = name[len(name)-40:]
	}
	schema := "t_" + hex.EncodeToString(b) + "_" + strings.Trim(name, "_")
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Logf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func unavailable(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("PostgreSQL is required under CI: %s", why)
	}
	t.Skipf("skipping PostgreSQL test: %s (set %s, e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)", why, EnvURL)
}
