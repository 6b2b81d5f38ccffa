package pipes

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/plumbline/plumbline"
)

// ProtocolVersion is the Pipes protocol version Plumbline speaks, and VersionField the key
// that marks a JSON object as a Pipes message.
const (
	ProtocolVersion = "0.1"
	VersionField    = "__dagster_pipes_version"
)

// Pipes methods.
const (
	MethodOpened                     = "opened"
	MethodClosed                     = "closed"
	MethodLog                        = "log"
	MethodReportAssetMaterialization = "report_asset_materialization"
	MethodReportAssetCheck           = "report_asset_check"
	MethodReportCustomMessage        = "report_custom_message"
	MethodLogExternalStream          = "log_external_stream"
)

// Methods lists the methods a Session understands.
var Methods = []string{
	MethodOpened, MethodClosed, MethodLog, MethodReportAssetMaterialization,
	MethodReportAssetCheck, MethodReportCustomMessage, MethodLogExternalStream,
}

// Message is one decoded protocol message: {"__dagster_pipes_version": V, "method": M,
// "params": P}. Params is a JSON object, or nil when the message has none (or null). Python's
// bare NaN, Infinity and -Infinity appear in it as the strings "\u0000NaN", "\u0000Infinity"
// and "\u0000-Infinity", so that it is valid JSON; Session.Handle reads them back.
type Message struct {
	Version string
	Method  string
	Params  json.RawMessage
}

var versionKey = []byte(`"` + VersionField + `"`)

// ParseLine reads one line of a messages file or of a process's output. ok is false when the
// line is not a Pipes message at all: not a JSON object with "__dagster_pipes_version" (in
// stdio mode such lines are the program's ordinary output). err, an EINVALID error, is for a
// line that claims to be a message but is malformed: broken JSON that names the version
// field, a version or method that is not a string, params that are not an object.
//
// Python's json module writes NaN and the infinities as the bare words NaN, Infinity and
// -Infinity, which JSON does not allow; ParseLine accepts them (Session reads them as float
// metadata where a number was expected).
func ParseLine(line []byte) (m Message, ok bool, err error) {
	line = bytes.TrimSpace(line)
	if len(line) < 2 || line[0] != '{' {
		return Message{}, false, nil
	}
	// One pass in the common case: Unmarshal validates as it decodes. Only a line it
	// rejects is looked at again for Python's bare NaN and Infinity.
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(line, &fields); err != nil {
		var syntax *json.SyntaxError
		if !errors.As(err, &syntax) {
			return Message{}, false, nil // valid JSON that is not an object cannot start with '{'
		}
		fixed, changed := rewriteNonFinite(line)
		if !changed || json.Unmarshal(fixed, &fields) != nil {
			if !bytes.Contains(line, versionKey) {
				return Message{}, false, nil
			}
			var v any
			err := json.Unmarshal(line, &v)
			return Message{}, true, plumbline.Errorf(plumbline.EINVALID, "Pipes message is not valid JSON: %s", jsonError(err))
		}
	}
	rawVersion, isMessage := fields[VersionField]
	if !isMessage {
		return Message{}, false, nil
	}
	if json.Unmarshal(rawVersion, &m.Version) != nil {
		return Message{}, true, plumbline.Errorf(plumbline.EINVALID, "Pipes message: %s must be a string, got %s", VersionField, brief(rawVersion))
	}
	rawMethod, has := fields["method"]
	switch {
	case !has:
		return Message{}, true, plumbline.Errorf(plumbline.EINVALID, "Pipes message has no method")
	case json.Unmarshal(rawMethod, &m.Method) != nil:
		return Message{}, true, plumbline.Errorf(plumbline.EINVALID, "Pipes message: method must be a string, got %s", brief(rawMethod))
	case m.Method == "":
		return Message{}, true, plumbline.Errorf(plumbline.EINVALID, "Pipes message: method is empty")
	}
	if p := fields["params"]; len(p) > 0 && string(p) != "null" {
		if p[0] != '{' {
			return Message{}, true, plumbline.Errorf(plumbline.EINVALID, "%s: params must be an object or null, got %s", quoteMethod(m.Method), brief(p))
		}
		m.Params = p
	}
	return m, true, nil
}

// Non-finite numbers in Python's JSON become these strings; Session turns them back into
// float metadata, or into the plain strings "NaN", "Infinity" and "-Infinity" elsewhere.
var nonFinite = []struct{ bare, sentinel, plain string }{
	{"NaN", `"\u0000NaN"`, `"NaN"`},
	{"Infinity", `"\u0000Infinity"`, `"Infinity"`},
	{"-Infinity", `"\u0000-Infinity"`, `"-Infinity"`},
}

// rewriteNonFinite replaces the bare words NaN, Infinity and -Infinity outside strings with
// sentinel strings. Outside strings JSON has no other words starting with N or I, nor a
// minus sign before a letter.
func rewriteNonFinite(line []byte) ([]byte, bool) {
	var out []byte
	inString, escaped, last := false, false, 0
	for i := 0; i < len(line); i++ {
		c := line[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		if c == '"' {
			inString = true
			continue
		}
		if c != 'N' && c != 'I' && c != '-' {
			continue
		}
		for _, nf := range nonFinite {
			if bytes.HasPrefix(line[i:], []byte(nf.bare)) && !wordChar(line, i+len(nf.bare)) {
				out = append(out, line[last:i]...)
				out = append(out, nf.sentinel...)
				i += len(nf.bare) - 1
				last = i + 1
				break
			}
		}
	}
	if out == nil {
		return line, false
	}
	return append(out, line[last:]...), true
}

func wordChar(b []byte, i int) bool {
	if i >= len(b) {
		return false
	}
	c := b[i]
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// plainNonFinite turns sentinels left in a JSON value into plain strings.
func plainNonFinite(raw []byte) []byte {
	if !bytes.Contains(raw, []byte(`\u0000`)) {
		return raw
	}
	for _, nf := range nonFinite {
		raw = bytes.ReplaceAll(raw, []byte(nf.sentinel), []byte(nf.plain))
	}
	return raw
}

// brief shows a JSON value in an error message: compact, at most about 60 bytes, valid UTF-8,
// non-finite numbers as Python wrote them.
func brief(raw []byte) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) == nil {
		raw = b.Bytes()
	}
	s := string(raw)
	for _, nf := range nonFinite {
		s = strings.ReplaceAll(s, nf.sentinel, nf.bare)
	}
	const limit = 60
	if len(s) > limit {
		cut := limit - 3
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// quoteMethod shows a method name in an error message: as it is when it is one we know,
// quoted otherwise.
func quoteMethod(method string) string {
	for _, m := range Methods {
		if m == method {
			return method
		}
	}
	return brief(mustMarshal(method))
}

func mustMarshal(v any) []byte {
	b, err := marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func jsonError(err error) string {
	if err == nil {
		return "unexpected end of input"
	}
	return strings.ToValidUTF8(strings.TrimPrefix(err.Error(), "json: "), "\uFFFD")
}
