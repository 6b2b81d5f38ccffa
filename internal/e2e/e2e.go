// Package e2e runs end-to-end tests against the real plumbline binary: it builds it once
// per test binary, starts `plumbline serve` on 127.0.0.1:0 with a database of the test's
// own (SQLite in a temporary directory, or a PostgreSQL schema from dbtest), waits until
// it is healthy, and stops it with SIGTERM when the test ends. Tests then talk to it over
// HTTP as any client would, and run the binary's client commands against it.
//
//	func TestMain(m *testing.M) { os.Exit(e2e.Main(m)) }
//
//	func TestReport(t *testing.T) {
//		e2e.Each(t, func(t *testing.T, srv *e2e.Server) {
//			res := srv.Run(t, "report", "materialization", "warehouse/orders")
//			…
//		})
//	}
package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbtest"
)

// Timeouts of a server's life.
const (
	startTimeout = 2 * time.Minute  // until it logs that it listens (migrations included)
	readyTimeout = 30 * time.Second // then until /healthz answers 200
	stopTimeout  = 20 * time.Second // after SIGTERM (the server itself allows 15s to drain)
	runTimeout   = 2 * time.Minute  // one client command
)

var build struct {
	once sync.Once
	dir  string // where the binary is built; removed by Main
	path string
	out  string // go build's output when it failed
	err  error
}

// Main runs the tests of m and then removes the binary Build made for them. Call it from
// TestMain: func TestMain(m *testing.M) { os.Exit(e2e.Main(m)) }. Without it, the binary
// is left in the system's temporary directory.
func Main(m *testing.M) int {
	code := m.Run()
	if build.dir != "" {
		_ = os.RemoveAll(build.dir)
	}
	return code
}

// Build builds the plumbline binary (go build ./server, from the module's root) the first
// time it is called in a test binary, and returns its path.
//
// If the build fails, the test fails with go build's output.
func Build(t testing.TB) string {
	t.Helper()
	build.once.Do(func() {
		build.dir, build.err = os.MkdirTemp("", "plumbline-e2e-")
		if build.err != nil {
			return
		}
		build.path = filepath.Join(build.dir, "plumbline")
		root, err := moduleRoot()
		if err != nil {
			build.err = err
			return
		}
		cmd := exec.Command(goTool(), "build", "-o", build.path, "./server")
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			build.out, build.err = string(out), fmt.Errorf("go build ./server: %w", err)
		}
	})
	if build.err != nil {
		t.Fatalf("%v\n%s", build.err, build.out)
	}
	return build.path
}

func moduleRoot() (string, error) {
	out, err := exec.Command(goTool(), "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("go env GOMOD: not inside the plumbline module")
	}
	return filepath.Dir(mod), nil
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(os.Getenv("GOROOT"), "bin", "go")
}

// Server is a running `plumbline serve`.
type Server struct {
	URL     string // e.g. http://127.0.0.1:41234, without a trailing slash
	DataDir string // its --data-dir
	Binary  string // the plumbline binary, for running client commands

	cmd     *exec.Cmd
	logs    *logWriter
	done    chan struct{} // closed when the process has exited
	waitErr error         // the process's exit, once done is closed
	stop    sync.Once
}

// Start builds the binary if needed and starts `plumbline serve --addr 127.0.0.1:0
// --data-dir DIR ARGS...` on SQLite in a temporary directory (unless ARGS say
// --database-url), with none of the caller's PLUMBLINE_* variables. It returns once
// /healthz answers 200; the server is stopped with SIGTERM when the test ends, which fails
// it if the server does not then exit cleanly. The server's log is shown when the test
// fails.
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	bin := Build(t)
	s := &Server{DataDir: t.TempDir(), Binary: bin, done: make(chan struct{})}
	listening := make(chan string, 1)
	s.logs = &logWriter{listening: listening}
	s.cmd = exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", s.DataDir}, args...)...)
	// Runs' Pipes files go under the test's temporary directory, so that a server killed
	// with runs in flight leaves nothing behind.
	s.cmd.Env = append(environ(), "TMPDIR="+t.TempDir())
	s.cmd.Stdout = s.logs
	s.cmd.Stderr = s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("plumbline serve: %v", err)
		}
		if t.Failed() {
			t.Logf("plumbline serve log:\n%s", s.Logs())
		}
	})

	select {
	case s.URL = <-listening:
	case <-s.done:
		t.Fatalf("plumbline serve exited before listening (%v):\n%s", s.waitErr, s.Logs())
	case <-time.After(startTimeout):
		t.Fatalf("plumbline serve did not log that it listens within %v:\n%s", startTimeout, s.Logs())
	}
	if err := s.waitHealthy(); err != nil {
		t.Fatalf("plumbline serve at %s: %v\n%s", s.URL, err, s.Logs())
	}
	return s
}

// StartPostgres is Start on a new PostgreSQL schema of the test's own (see
// dbtest.PostgresURL: without PLUMBLINE_TEST_DATABASE_URL the test is skipped, or fails
// under CI=true). The schema is dropped after the server has stopped.
func StartPostgres(t testing.TB, args ...string) *Server {
	t.Helper()
	url := dbtest.PostgresURL(t)
	return Start(t, append([]string{"--database-url", url}, args...)...)
}

// Each runs fn as the subtests "sqlite" and "postgres", each with a server of its own
// started with the serve flags args.
func Each(t *testing.T, fn func(t *testing.T, s *Server), args ...string) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, Start(t, args...)) })
	t.Run("postgres", func(t *testing.T) { fn(t, StartPostgres(t, args...)) })
}

func (s *Server) waitHealthy() error {
	deadline := time.Now().Add(readyTimeout)
	hc := &http.Client{Timeout: 5 * time.Second}
	for {
		resp, err := hc.Get(s.URL + "/healthz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("GET /healthz answered %s", resp.Status)
		}
		select {
		case <-s.done:
			return fmt.Errorf("exited (%v) before it was healthy", s.waitErr)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not healthy within %v: %v", readyTimeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop sends SIGTERM and waits for the server to exit (killing it after 20 seconds).
// It returns an error unless the server exited with status 0. Stopping again returns nil.
func (s *Server) Stop() error {
	var err error
	s.stop.Do(func() {
		select {
		case <-s.done:
			err = fmt.Errorf("exited before it was stopped: %v", s.waitErr)
			return
		default:
		}
		if e := s.cmd.Process.Signal(syscall.SIGTERM); e != nil {
			_ = s.cmd.Process.Kill()
		}
		select {
		case <-s.done:
			if s.waitErr != nil {
				err = fmt.Errorf("exit after SIGTERM: %v", s.waitErr)
			}
		case <-time.After(stopTimeout):
			_ = s.cmd.Process.Kill()
			<-s.done
			err = fmt.Errorf("still running %v after SIGTERM; killed", stopTimeout)
		}
	})
	return err
}

// Kill kills the server with SIGKILL, as a crash would, and waits for it to be gone.
// Stopping it afterwards returns nil.
func (s *Server) Kill() {
	s.stop.Do(func() {
		_ = s.cmd.Process.Kill()
		<-s.done
	})
}

// Logs returns what the server has logged so far (stdout and stderr).
func (s *Server) Logs() string { return s.logs.String() }

// Command returns a plumbline command (e.g. "report", "materialization", "a/b") that
// talks to the server: PLUMBLINE_URL is its URL, and no other PLUMBLINE_* variable of the
// caller's is passed on. Add to its Env to set more.
func (s *Server) Command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, s.Binary, args...)
	cmd.Env = append(environ(), "PLUMBLINE_URL="+s.URL)
	return cmd
}

// Result is how a command ended.
type Result struct {
	Stdout, Stderr string
	ExitCode       int
}

// Run runs a plumbline command against the server (see Command) and returns its output
// and exit code. It fails the test if the command cannot be run or takes over 2 minutes.
func (s *Server) Run(t testing.TB, args ...string) Result {
	t.Helper()
	return s.RunInput(t, "", args...)
}

// RunInput is Run with input on the command's standard input.
func (s *Server) RunInput(t testing.TB, input string, args ...string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := s.Command(ctx, args...)
	cmd.Stdin = strings.NewReader(input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("plumbline %s: still running after %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), runTimeout, res.Stdout, res.Stderr)
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitCode()
	case err != nil:
		t.Fatalf("plumbline %s: %v", strings.Join(args, " "), err)
	}
	return res
}

// environ is the test process's environment without PLUMBLINE_* variables, so that a
// developer's own settings (PLUMBLINE_DATABASE_URL, …) do not reach the servers and
// commands of tests.
func environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PLUMBLINE_") {
			env = append(env, kv)
		}
	}
	return env
}

// listeningLine matches the line `plumbline serve` logs once it accepts connections, in
// the text log format: `… msg=listening url=http://127.0.0.1:41234`.
var listeningLine = regexp.MustCompile(`\bmsg=listening url=(\S+)`)

// logWriter keeps what the server writes, and hands on the URL of the first
// "listening" line.
type logWriter struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	scanned   int // bytes of buf already looked at for the listening line
	listening chan<- string
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if w.listening == nil {
		return len(p), nil
	}
	for {
		rest := w.buf.Bytes()[w.scanned:]
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.scanned += i + 1
		if m := listeningLine.FindSubmatch(rest[:i]); m != nil {
			w.listening <- string(m[1])
			w.listening = nil
			return len(p), nil
		}
	}
}

func (w *logWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
