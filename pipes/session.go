package pipes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/plumbline/plumbline"
)

// Session turns the messages of one launch into what Plumbline records, and keeps the state
// the launcher needs to decide how the run ended. It is safe for concurrent use.
type Session struct {
	ctx     Context
	targets map[string]plumbline.AssetKey // by string form

	mu       sync.Mutex
	opened   bool
	closed   bool
	exc      *Exception
	reported []plumbline.AssetKey
	seen     map[string]bool // the string forms of reported
}

// NewSession starts a session for a launch with the given context.
func NewSession(c Context) *Session {
	s := &Session{ctx: c, targets: make(map[string]plumbline.AssetKey, len(c.AssetKeys))}
	for _, k := range c.AssetKeys {
		s.targets[k.String()] = k
	}
	return s
}

// Result is what one message adds to the run.
type Result struct {
	// Events are to be appended to the event log, in order. RunID is set, and for asset
	// events the context's partition; they are not normalized (the store does that).
	Events []plumbline.Event
	// Output, for log_external_stream, is text to add to the run's captured output.
	Output *StreamChunk
}

// StreamChunk is a piece of a process's stdout or stderr.
type StreamChunk struct {
	Stream string // "stdout" or "stderr"
	Text   string
}

// Exception is an error the program reported when it closed the session, as dagster-pipes
// sends it: Python's exception class name, its message (format_exception_only: usually
// "Name: message\n"), the stack frames outermost first, and the exceptions that caused it
// (raise … from …) or that were being handled when it was raised.
type Exception struct {
	Name    string     `json:"name"`
	Message string     `json:"message"`
	Stack   []string   `json:"stack"`
	Cause   *Exception `json:"cause"`
	Context *Exception `json:"context"`
}

// Title is the first line to show: "Name: message", without repeating a name the message
// already starts with.
func (e *Exception) Title() string {
	msg := strings.TrimRight(e.Message, "\n")
	if e.Name == "" {
		if msg == "" {
			return "exception"
		}
		return msg
	}
	if msg == "" {
		return e.Name
	}
	// format_exception_only writes "[module.]Name: message", after the source lines of a
	// SyntaxError; start at that line.
	for i, rest := 0, msg; ; {
		line, next, more := strings.Cut(rest, "\n")
		head, _, _ := strings.Cut(line, ":")
		if head == e.Name || strings.HasSuffix(head, "."+e.Name) {
			return msg[i:]
		}
		if !more {
			break
		}
		i += len(line) + 1
		rest = next
	}
	return e.Name + ": " + msg
}

// Opened reports whether the program opened the session. A run whose program never did fails.
func (s *Session) Opened() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opened
}

// Closed reports whether the program closed the session.
func (s *Session) Closed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Exception returns the exception the program closed the session with, or nil. A run whose
// program closed with an exception fails.
func (s *Session) Exception() *Exception {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exc
}

// Reported returns the assets the program reported materialized, each once, in the order of
// their first report. Targets missing from it are the ones to materialize implicitly when
// the run succeeds.
func (s *Session) Reported() []plumbline.AssetKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]plumbline.AssetKey(nil), s.reported...)
}

// Warning returns a WARNING log event of the run, e.g. for an error Handle returned.
func (s *Session) Warning(err error) plumbline.Event {
	return plumbline.Event{Type: plumbline.Log, RunID: s.ctx.RunID, Level: "WARNING", Message: err.Error()}
}

// Handle turns one message into the events to record. Messages after closed are handled too.
//
// The mapping: opened is an ENGINE_EVENT "Pipes session opened" (non-empty extras kept as
// json metadata); closed an ENGINE_EVENT "Pipes session closed", or, with an exception, a LOG
// at ERROR whose message is "Name: message" and whose metadata holds the traceback of the
// exception and its chain as "stack" (md, a code block) and the exception as sent as
// "exception" (json); log a LOG at its level; report_asset_materialization an
// ASSET_MATERIALIZATION; report_asset_check an ASSET_CHECK_EVALUATION (severity ERROR unless
// WARN); report_custom_message a LOG at INFO, "custom message" or the payload itself when it
// is a short one-line string, with the payload exactly as sent in "payload" (json); and
// log_external_stream no event but Output.
//
// It returns an EINVALID error, and nothing to record, when the message is not a valid Pipes
// message: an unknown method or bad params (an asset key that is not a string, or missing
// while the run targets several assets; passed not a bool; a bad metadata type…). The error
// says exactly what is wrong, e.g. `report_asset_check: passed must be true or false, got
// "yes"`; record it as a warning (see Warning) and go on. Every event Handle returns passes
// plumbline.Event.Normalize.
//
// A log line at an unknown level is recorded at INFO, with a warning event after it. The
// closed message is never rejected: the session is closed whatever its params.
func (s *Session) Handle(m Message) (Result, error) {
	p, err := decodeParams(m)
	if err != nil {
		return Result{}, err
	}
	var res Result
	switch m.Method {
	case MethodOpened:
		res, err = s.handleOpened(p)
	case MethodClosed:
		res, err = s.handleClosed(p)
	case MethodLog:
		res, err = s.handleLog(p)
	case MethodReportAssetMaterialization:
		res, err = s.handleMaterialization(p)
	case MethodReportAssetCheck:
		res, err = s.handleCheck(p)
	case MethodReportCustomMessage:
		res, err = s.handleCustomMessage(p)
	case MethodLogExternalStream:
		res, err = s.handleExternalStream(p)
	default:
		return Result{}, plumbline.Errorf(plumbline.EINVALID, "unknown Pipes method %s (known: %s)",
			quoteMethod(m.Method), strings.Join(Methods, ", "))
	}
	if err != nil {
		return Result{}, err
	}
	for i := range res.Events {
		e := res.Events[i] // Normalize a copy: the store normalizes the original
		if err := e.Normalize(); err != nil {
			return Result{}, plumbline.Errorf(plumbline.EINVALID, "%s: %s", m.Method, plumbline.ErrorMessage(err))
		}
	}
	return res, nil
}

// params are a message's params by name, with the method for error messages.
type params struct {
	method string
	fields map[string]json.RawMessage
}

func decodeParams(m Message) (params, error) {
	p := params{method: m.Method}
	if len(m.Params) == 0 {
		return p, nil
	}
	if err := json.Unmarshal(m.Params, &p.fields); err != nil {
		return p, plumbline.Errorf(plumbline.EINVALID, "%s: params must be an object or null, got %s", quoteMethod(m.Method), brief(m.Params))
	}
	return p, nil
}

func (p params) errorf(format string, args ...any) error {
	return plumbline.Errorf(plumbline.EINVALID, p.method+": "+format, args...)
}

// get returns a param's JSON value; ok is false when it is missing or null.
func (p params) get(name string) (json.RawMessage, bool) {
	raw, ok := p.fields[name]
	if !ok || string(raw) == "null" {
		return nil, false
	}
	return raw, true
}

// str reads an optional string param: "" when missing or null.
func (p params) str(name string) (string, error) {
	raw, ok := p.get(name)
	if !ok {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", p.errorf("%s must be a string, got %s", name, brief(raw))
	}
	return s, nil
}

// requiredStr reads a string param that must be present.
func (p params) requiredStr(name string) (string, error) {
	if _, ok := p.fields[name]; !ok {
		return "", p.errorf("%s is missing", name)
	}
	raw := p.fields[name]
	var s string
	if json.Unmarshal(raw, &s) != nil || string(raw) == "null" {
		return "", p.errorf("%s must be a string, got %s", name, brief(raw))
	}
	return s, nil
}

func (s *Session) event(t plumbline.EventType) plumbline.Event {
	return plumbline.Event{Type: t, RunID: s.ctx.RunID}
}

func (s *Session) handleOpened(p params) (Result, error) {
	s.mu.Lock()
	s.opened = true
	s.mu.Unlock()
	e := s.event(plumbline.EngineEvent)
	e.Message = "Pipes session opened"
	// dagster-pipes sends {"extras": {}}; keep whatever else a writer adds.
	// The session is open whatever the params say: params that cannot be stored are dropped.
	for _, name := range slices.Sorted(maps.Keys(p.fields)) {
		raw := bytes.ToValidUTF8(plainNonFinite(p.fields[name]), []byte("\uFFFD"))
		if name == "extras" && (string(raw) == "null" || isEmptyObject(raw)) {
			continue
		}
		entry, err := plumbline.NewMetadataEntry(name, plumbline.MetaJSON, raw)
		if err != nil || plumbline.ValidText("metadata key", name, 0) != nil {
			continue
		}
		e.Metadata = append(e.Metadata, entry)
	}
	return Result{Events: []plumbline.Event{e}}, nil
}

func (s *Session) handleClosed(p params) (Result, error) {
	var exc *Exception
	raw, hasExc := p.get("exception")
	if hasExc {
		exc = parseException(raw, 0)
	}
	s.mu.Lock()
	s.closed = true
	if exc != nil {
		s.exc = exc
	}
	s.mu.Unlock()
	if exc == nil {
		e := s.event(plumbline.EngineEvent)
		e.Message = "Pipes session closed"
		return Result{Events: []plumbline.Event{e}}, nil
	}
	e := s.event(plumbline.Log)
	e.Level = "ERROR"
	e.Message = validText(exc.Title())
	if len(exc.Stack) > 0 || exc.Cause != nil || exc.Context != nil {
		e.Metadata = append(e.Metadata, plumbline.MetadataEntry{Key: "stack", Type: plumbline.MetaMarkdown, Value: mustMarshal(validText(fence(traceback(exc))))})
	}
	if entry, err := plumbline.NewMetadataEntry("exception", plumbline.MetaJSON, bytes.ToValidUTF8(plainNonFinite(raw), []byte("\uFFFD"))); err == nil {
		e.Metadata = append(e.Metadata, entry)
	}
	return Result{Events: []plumbline.Event{e}}, nil
}

// maxChain bounds how many chained exceptions are kept.
const maxChain = 32

// parseException reads an exception leniently: a field of the wrong type is shown as JSON
// rather than dropped, and a value that is not an object becomes the message.
func parseException(raw json.RawMessage, depth int) *Exception {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		var msg string
		if json.Unmarshal(raw, &msg) != nil {
			msg = brief(raw)
		}
		return &Exception{Message: msg}
	}
	text := func(name string) string {
		v, ok := fields[name]
		if !ok || string(v) == "null" {
			return ""
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			return brief(v)
		}
		return s
	}
	e := &Exception{Name: text("name"), Message: text("message")}
	var frames []json.RawMessage
	if json.Unmarshal(fields["stack"], &frames) == nil {
		for _, f := range frames {
			var s string
			if json.Unmarshal(f, &s) != nil {
				s = brief(f) + "\n"
			}
			e.Stack = append(e.Stack, s)
		}
	}
	if depth < maxChain {
		if v, ok := fields["cause"]; ok && string(v) != "null" {
			e.Cause = parseException(v, depth+1)
		}
		if v, ok := fields["context"]; ok && string(v) != "null" {
			e.Context = parseException(v, depth+1)
		}
	}
	return e
}

// traceback renders an exception and its chain as Python prints them: the cause (or else
// the context) first, then the exception itself.
func traceback(e *Exception) string {
	var b strings.Builder
	var write func(e *Exception, depth int)
	write = func(e *Exception, depth int) {
		if depth < maxChain {
			switch {
			case e.Cause != nil:
				write(e.Cause, depth+1)
				b.WriteString("\nThe above exception was the direct cause of the following exception:\n\n")
			case e.Context != nil:
				write(e.Context, depth+1)
				b.WriteString("\nDuring handling of the above exception, another exception occurred:\n\n")
			}
		}
		if len(e.Stack) > 0 {
			b.WriteString("Traceback (most recent call last):\n")
			for _, f := range e.Stack {
				b.WriteString(f)
				if !strings.HasSuffix(f, "\n") {
					b.WriteByte('\n')
				}
			}
		}
		b.WriteString(e.Title())
		b.WriteByte('\n')
	}
	write(e, 0)
	return b.String()
}

// fence wraps text in a Markdown code block whose fence no run of backticks in it closes.
func fence(text string) string {
	longest, run := 0, 0
	for i := 0; i < len(text); i++ {
		if text[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	f := strings.Repeat("`", max(3, longest+1))
	return f + "\n" + text + f
}

func (s *Session) handleLog(p params) (Result, error) {
	msg, err := p.requiredStr("message")
	if err != nil {
		return Result{}, err
	}
	e := s.event(plumbline.Log)
	e.Message = validText(msg)
	raw, ok := p.get("level")
	if !ok {
		e.Level = "INFO"
		return Result{Events: []plumbline.Event{e}}, nil
	}
	var level string
	if json.Unmarshal(raw, &level) != nil {
		// Python's logging also takes numeric levels (10 DEBUG … 50 CRITICAL).
		n, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			return Result{}, p.errorf("level must be a string, got %s", brief(raw))
		}
		level = numericLevel(n)
	}
	if e.Level, err = plumbline.NormalizeLevel(level); err == nil {
		return Result{Events: []plumbline.Event{e}}, nil
	}
	e.Level = "INFO"
	e.Metadata = plumbline.Metadata{{Key: "level", Type: plumbline.MetaText, Value: mustMarshal(validText(level))}}
	warn := s.Warning(p.errorf("level %s is not one of %s; recorded at INFO",
		brief(mustMarshal(level)), strings.Join(plumbline.LogLevels, ", ")))
	return Result{Events: []plumbline.Event{e, warn}}, nil
}

func numericLevel(n float64) string {
	switch {
	case n >= 50:
		return "CRITICAL"
	case n >= 40:
		return "ERROR"
	case n >= 30:
		return "WARNING"
	case n >= 20:
		return "INFO"
	}
	return "DEBUG"
}

// assetKey reads the asset_key param: the escaped string form of a key (parts separated by
// "/", `\X` standing for X), or null or "" for the run's only target. When the run has
// targets the key must be one of them.
func (s *Session) assetKey(p params) (plumbline.AssetKey, error) {
	str, err := p.str("asset_key")
	if err != nil {
		return nil, err
	}
	if str == "" {
		switch len(s.ctx.AssetKeys) {
		case 0:
			return nil, p.errorf("asset_key is missing and the run targets no asset")
		case 1:
			return s.ctx.AssetKeys[0], nil
		}
		return nil, p.errorf("asset_key is missing and the run targets %d assets (%s); name one", len(s.ctx.AssetKeys), s.targetList())
	}
	if k, ok := s.targets[str]; ok {
		return k, nil
	}
	k := ParseAssetKey(str)
	if err := k.Validate(); err != nil {
		return nil, p.errorf("%s", plumbline.ErrorMessage(err))
	}
	if len(s.targets) > 0 {
		if t, ok := s.targets[k.String()]; ok {
			return t, nil
		}
		return nil, p.errorf("asset_key %s is not one of the run's targets (%s)", brief(mustMarshal(str)), s.targetList())
	}
	return k, nil
}

func (s *Session) targetList() string {
	const most = 10
	var parts []string
	for i, k := range s.ctx.AssetKeys {
		if i == most {
			parts = append(parts, fmt.Sprintf("and %d more", len(s.ctx.AssetKeys)-most))
			break
		}
		parts = append(parts, k.String())
	}
	return strings.Join(parts, ", ")
}

// ParseAssetKey reads an asset key as dagster-pipes writes it (to_asset_key_path): parts
// separated by "/", a backslash making the next character literal, a trailing "/" ignored.
// For keys written by plumbline.AssetKey.String it gives back the same parts.
func ParseAssetKey(s string) plumbline.AssetKey {
	var (
		parts   plumbline.AssetKey
		cur     []byte
		escaped bool
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped:
			cur = append(cur, c)
			escaped = false
		case c == '\\':
			escaped = true
		case c == '/':
			parts = append(parts, string(cur))
			cur = cur[:0]
		default:
			cur = append(cur, c)
		}
	}
	if len(cur) > 0 {
		parts = append(parts, string(cur))
	}
	return parts
}

func (s *Session) assetEvent(t plumbline.EventType, key plumbline.AssetKey) plumbline.Event {
	e := s.event(t)
	e.AssetKey = key
	e.Partition = s.ctx.PartitionKey
	return e
}

func (s *Session) handleMaterialization(p params) (Result, error) {
	key, err := s.assetKey(p)
	if err != nil {
		return Result{}, err
	}
	dv, err := p.str("data_version")
	if err != nil {
		return Result{}, err
	}
	md, err := p.metadata()
	if err != nil {
		return Result{}, err
	}
	e := s.assetEvent(plumbline.AssetMaterialization, key)
	e.DataVersion = dv
	e.Metadata = md
	v := e // validate (a copy) before recording the key as reported
	if err := v.Normalize(); err != nil {
		return Result{}, p.errorf("%s", plumbline.ErrorMessage(err))
	}
	ks := key.String()
	s.mu.Lock()
	if !s.seen[ks] {
		if s.seen == nil {
			s.seen = map[string]bool{}
		}
		s.seen[ks] = true
		s.reported = append(s.reported, key)
	}
	s.mu.Unlock()
	return Result{Events: []plumbline.Event{e}}, nil
}

func (s *Session) handleCheck(p params) (Result, error) {
	key, err := s.assetKey(p)
	if err != nil {
		return Result{}, err
	}
	name, err := p.requiredStr("check_name")
	if err != nil {
		return Result{}, err
	}
	if name == "" {
		return Result{}, p.errorf("check_name is empty")
	}
	raw, has := p.fields["passed"]
	if !has {
		return Result{}, p.errorf("passed is missing")
	}
	var passed bool
	if string(raw) == "null" || json.Unmarshal(raw, &passed) != nil {
		return Result{}, p.errorf("passed must be true or false, got %s", brief(raw))
	}
	sevText, err := p.str("severity")
	if err != nil {
		return Result{}, err
	}
	sev, err := plumbline.NormalizeSeverity(sevText)
	if err != nil {
		return Result{}, p.errorf(`severity must be "WARN" or "ERROR", got %s`, brief(mustMarshal(sevText)))
	}
	md, err := p.metadata()
	if err != nil {
		return Result{}, err
	}
	e := s.assetEvent(plumbline.AssetCheckEvaluation, key)
	e.CheckName = name
	e.Passed = &passed
	e.Severity = sev
	e.Metadata = md
	return Result{Events: []plumbline.Event{e}}, nil
}

// maxCustomMessage is the longest string payload shown as the log line itself.
const maxCustomMessage = 200

func (s *Session) handleCustomMessage(p params) (Result, error) {
	raw, has := p.fields["payload"]
	if !has {
		return Result{}, p.errorf("payload is missing")
	}
	raw = plainNonFinite(raw)
	e := s.event(plumbline.Log)
	e.Level = "INFO"
	e.Message = "custom message"
	var str string
	if json.Unmarshal(raw, &str) == nil && str != "" && len(str) <= maxCustomMessage &&
		!strings.ContainsAny(str, "\r\n\x00") {
		e.Message = str
	}
	entry, err := plumbline.NewMetadataEntry("payload", plumbline.MetaJSON, raw)
	if err != nil {
		return Result{}, p.errorf("%s", plumbline.ErrorMessage(err))
	}
	e.Metadata = plumbline.Metadata{entry}
	return Result{Events: []plumbline.Event{e}}, nil
}

func (s *Session) handleExternalStream(p params) (Result, error) {
	stream, err := p.requiredStr("stream")
	if err != nil {
		return Result{}, err
	}
	if stream != "stdout" && stream != "stderr" {
		return Result{}, p.errorf(`stream must be "stdout" or "stderr", got %s`, brief(mustMarshal(stream)))
	}
	text, err := p.requiredStr("text")
	if err != nil {
		return Result{}, err
	}
	return Result{Output: &StreamChunk{Stream: stream, Text: text}}, nil
}

// metadata reads the metadata param: null, or an object of values in the typed form
// {"raw_value": X, "type": T} that dagster-pipes sends ("__infer__" asks for the type to be
// inferred from X), or plain JSON values, whose type is inferred. Order is kept.
func (p params) metadata() (plumbline.Metadata, error) {
	raw, ok := p.get("metadata")
	if !ok {
		return nil, nil
	}
	if bytes.Contains(raw, []byte(`\u0000`)) {
		raw = floatsFromSentinels(raw)
	}
	md, err := plumbline.DecodeMetadata(raw)
	if err != nil {
		return nil, p.errorf("%s", plumbline.ErrorMessage(err))
	}
	return md, nil
}

// floatsFromSentinels rewrites metadata values that were Python's bare NaN or Infinity: as
// the whole value, or the raw value of an inferred or float value, they become float values
// ("NaN", "Infinity", "-Infinity"); anywhere deeper, plain strings.
func floatsFromSentinels(raw []byte) []byte {
	var obj []struct {
		key   string
		value json.RawMessage
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return plainNonFinite(raw)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return plainNonFinite(raw)
		}
		var v json.RawMessage
		if dec.Decode(&v) != nil {
			return plainNonFinite(raw)
		}
		obj = append(obj, struct {
			key   string
			value json.RawMessage
		}{tok.(string), v})
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range obj {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(mustMarshal(kv.key))
		b.WriteByte(':')
		b.Write(floatFromSentinel(kv.value))
	}
	b.WriteByte('}')
	return b.Bytes()
}

func floatFromSentinel(v json.RawMessage) []byte {
	asFloat := func(s []byte) ([]byte, bool) {
		for _, nf := range nonFinite {
			if string(bytes.TrimSpace(s)) == nf.sentinel {
				return []byte(`{"raw_value":` + nf.plain + `,"type":"float"}`), true
			}
		}
		return nil, false
	}
	if f, ok := asFloat(v); ok {
		return f
	}
	var typed map[string]json.RawMessage
	if json.Unmarshal(v, &typed) == nil && len(typed) == 2 {
		var t string
		if json.Unmarshal(typed["type"], &t) == nil && (t == "__infer__" || t == plumbline.MetaFloat) {
			if f, ok := asFloat(typed["raw_value"]); ok {
				return f
			}
		}
	}
	return plainNonFinite(v)
}

func isEmptyObject(raw []byte) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(raw, &m) == nil && len(m) == 0
}

// validText makes text storable: valid UTF-8 without NUL characters.
func validText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}
