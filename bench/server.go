package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/glebarez/sqlite" // registers the "sqlite" database/sql driver the store uses
	"github.com/jackc/pgx/v5"
)

// server is a running `plumbline serve`.
type server struct {
	URL     string
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	logPath string
}

var listeningLine = regexp.MustCompile(`\bmsg=listening url=(\S+)`)

// startServer starts `bin serve --addr 127.0.0.1:0 --data-dir dataDir [--database-url
// dbURL]`, with none of the caller's PLUMBLINE_* variables, and returns once /healthz
// answers. Its log goes to logPath.
func startServer(ctx context.Context, bin, dataDir, dbURL, logPath string) (*server, error) {
	args := []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir}
	if dbURL != "" {
		args = append(args, "--database-url", dbURL)
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	s := &server{cmd: exec.Command(bin, args...), done: make(chan struct{}), logPath: logPath}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PLUMBLINE_") {
			s.cmd.Env = append(s.cmd.Env, kv)
		}
	}
	pr, pw := io.Pipe()
	s.cmd.Stdout = logFile
	s.cmd.Stderr = io.MultiWriter(logFile, pw)
	if err := s.cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		pw.Close()
		logFile.Close()
		close(s.done)
	}()
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := listeningLine.FindStringSubmatch(sc.Text()); m != nil {
				listening <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	select {
	case s.URL = <-listening:
	case <-s.done:
		return nil, fmt.Errorf("plumbline serve exited before listening (%v); log: %s", s.waitErr, logPath)
	case <-time.After(2 * time.Minute):
		s.stop()
		return nil, fmt.Errorf("plumbline serve did not listen within 2 minutes; log: %s", logPath)
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/healthz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("plumbline serve at %s not healthy within 30s; log: %s", s.URL, logPath)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pid returns the server's process id.
func (s *server) pid() int { return s.cmd.Process.Pid }

// stop sends SIGTERM and waits for the server to exit, killing it after 20 seconds.
func (s *server) stop() error {
	select {
	case <-s.done:
		return s.waitErr
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return s.waitErr
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		return errors.New("plumbline serve still running 20s after SIGTERM; killed")
	}
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
