// Package binserver runs `plumbline serve` binaries for the benchmarks, as a user would:
// on a port of their own, with none of the caller's PLUMBLINE_* variables.
package binserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// Server is a running `plumbline serve`.
type Server struct {
	URL     string
	LogPath string
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
}

// listeningLine matches the line `plumbline serve` logs once it accepts connections.
var listeningLine = regexp.MustCompile(`\bmsg=listening url=(\S+)`)

// Start starts `bin serve --addr 127.0.0.1:0 --data-dir dataDir [--database-url dbURL]`
// and returns once /healthz answers. Its log is appended to logPath.
func Start(ctx context.Context, bin, dataDir, dbURL, logPath string) (*Server, error) {
	args := []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir}
	if dbURL != "" {
		args = append(args, "--database-url", dbURL)
	}
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	s := &Server{cmd: exec.Command(bin, args...), done: make(chan struct{}), LogPath: logPath}
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
		s.Stop()
		return nil, fmt.Errorf("plumbline serve did not listen within 2 minutes; log: %s", logPath)
	case <-ctx.Done():
		s.Stop()
		return nil, ctx.Err()
	}
	if err := WaitHealthy(ctx, s.URL); err != nil {
		s.Stop()
		return nil, fmt.Errorf("%w; log: %s", err, logPath)
	}
	return s, nil
}

// WaitHealthy waits up to 30 seconds for the server at base to answer /healthz with 200.
func WaitHealthy(ctx context.Context, base string) error {
	deadline := time.Now().Add(30 * time.Second)
	for ctx.Err() == nil {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the server at %s is not healthy within 30s", base)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return ctx.Err()
}

// PID returns the server's process id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Stop sends SIGTERM and waits for the server to exit, killing it after 20 seconds.
func (s *Server) Stop() error {
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
