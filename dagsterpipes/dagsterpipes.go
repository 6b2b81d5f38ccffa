// Package dagsterpipes is the external side of the Dagster Pipes protocol for Go programs:
// what the dagster-pipes Python package is for Python. A program launched by Plumbline (or by
// Dagster) for an asset reads what it should work on and reports logs, materializations and
// check results back:
//
//	func main() {
//		pipes, err := dagsterpipes.Open()
//		if err != nil {
//			log.Fatal(err)
//		}
//		defer pipes.Close()
//
//		pipes.Log().Info("loading orders")
//		rows, err := load(pipes.PartitionKey())
//		if err != nil {
//			pipes.CloseWithError(err)
//			os.Exit(1)
//		}
//		pipes.ReportAssetMaterialization(dagsterpipes.Materialization{
//			Metadata: map[string]dagsterpipes.MetadataValue{"rows": dagsterpipes.Int(rows)},
//		})
//	}
//
// The orchestrator says where the context and the message channel are in the environment
// variables DAGSTER_PIPES_CONTEXT and DAGSTER_PIPES_MESSAGES. Without them, Open warns on
// stderr and returns a context whose calls do nothing, so the program also runs on its own.
//
// The package depends on the standard library only.
package dagsterpipes

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
)

// The environment variables the orchestrator sets, each base64(zlib(json)).
const (
	EnvContext  = "DAGSTER_PIPES_CONTEXT"
	EnvMessages = "DAGSTER_PIPES_MESSAGES"
)

// ProtocolVersion is the version of the Pipes protocol the package speaks.
const ProtocolVersion = "0.1"

// ErrClosed is returned by calls that send a message after Close.
var ErrClosed = errors.New("dagsterpipes: the Pipes context is closed")

// Options are the process's surroundings, for tests and unusual set-ups.
type Options struct {
	// LookupEnv reads an environment variable; os.LookupEnv when nil.
	LookupEnv func(name string) (string, bool)
	// Stdout and Stderr are the streams messages go to in stdio mode, and where the
	// not-launched-by-an-orchestrator warning goes; os.Stdout and os.Stderr when nil.
	Stdout, Stderr io.Writer
}

// Context is the Pipes session of the running process, from Open to Close. Its methods are
// safe for concurrent use.
type Context struct {
	piped bool
	data  contextData
	log   *Logger

	mu           sync.Mutex
	w            io.Writer
	file         *os.File // the messages file, when messages go to one
	closed       bool
	err          error // the first failed write
	materialized map[string]bool

	targetsOnce sync.Once
	targetSet   map[string]bool // the run's targets, for resolveAssetKey
}

// contextData is PipesContextData.
type contextData struct {
	AssetKeys             []string                   `json:"asset_keys"`
	CodeVersionByAssetKey map[string]*string         `json:"code_version_by_asset_key"`
	PartitionKey          *string                    `json:"partition_key"`
	PartitionKeyRange     *keyRange                  `json:"partition_key_range"`
	PartitionTimeWindow   *keyRange                  `json:"partition_time_window"`
	RunID                 string                     `json:"run_id"`
	JobName               *string                    `json:"job_name"`
	RetryNumber           int                        `json:"retry_number"`
	Extras                map[string]json.RawMessage `json:"extras"`
}

type keyRange struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// Open reads the bootstrap environment, loads the context and sends "opened". Call it once,
// near the start of main, and Close the context before the program ends.
//
// When the process was not launched by an orchestrator (DAGSTER_PIPES_CONTEXT is not set),
// Open writes a warning to stderr and returns a context whose reporting calls do nothing
// and whose accessors return zero values; IsPiped reports false. It returns an error when
// the bootstrap variables are set but cannot be read, or the messages file cannot be opened.
func Open() (*Context, error) { return OpenWith(Options{}) }

// OpenWith is Open with the given surroundings.
func OpenWith(o Options) (*Context, error) {
	if o.LookupEnv == nil {
		o.LookupEnv = os.LookupEnv
	}
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	c := &Context{materialized: map[string]bool{}}
	c.log = &Logger{c: c}
	rawContext, ok := o.LookupEnv(EnvContext)
	if !ok || rawContext == "" {
		fmt.Fprintf(o.Stderr, "dagsterpipes: this process was not launched by a Dagster Pipes orchestrator (%s is not set); calls to the Pipes context do nothing\n", EnvContext)
		return c, nil
	}
	c.piped = true
	if err := c.loadContext(rawContext); err != nil {
		return nil, err
	}
	rawMessages, _ := o.LookupEnv(EnvMessages)
	if err := c.openWriter(rawMessages, o); err != nil {
		return nil, err
	}
	if err := c.send("opened", map[string]any{"extras": map[string]any{}}); err != nil {
		c.closeFile()
		return nil, err
	}
	return c, nil
}

func (c *Context) loadContext(raw string) error {
	var params struct {
		Path *string         `json:"path"`
		Data json.RawMessage `json:"data"`
	}
	if err := DecodeParam(raw, &params); err != nil {
		return fmt.Errorf("dagsterpipes: %s: %w", EnvContext, err)
	}
	data := params.Data
	switch {
	case params.Path != nil:
		b, err := os.ReadFile(*params.Path)
		if err != nil {
			return fmt.Errorf("dagsterpipes: read context: %w", err)
		}
		data = b
	case len(data) == 0 || string(data) == "null":
		return fmt.Errorf(`dagsterpipes: %s holds neither "path" nor "data"`, EnvContext)
	}
	if err := json.Unmarshal(data, &c.data); err != nil {
		return fmt.Errorf("dagsterpipes: read context: %w", err)
	}
	return nil
}

func (c *Context) openWriter(raw string, o Options) error {
	if raw == "" {
		return fmt.Errorf("dagsterpipes: %s is not set", EnvMessages)
	}
	var params struct {
		Path          *string `json:"path"`
		Stdio         *string `json:"stdio"`
		BufferedStdio *string `json:"buffered_stdio"`
	}
	if err := DecodeParam(raw, &params); err != nil {
		return fmt.Errorf("dagsterpipes: %s: %w", EnvMessages, err)
	}
	stream := params.Stdio
	if stream == nil {
		stream = params.BufferedStdio // written as it comes: there is no reason to hold it back
	}
	switch {
	case params.Path != nil:
		f, err := os.OpenFile(*params.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return fmt.Errorf("dagsterpipes: open messages file: %w", err)
		}
		c.file, c.w = f, f
	case stream != nil && *stream == "stdout":
		c.w = o.Stdout
	case stream != nil && *stream == "stderr":
		c.w = o.Stderr
	case stream != nil:
		return fmt.Errorf(`dagsterpipes: %s: stdio must be "stdout" or "stderr", got %q`, EnvMessages, *stream)
	default:
		return fmt.Errorf(`dagsterpipes: %s holds neither "path" nor "stdio"`, EnvMessages)
	}
	return nil
}

// message is the envelope of every message.
type message struct {
	Version string `json:"__dagster_pipes_version"`
	Method  string `json:"method"`
	Params  any    `json:"params"`
}

// send writes one message as one line, in a single write.
func (c *Context) send(method string, params any) error {
	line, err := encodeMessage(method, params)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	return c.write(line)
}

// write writes a line; c.mu is held.
func (c *Context) write(line []byte) error {
	if _, err := c.w.Write(line); err != nil {
		err = fmt.Errorf("dagsterpipes: write message: %w", err)
		if c.err == nil {
			c.err = err
		}
		return err
	}
	return nil
}

func encodeMessage(method string, params any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(message{Version: ProtocolVersion, Method: method, Params: params}); err != nil {
		return nil, fmt.Errorf("dagsterpipes: %s: %w", method, err)
	}
	return bareNonFinite(b.Bytes()), nil // Encode ends the line with "\n"
}

// IsPiped reports whether the process was launched by an orchestrator. When it was not,
// the context's calls do nothing.
func (c *Context) IsPiped() bool { return c.piped }

// RunID returns the id of the run.
func (c *Context) RunID() string { return c.data.RunID }

// JobName returns the name of the run's job, or "".
func (c *Context) JobName() string {
	if c.data.JobName == nil {
		return ""
	}
	return *c.data.JobName
}

// RetryNumber returns 0 for a run's first attempt, 1 for its first retry, and so on.
func (c *Context) RetryNumber() int { return c.data.RetryNumber }

// AssetKeys returns the keys of the assets the run targets, in their string form ("a/b",
// with a "/" inside a part written `\/`), or nil when it targets none.
func (c *Context) AssetKeys() []string {
	return append([]string(nil), c.data.AssetKeys...)
}

// AssetKey returns the key of the run's only target. It returns an error when the run
// targets no asset or several; when the process was not launched by an orchestrator it
// returns "" and no error.
func (c *Context) AssetKey() (string, error) {
	if !c.piped {
		return "", nil
	}
	switch len(c.data.AssetKeys) {
	case 0:
		return "", errors.New("dagsterpipes: the run targets no asset")
	case 1:
		return c.data.AssetKeys[0], nil
	}
	return "", fmt.Errorf("dagsterpipes: the run targets %d assets (%s), not one", len(c.data.AssetKeys), strings.Join(c.data.AssetKeys, ", "))
}

// CodeVersion returns the code version of a target, or of the only target when key is "";
// "" when it has none.
func (c *Context) CodeVersion(key string) string {
	if key == "" && len(c.data.AssetKeys) == 1 {
		key = c.data.AssetKeys[0]
	}
	if v := c.data.CodeVersionByAssetKey[key]; v != nil {
		return *v
	}
	return ""
}

// PartitionKey returns the partition the run is for, or "" when it is not for one.
func (c *Context) PartitionKey() string {
	if c.data.PartitionKey == nil {
		return ""
	}
	return *c.data.PartitionKey
}

// PartitionKeyRange returns the first and last partitions of a run over partitions; ok is
// false when the run is not for partitions.
func (c *Context) PartitionKeyRange() (start, end string, ok bool) {
	if r := c.data.PartitionKeyRange; r != nil {
		return r.Start, r.End, true
	}
	return "", "", false
}

// Extras returns the extras the orchestrator passed, decoded as encoding/json decodes into
// an any (numbers as float64). It returns an empty map, not nil, when there are none.
func (c *Context) Extras() map[string]any {
	out := make(map[string]any, len(c.data.Extras))
	for k, raw := range c.data.Extras {
		var v any
		_ = json.Unmarshal(raw, &v) // raw is valid JSON
		out[k] = v
	}
	return out
}

// Extra returns one extra, decoded as Extras does; ok is false when it was not passed.
func (c *Context) Extra(name string) (v any, ok bool) {
	raw, ok := c.data.Extras[name]
	if !ok {
		return nil, false
	}
	_ = json.Unmarshal(raw, &v)
	return v, true
}

// DecodeExtra decodes one extra into v, as json.Unmarshal does. It returns an error when the
// extra was not passed or does not fit v.
func (c *Context) DecodeExtra(name string, v any) error {
	raw, ok := c.data.Extras[name]
	if !ok {
		return fmt.Errorf("dagsterpipes: extra %q was not passed", name)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("dagsterpipes: extra %q: %w", name, err)
	}
	return nil
}

// resolveAssetKey applies dagster-pipes' rules: a key must be one of the run's targets, and
// may be left out when there is exactly one.
func (c *Context) resolveAssetKey(key, method string) (string, error) {
	targets := c.data.AssetKeys
	if len(targets) > 0 {
		if key != "" {
			c.targetsOnce.Do(func() {
				c.targetSet = make(map[string]bool, len(targets))
				for _, t := range targets {
					c.targetSet[t] = true
				}
			})
			if c.targetSet[key] {
				return key, nil
			}
			return "", fmt.Errorf("dagsterpipes: %s: asset key %q is not one of the run's targets (%s)", method, key, strings.Join(targets, ", "))
		}
		if len(targets) != 1 {
			return "", fmt.Errorf("dagsterpipes: %s: no asset key given and the run targets %d assets (%s)", method, len(targets), strings.Join(targets, ", "))
		}
		return targets[0], nil
	}
	if key == "" {
		return "", fmt.Errorf("dagsterpipes: %s: no asset key given and the run targets no asset", method)
	}
	return key, nil
}

// Materialization is what ReportAssetMaterialization reports.
type Materialization struct {
	AssetKey    string // one of the run's targets; "" for its only target
	DataVersion string // "" for none
	Metadata    map[string]MetadataValue
}

// ReportAssetMaterialization reports that an asset was materialized. An asset may be
// reported once per run. Targets the program does not report are taken as materialized
// when it succeeds.
func (c *Context) ReportAssetMaterialization(m Materialization) error {
	if !c.piped {
		return nil
	}
	const method = "report_asset_materialization"
	key, err := c.resolveAssetKey(m.AssetKey, method)
	if err != nil {
		return err
	}
	md, err := metadataParam(m.Metadata, method)
	if err != nil {
		return err
	}
	var dv *string
	if m.DataVersion != "" {
		dv = &m.DataVersion
	}
	line, err := encodeMessage(method, map[string]any{"asset_key": key, "data_version": dv, "metadata": md})
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return ErrClosed
	case c.materialized[key]:
		return fmt.Errorf("dagsterpipes: %s: asset %q was already reported materialized", method, key)
	}
	if err := c.write(line); err != nil {
		return err
	}
	c.materialized[key] = true
	return nil
}

// Check severities.
const (
	SeverityError = "ERROR"
	SeverityWarn  = "WARN"
)

// Check is what ReportAssetCheck reports.
type Check struct {
	AssetKey  string // one of the run's targets; "" for its only target
	CheckName string
	Passed    bool
	Severity  string // SeverityError (the default, for "") or SeverityWarn
	Metadata  map[string]MetadataValue
}

// ReportAssetCheck reports the result of a data-quality check on an asset.
func (c *Context) ReportAssetCheck(ch Check) error {
	if !c.piped {
		return nil
	}
	const method = "report_asset_check"
	key, err := c.resolveAssetKey(ch.AssetKey, method)
	if err != nil {
		return err
	}
	if ch.CheckName == "" {
		return fmt.Errorf("dagsterpipes: %s: the check has no name", method)
	}
	sev := ch.Severity
	switch sev {
	case "":
		sev = SeverityError
	case SeverityError, SeverityWarn:
	default:
		return fmt.Errorf("dagsterpipes: %s: severity must be %q or %q, got %q", method, SeverityWarn, SeverityError, sev)
	}
	md, err := metadataParam(ch.Metadata, method)
	if err != nil {
		return err
	}
	return c.send(method, map[string]any{
		"asset_key": key, "check_name": ch.CheckName, "passed": ch.Passed, "metadata": md, "severity": sev,
	})
}

// ReportCustomMessage sends any JSON-encodable payload to the orchestrator. Plumbline
// records it in the run's log.
func (c *Context) ReportCustomMessage(payload any) error {
	if !c.piped {
		return nil
	}
	return c.send("report_custom_message", map[string]any{"payload": payload})
}

// LogExternalStream forwards text the program captured from somewhere else (a worker, a
// subprocess) to the run's captured "stdout" or "stderr".
func (c *Context) LogExternalStream(stream, text string) error {
	if !c.piped {
		return nil
	}
	if stream != "stdout" && stream != "stderr" {
		return fmt.Errorf(`dagsterpipes: log_external_stream: stream must be "stdout" or "stderr", got %q`, stream)
	}
	return c.send("log_external_stream", map[string]any{"stream": stream, "text": text, "extras": map[string]any{}})
}

func metadataParam(md map[string]MetadataValue, method string) (map[string]MetadataValue, error) {
	if len(md) == 0 {
		return nil, nil // sent as null, as dagster-pipes sends empty metadata
	}
	for k := range md {
		if k == "" {
			return nil, fmt.Errorf("dagsterpipes: %s: a metadata key is empty", method)
		}
	}
	return md, nil
}

// Close sends "closed" and releases the message channel. It is safe to call more than once;
// calls after the first do nothing. It returns the first error met writing any message.
//
// Deferred right after Open (defer pipes.Close()), it also reports a panic: the session is
// closed with the panic as its exception, and the panic goes on.
func (c *Context) Close() error {
	if r := recover(); r != nil {
		c.close(panicException(r))
		panic(r)
	}
	return c.close(nil)
}

// CloseWithError closes the session with err as its exception: its type, its message, the
// stack where CloseWithError was called, and the errors it wraps as causes. The run fails.
// A nil err closes the session as Close does.
func (c *Context) CloseWithError(err error) error {
	if err == nil {
		return c.close(nil)
	}
	exc := errorException(err, 0)
	exc.Stack = stackFrames(callers(2), false) // from CloseWithError's caller
	return c.close(exc)
}

func (c *Context) close(exc *exception) error {
	if !c.piped {
		return nil
	}
	params := map[string]any{}
	if exc != nil {
		params["exception"] = exc
	}
	line, _ := encodeMessage("closed", params) // an exception holds only strings
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	c.write(line)
	if c.file != nil {
		if err := c.file.Close(); err != nil && c.err == nil {
			c.err = fmt.Errorf("dagsterpipes: close messages file: %w", err)
		}
	}
	return c.err
}

// closeFile closes the messages file after a failed Open.
func (c *Context) closeFile() {
	if c.file != nil {
		c.file.Close()
	}
}

// exception is PipesException.
type exception struct {
	Name    string     `json:"name"`
	Message string     `json:"message"`
	Stack   []string   `json:"stack"`
	Cause   *exception `json:"cause"`
	Context *exception `json:"context"`
}

const maxCauses = 32

// errorException describes err and, as its causes, the errors it wraps. Like Python's, the
// message starts with the name.
func errorException(err error, depth int) *exception {
	name := errorName(err)
	e := &exception{Name: name, Message: name + ": " + err.Error() + "\n", Stack: []string{}}
	if depth < maxCauses {
		var cause error
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			cause = u.Unwrap()
		case interface{ Unwrap() []error }:
			if errs := u.Unwrap(); len(errs) > 0 {
				cause = errs[0]
			}
		}
		if cause != nil {
			e.Cause = errorException(cause, depth+1)
		}
	}
	return e
}

// errorName is the error's type, as a Go programmer would write it: "fs.PathError",
// "strconv.NumError"; "error" for the anonymous types of errors.New and fmt.Errorf.
func errorName(err error) string {
	name := strings.TrimPrefix(fmt.Sprintf("%T", err), "*")
	switch name {
	case "errors.errorString", "fmt.wrapError", "fmt.wrapErrors", "errors.joinError":
		return "error"
	}
	return name
}

func panicException(r any) *exception {
	var e *exception
	if err, ok := r.(error); ok {
		e = errorException(err, 0)
		e.Name, e.Message = "panic", "panic: "+err.Error()+"\n"
	} else {
		e = &exception{Name: "panic", Message: fmt.Sprintf("panic: %v\n", r)}
	}
	e.Stack = stackFrames(callers(2), true)
	return e
}

// callers returns the stack of its caller's caller when skip is 2: 0 is runtime.Callers's
// own frame, 1 callers', 2 its caller's.
func callers(skip int) []uintptr {
	pcs := make([]uintptr, 64)
	return pcs[:runtime.Callers(skip+1, pcs)]
}

// pkgPath prefixes the names of this package's functions in a stack.
const pkgPath = "github.com/plumbline/plumbline/dagsterpipes."

// stackFrames formats a stack as dagster-pipes does (Python's StackSummary.format):
// outermost call first, one string per frame, `  File "path", line N, in function\n`.
// For a panic, the frames of the panic machinery above the panicking function are left out.
func stackFrames(pcs []uintptr, panicking bool) []string {
	var frames []runtime.Frame
	it := runtime.CallersFrames(pcs)
	for {
		f, more := it.Next()
		frames = append(frames, f)
		if !more {
			break
		}
	}
	if panicking {
		// Deferred calls run above the panic: [Close, runtime.gopanic, (runtime.*), panicker, …].
		i := 0
		for i < len(frames) && strings.HasPrefix(frames[i].Function, pkgPath) {
			i++
		}
		for i < len(frames) && strings.HasPrefix(frames[i].Function, "runtime.") {
			i++
		}
		frames = frames[i:]
	}
	out := []string{}
	for i := len(frames) - 1; i >= 0; i-- {
		f := frames[i]
		if f.Function == "runtime.goexit" || f.Function == "runtime.main" {
			continue
		}
		out = append(out, fmt.Sprintf("  File %q, line %d, in %s\n", f.File, f.Line, f.Function))
	}
	return out
}

// Logger sends log lines to the orchestrator, which records them in the run's log. Lines
// sent after Close, or when the process was not launched by an orchestrator, are dropped;
// write errors are returned by Close.
type Logger struct{ c *Context }

// Log returns the session's logger.
func (c *Context) Log() *Logger { return c.log }

// Log sends a line at a level: DEBUG, INFO, WARNING, ERROR or CRITICAL.
func (l *Logger) Log(level, msg string) {
	if !l.c.piped {
		return
	}
	_ = l.c.send("log", map[string]string{"message": msg, "level": level})
}

// Debug sends a line at DEBUG.
func (l *Logger) Debug(msg string) { l.Log("DEBUG", msg) }

// Info sends a line at INFO.
func (l *Logger) Info(msg string) { l.Log("INFO", msg) }

// Warning sends a line at WARNING.
func (l *Logger) Warning(msg string) { l.Log("WARNING", msg) }

// Error sends a line at ERROR.
func (l *Logger) Error(msg string) { l.Log("ERROR", msg) }

// Critical sends a line at CRITICAL.
func (l *Logger) Critical(msg string) { l.Log("CRITICAL", msg) }

// Debugf sends a formatted line at DEBUG.
func (l *Logger) Debugf(format string, args ...any) { l.Log("DEBUG", fmt.Sprintf(format, args...)) }

// Infof sends a formatted line at INFO.
func (l *Logger) Infof(format string, args ...any) { l.Log("INFO", fmt.Sprintf(format, args...)) }

// Warningf sends a formatted line at WARNING.
func (l *Logger) Warningf(format string, args ...any) {
	l.Log("WARNING", fmt.Sprintf(format, args...))
}

// Errorf sends a formatted line at ERROR.
func (l *Logger) Errorf(format string, args ...any) { l.Log("ERROR", fmt.Sprintf(format, args...)) }

// Criticalf sends a formatted line at CRITICAL.
func (l *Logger) Criticalf(format string, args ...any) {
	l.Log("CRITICAL", fmt.Sprintf(format, args...))
}

// EncodeParam encodes a value as the orchestrator does for the bootstrap variables:
// base64(zlib(json)).
func EncodeParam(v any) (string, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	zw.Write(data)
	zw.Close()
	return base64.StdEncoding.EncodeToString(b.Bytes()), nil
}

// DecodeParam decodes a bootstrap variable into v.
func DecodeParam(s string, v any) error {
	s = strings.TrimSpace(s)
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if raw, err = base64.RawStdEncoding.DecodeString(s); err != nil {
			return fmt.Errorf("not base64: %w", err)
		}
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("not zlib-compressed: %w", err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return fmt.Errorf("not zlib-compressed: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return nil
}
