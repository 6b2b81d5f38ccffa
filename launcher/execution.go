package launcher

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/pipes"
)

const (
	flushEvery     = 100 * time.Millisecond
	flushEvents    = 1000    // flush sooner when this many events wait
	flushOutput    = 1 << 16 // or this many bytes of output
	storeTimeout   = 30 * time.Second
	ioDrainTimeout = 2 * time.Second // after exit, how long a process's children may hold its pipes

	// While the database cannot take a run's events, they wait in memory: up to
	// maxPending events or maxPendingOutput bytes of output, after which the program is
	// made to wait (its messages and output are no longer read) until they are written.
	maxPending       = 100_000
	maxPendingOutput = 64 << 20
	// A failed write is retried after retryFirst, doubling up to retryMax; once the
	// program has ended, for at most finalFlushFor before the run is finished.
	retryFirst    = 100 * time.Millisecond
	retryMax      = 5 * time.Second
	finalFlushFor = time.Minute

	// maxAssetKeysEnv is the longest PLUMBLINE_ASSET_KEYS value passed in the
	// environment; longer lists go in a file named by PLUMBLINE_ASSET_KEYS_FILE, since
	// Linux refuses to start a program with a variable over 128 KiB.
	maxAssetKeysEnv = 64 << 10
)

// execution is one run's process and Pipes session.
type execution struct {
	l       *Launcher
	run     *plumbline.Run
	session *pipes.Session
	items   chan item

	stopOnce  sync.Once
	stop      chan struct{} // closed to stop the process
	stopCause string        // "cancel", "interrupt" or "timeout"

	mu       sync.Mutex
	pending  []plumbline.Event
	inFlight int // events a flush has taken from pending and not yet written or put back
	out      map[string]*stream
	arrived  chan struct{} // an event arrived when none was pending
	drained  chan struct{} // a flush wrote something: room for more
	retryAt  time.Time     // after a failed flush, the next is not tried before
	backoff  time.Duration // the wait after the last failed flush
}

// item is one line from the program: a Pipes message, or a line that claimed to be one
// and was not.
type item struct {
	msg pipes.Message
	bad []byte
	err error
}

type stream struct {
	buf    []byte
	offset int64 // where buf starts in the stream
}

func newExecution(l *Launcher, r *plumbline.Run) *execution {
	return &execution{
		l:       l,
		run:     r,
		items:   make(chan item, 1024),
		stop:    make(chan struct{}),
		out:     map[string]*stream{plumbline.Stdout: {}, plumbline.Stderr: {}},
		arrived: make(chan struct{}, 1),
		drained: make(chan struct{}, 1),
	}
}

func (e *execution) halt(cause string) {
	e.stopOnce.Do(func() {
		e.stopCause = cause
		close(e.stop)
	})
}

func (e *execution) cancel()    { e.halt("cancel") }
func (e *execution) interrupt() { e.halt("interrupt") }

func storeCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), storeTimeout)
}

func (e *execution) pipesContext() pipes.Context {
	c := pipes.Context{
		RunID:        e.run.ID,
		JobName:      "__ASSET_JOB",
		AssetKeys:    e.run.AssetKeys,
		CodeVersions: e.run.Launch.CodeVersions,
		PartitionKey: e.run.Partition,
		Extras:       map[string]any{},
	}
	if e.run.Partition != "" {
		c.PartitionKeyRange = &[2]string{e.run.Partition, e.run.Partition}
	}
	if len(e.run.Tags) > 0 {
		c.Extras["tags"] = e.run.Tags
	}
	return c
}

func modes(p plumbline.PipesSpec) (pipes.ContextMode, pipes.MessagesMode) {
	cm, mm := pipes.ContextData, pipes.MessagesFile
	if p.Context == plumbline.PipesContextFile {
		cm = pipes.ContextFile
	}
	switch p.Messages {
	case plumbline.PipesMessageStdout:
		mm = pipes.MessagesStdout
	case plumbline.PipesMessageStderr:
		mm = pipes.MessagesStderr
	}
	return cm, mm
}

// execute launches the process, records what it reports, and finishes the run.
func (e *execution) execute() {
	log := e.l.log.With("run", e.run.ID)
	spec := e.run.Launch.Pipes
	dir, err := os.MkdirTemp(e.l.cfg.Dir, "plumbline-run-")
	if err != nil {
		e.fail(plumbline.StatusStarting, "cannot prepare the run: "+err.Error(), nil)
		return
	}
	defer os.RemoveAll(dir)
	pctx := e.pipesContext()
	e.session = pipes.NewSession(pctx)
	cm, mm := modes(spec)
	launch, err := pipes.Bootstrap(dir, pctx, cm, mm)
	if err != nil {
		e.fail(plumbline.StatusStarting, "cannot prepare the Pipes session: "+err.Error(), nil)
		return
	}

	cmd := exec.Command(spec.Command[0], spec.Command[1:]...)
	cmd.Dir = e.l.cfg.BaseDir
	if spec.Cwd != "" {
		cmd.Dir = spec.Cwd
		if !filepath.IsAbs(spec.Cwd) {
			cmd.Dir = filepath.Join(e.l.cfg.BaseDir, spec.Cwd)
		}
	}
	cmd.Env = os.Environ()
	for k, v := range spec.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	// Plain variables for programs that do not speak Pipes, shell scripts above all.
	keysEnv, err := assetKeysEnv(dir, e.run.AssetKeys)
	if err != nil {
		e.fail(plumbline.StatusStarting, "cannot prepare the run: "+err.Error(), nil)
		return
	}
	cmd.Env = append(cmd.Env, "PLUMBLINE_RUN_ID="+e.run.ID, keysEnv, "PLUMBLINE_PARTITION="+e.run.Partition)
	cmd.Env = append(cmd.Env, launch.Env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = ioDrainTimeout

	var readers sync.WaitGroup
	var pipeWriters []*io.PipeWriter
	for _, s := range []struct {
		name string
		mode pipes.MessagesMode
		dst  *io.Writer
	}{{plumbline.Stdout, pipes.MessagesStdout, &cmd.Stdout}, {plumbline.Stderr, pipes.MessagesStderr, &cmd.Stderr}} {
		name := s.name
		if mm != s.mode {
			*s.dst = outputWriter{e, name}
			continue
		}
		pr, pw := io.Pipe()
		*s.dst = pw
		pipeWriters = append(pipeWriters, pw)
		readers.Add(1)
		go func() {
			defer readers.Done()
			err := pipes.SplitStream(pr,
				func(m pipes.Message) { e.items <- item{msg: m} },
				func(line []byte, err error) { e.items <- item{bad: line, err: err} },
				func(p []byte) { e.output(name, p) })
			if err != nil {
				e.warn(fmt.Sprintf("reading %s: %v", name, err))
			}
			_, _ = io.Copy(io.Discard, pr)
		}()
	}

	if err := cmd.Start(); err != nil {
		for _, pw := range pipeWriters {
			pw.Close()
		}
		readers.Wait()
		e.fail(plumbline.StatusStarting, fmt.Sprintf("cannot start %s: %v", spec.Command[0], err), nil)
		return
	}
	pgid := cmd.Process.Pid
	log.Info("run started", "pid", pgid, "command", spec.Command)

	handled := make(chan struct{})
	go e.handle(handled)
	flushed := make(chan struct{})
	stopFlusher := make(chan struct{})
	go e.flushLoop(stopFlusher, flushed)

	ctx, done := storeCtx()
	_, err = e.l.cfg.Store.Transition(ctx, plumbline.RunTransition{RunID: e.run.ID,
		From: []plumbline.RunStatus{plumbline.StatusStarting}, To: plumbline.StatusStarted, PID: pgid,
		Message: fmt.Sprintf("process %d started: %s", pgid, strings.Join(spec.Command, " "))})
	done()
	if err != nil {
		// Cancelled between claim and start (or the database is unreachable): stop it.
		log.Warn("run could not be marked started", "err", err)
		e.cancel()
	}

	stopTail := make(chan struct{})
	if mm == pipes.MessagesFile {
		readers.Add(1)
		go func() {
			defer readers.Done()
			err := pipes.TailFile(context.Background(), launch.MessagesPath, stopTail, func(line []byte) {
				m, ok, err := pipes.ParseLine(line)
				switch {
				case err != nil || !ok:
					if err == nil {
						err = errors.New("not a Pipes message")
					}
					e.items <- item{bad: line, err: err}
				default:
					e.items <- item{msg: m}
				}
			})
			if err != nil {
				e.warn("reading the Pipes messages file: " + err.Error())
			}
		}()
	}

	procDone := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(procDone)
	}()
	var timeout <-chan time.Time
	if spec.Timeout > 0 {
		t := time.NewTimer(time.Duration(spec.Timeout))
		defer t.Stop()
		timeout = t.C
	}
	stop := e.stop
wait:
	for {
		select {
		case <-procDone:
			break wait
		case <-timeout:
			timeout = nil
			e.halt("timeout")
		case <-stop:
			stop = nil // closed: do not select it again
			go e.terminate(pgid, procDone)
		}
	}
	// The run owns its process group: whatever the process left behind goes with it.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	for _, pw := range pipeWriters {
		pw.Close()
	}
	close(stopTail)
	readers.Wait()
	close(e.items)
	<-handled
	close(stopFlusher)
	<-flushed

	status, msg := e.outcome(cmd, waitErr)
	// Events the final flush could not write get one more chance, with the run's end.
	e.mu.Lock()
	events := e.pending
	e.pending = nil
	e.mu.Unlock()
	if status == plumbline.StatusSuccess {
		events = append(events, e.implicitMaterializations()...)
	}
	exitCode := cmd.ProcessState.ExitCode()
	e.finish(status, msg, &exitCode, events)
	log.Info("run finished", "status", status, "message", msg)
}

// terminate asks the process group to stop, and kills it after the grace period.
func (e *execution) terminate(pgid int, exited <-chan struct{}) {
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	t := time.NewTimer(e.l.cfg.GracePeriod)
	defer t.Stop()
	select {
	case <-t.C:
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	case <-exited:
	}
}

// outcome decides how the run ends.
func (e *execution) outcome(cmd *exec.Cmd, waitErr error) (plumbline.RunStatus, string) {
	st := cmd.ProcessState
	switch e.stopCause {
	case "cancel":
		return plumbline.StatusCanceled, "canceled"
	case "interrupt":
		return plumbline.StatusFailure, "interrupted: the server shut down while the run was in progress"
	case "timeout":
		return plumbline.StatusFailure, fmt.Sprintf("timed out after %s", time.Duration(e.run.Launch.Pipes.Timeout))
	}
	if st == nil {
		return plumbline.StatusFailure, fmt.Sprintf("the process could not be waited for: %v", waitErr)
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return plumbline.StatusFailure, fmt.Sprintf("the process was killed by signal %s", ws.Signal())
	}
	if code := st.ExitCode(); code != 0 {
		return plumbline.StatusFailure, fmt.Sprintf("the process exited with code %d", code)
	}
	if ex := e.session.Exception(); ex != nil {
		return plumbline.StatusFailure, "the program raised " + ex.Name + ": " + ex.Message
	}
	if !e.session.Opened() {
		return plumbline.StatusFailure, "the process exited without opening a Pipes session"
	}
	return plumbline.StatusSuccess, "the process exited with code 0"
}

// implicitMaterializations materializes the targets the program did not report, for a
// run that succeeded.
func (e *execution) implicitMaterializations() []plumbline.Event {
	reported := map[string]bool{}
	for _, k := range e.session.Reported() {
		reported[k.String()] = true
	}
	var out []plumbline.Event
	for _, k := range e.run.Launch.Implicit {
		if reported[k.String()] {
			continue
		}
		out = append(out, plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: k, Partition: e.run.Partition,
			Description: "implicit: the run succeeded without reporting a materialization of this asset"})
	}
	return out
}

// handle processes the program's messages in order.
func (e *execution) handle(done chan<- struct{}) {
	defer close(done)
	for it := range e.items {
		if it.bad != nil || it.err != nil {
			e.warn(fmt.Sprintf("malformed Pipes message (%v): %s", it.err, shorten(it.bad)))
			continue
		}
		res, err := e.session.Handle(it.msg)
		if err != nil {
			e.warn(err.Error())
		}
		for _, ev := range res.Events {
			e.record(ev)
		}
		if res.Output != nil {
			e.output(res.Output.Stream, []byte(res.Output.Text))
		}
	}
}

// record queues an event of the run; one the store would refuse becomes a warning.
func (e *execution) record(ev plumbline.Event) {
	ev.RunID = e.run.ID
	if err := ev.Normalize(); err != nil {
		e.warn(fmt.Sprintf("%s not recorded: %s", ev.Type, plumbline.ErrorMessage(err)))
		return
	}
	e.mu.Lock()
	for len(e.pending)+e.inFlight >= maxPending && e.wait() {
	}
	e.pending = append(e.pending, ev)
	first := len(e.pending) == 1
	e.mu.Unlock()
	if first {
		select {
		case e.arrived <- struct{}{}:
		default:
		}
	}
}

func (e *execution) warn(msg string) {
	e.record(plumbline.Event{Type: plumbline.Log, Level: "WARNING", Message: msg})
}

// wait waits, with e.mu held, for a flush to make room; it reports false, at once, when
// the run is being stopped, so that stopping never waits for the database.
func (e *execution) wait() bool {
	e.mu.Unlock()
	defer e.mu.Lock()
	select {
	case <-e.drained:
		return true
	case <-e.stop:
		return false
	}
}

// pendingOutput returns the bytes of output waiting to be written; e.mu is held.
func (e *execution) pendingOutput() int {
	n := 0
	for _, s := range e.out {
		n += len(s.buf)
	}
	return n
}

func (e *execution) output(name string, p []byte) {
	e.mu.Lock()
	for e.pendingOutput() >= maxPendingOutput && e.wait() {
	}
	s := e.out[name]
	if s == nil {
		s = &stream{}
		e.out[name] = s
	}
	s.buf = append(s.buf, p...)
	e.mu.Unlock()
}

// outputWriter captures a process stream that carries no messages.
type outputWriter struct {
	e    *execution
	name string
}

func (w outputWriter) Write(p []byte) (int, error) {
	w.e.output(w.name, p)
	return len(p), nil
}

func (e *execution) flushLoop(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(flushEvery / 4)
	defer t.Stop()
	var last time.Time // the last flush that wrote something
	for {
		select {
		case <-stop:
			e.finalFlush()
			return
		case <-e.arrived:
			// The first event after a quiet spell is written at once; under a steady flow
			// flushes stay one per flushEvery, or sooner for a backlog.
			if time.Since(last) >= flushEvery && e.flush() {
				last = time.Now()
			}
		case <-t.C:
			if (time.Since(last) >= flushEvery || e.backlog()) && e.flush() {
				last = time.Now()
			}
		}
	}
}

func (e *execution) backlog() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.pending) >= flushEvents {
		return true
	}
	for _, s := range e.out {
		if len(s.buf) >= flushOutput {
			return true
		}
	}
	return false
}

// finalFlush writes what is left once the program has ended, retrying for a while if the
// database is unavailable.
func (e *execution) finalFlush() {
	deadline := time.Now().Add(finalFlushFor)
	for {
		e.flush()
		e.mu.Lock()
		events, output, at := len(e.pending), e.pendingOutput(), e.retryAt
		e.mu.Unlock()
		if events+output == 0 {
			return
		}
		if !at.Before(deadline) {
			e.l.log.Error("run: gave up writing events and output", "run", e.run.ID, "events", events, "output_bytes", output)
			return
		}
		time.Sleep(time.Until(at))
	}
}

// flush writes the events and output gathered so far, and reports whether there was any.
// What cannot be written stays queued, in order, for the next flush, which is then not
// tried before a back-off (doubling up to retryMax).
func (e *execution) flush() bool {
	e.mu.Lock()
	if time.Now().Before(e.retryAt) {
		e.mu.Unlock()
		return false
	}
	events := e.pending
	e.pending = nil
	e.inFlight = len(events)
	type chunk struct {
		name   string
		offset int64
		data   []byte
	}
	var chunks []chunk
	for name, s := range e.out {
		if len(s.buf) > 0 {
			chunks = append(chunks, chunk{name, s.offset, s.buf})
			s.offset += int64(len(s.buf))
			s.buf = nil
		}
	}
	e.mu.Unlock()
	if len(events) == 0 && len(chunks) == 0 {
		return false
	}

	failed := false
	for start := 0; start < len(events); start += plumbline.MaxBatch {
		batch := events[start:min(start+plumbline.MaxBatch, len(events))]
		// Each batch gets its own deadline: a flush after a backlog holds many.
		bctx, bdone := storeCtx()
		_, err := e.l.cfg.Store.Append(bctx, batch)
		bdone()
		if err != nil {
			e.l.log.Error("run: record events", "run", e.run.ID, "err", err)
			e.mu.Lock()
			e.pending = append(append([]plumbline.Event(nil), events[start:]...), e.pending...)
			e.inFlight = 0
			e.mu.Unlock()
			failed = true
			break
		}
	}
	for _, c := range chunks {
		ctx, done := storeCtx()
		err := e.l.cfg.Store.AppendOutput(ctx, e.run.ID, c.name, c.offset, c.data)
		done()
		if err != nil {
			e.l.log.Error("run: record output", "run", e.run.ID, "stream", c.name, "err", err)
			e.mu.Lock()
			s := e.out[c.name]
			s.buf = append(c.data[:len(c.data):len(c.data)], s.buf...)
			s.offset = c.offset
			e.mu.Unlock()
			failed = true
		}
	}
	e.mu.Lock()
	e.inFlight = 0
	if failed {
		e.backoff = min(max(2*e.backoff, retryFirst), retryMax)
		e.retryAt = time.Now().Add(e.backoff)
	} else {
		e.backoff, e.retryAt = 0, time.Time{}
	}
	e.mu.Unlock()
	select {
	case e.drained <- struct{}{}:
	default:
	}
	return true
}

// fail ends a run that never got a process.
func (e *execution) fail(from plumbline.RunStatus, msg string, events []plumbline.Event) {
	e.l.log.Warn("run failed to start", "run", e.run.ID, "reason", msg)
	ctx, done := storeCtx()
	defer done()
	_, err := e.l.cfg.Store.Transition(ctx, plumbline.RunTransition{RunID: e.run.ID,
		From: []plumbline.RunStatus{from, plumbline.StatusCanceling}, To: plumbline.StatusFailure, Message: msg, Events: events})
	if err != nil {
		e.l.log.Error("run: record failure", "run", e.run.ID, "err", err)
	}
}

// finish records how the run ended, with the events that come with it.
func (e *execution) finish(status plumbline.RunStatus, msg string, exitCode *int, events []plumbline.Event) {
	ctx, done := storeCtx()
	defer done()
	from := []plumbline.RunStatus{plumbline.StatusStarted, plumbline.StatusStarting, plumbline.StatusCanceling}
	_, err := e.l.cfg.Store.Transition(ctx, plumbline.RunTransition{RunID: e.run.ID, From: from, To: status,
		Message: msg, ExitCode: exitCode, Events: events})
	if err != nil {
		e.l.log.Error("run: record end", "run", e.run.ID, "status", status, "err", err)
	}
}

// assetKeysEnv returns the variable that gives a program its target asset keys:
// PLUMBLINE_ASSET_KEYS, the keys separated by spaces, or for a list too long for the
// environment PLUMBLINE_ASSET_KEYS_FILE, naming a file in dir with a key per line.
func assetKeysEnv(dir string, keys []plumbline.AssetKey) (string, error) {
	s := make([]string, len(keys))
	for i, k := range keys {
		s[i] = k.String()
	}
	if joined := strings.Join(s, " "); len(joined) <= maxAssetKeysEnv {
		return "PLUMBLINE_ASSET_KEYS=" + joined, nil
	}
	path := filepath.Join(dir, "asset_keys.txt")
	if err := os.WriteFile(path, []byte(strings.Join(s, "\n")+"\n"), 0o600); err != nil {
		return "", err
	}
	return "PLUMBLINE_ASSET_KEYS_FILE=" + path, nil
}

func shorten(b []byte) string {
	const limit = 200
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	if len(s) > limit {
		return s[:limit] + "…"
	}
	return s
}
