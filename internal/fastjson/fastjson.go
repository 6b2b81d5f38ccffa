// Package fastjson holds the few JSON routines on Plumbline's hot paths (reported
// metadata, metadata as the store keeps it, GraphQL request bodies), written to give
// exactly what encoding/json gives — the same bytes written, the same values read, the
// same inputs accepted — at a fraction of its cost. Each is checked against encoding/json
// by a differential fuzz test; anything they do not handle themselves (unusual Go types,
// invalid input whose error message matters) they leave to encoding/json.
package fastjson

import (
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

const hex = "0123456789abcdef"

// maxDepth is encoding/json's limit on nesting: deeper input is not valid JSON to it.
const maxDepth = 10000

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// Valid reports whether data is one valid JSON value, surrounded by optional white space:
// exactly json.Valid(data).
func Valid(data []byte) bool {
	i := SkipSpace(data, 0)
	end, ok := validValue(data, i, 0)
	if !ok {
		return false
	}
	return SkipSpace(data, end) == len(data)
}

// validValue checks the value starting at data[i] and returns the index after it.
func validValue(data []byte, i, depth int) (int, bool) {
	if i >= len(data) {
		return i, false
	}
	switch c := data[i]; {
	case c == '"':
		return validString(data, i)
	case c == '{':
		if depth++; depth > maxDepth {
			return i, false
		}
		i = SkipSpace(data, i+1)
		if i < len(data) && data[i] == '}' {
			return i + 1, true
		}
		for {
			if i >= len(data) || data[i] != '"' {
				return i, false
			}
			var ok bool
			if i, ok = validString(data, i); !ok {
				return i, false
			}
			i = SkipSpace(data, i)
			if i >= len(data) || data[i] != ':' {
				return i, false
			}
			if i, ok = validValue(data, SkipSpace(data, i+1), depth); !ok {
				return i, false
			}
			i = SkipSpace(data, i)
			if i >= len(data) {
				return i, false
			}
			switch data[i] {
			case ',':
				i = SkipSpace(data, i+1)
			case '}':
				return i + 1, true
			default:
				return i, false
			}
		}
	case c == '[':
		if depth++; depth > maxDepth {
			return i, false
		}
		i = SkipSpace(data, i+1)
		if i < len(data) && data[i] == ']' {
			return i + 1, true
		}
		for {
			var ok bool
			if i, ok = validValue(data, i, depth); !ok {
				return i, false
			}
			i = SkipSpace(data, i)
			if i >= len(data) {
				return i, false
			}
			switch data[i] {
			case ',':
				i = SkipSpace(data, i+1)
			case ']':
				return i + 1, true
			default:
				return i, false
			}
		}
	case c == 't':
		return i + 4, len(data)-i >= 4 && string(data[i:i+4]) == "true"
	case c == 'f':
		return i + 5, len(data)-i >= 5 && string(data[i:i+5]) == "false"
	case c == 'n':
		return i + 4, len(data)-i >= 4 && string(data[i:i+4]) == "null"
	case c == '-' || c >= '0' && c <= '9':
		end := NumberEnd(data, i)
		return end, end > i
	}
	return i, false
}

// validString checks the string starting at data[i] (a '"') and returns the index after
// it. Like encoding/json it rejects control characters and bad escapes, and lets invalid
// UTF-8 through.
func validString(data []byte, i int) (int, bool) {
	for j := i + 1; j < len(data); j++ {
		switch c := data[j]; {
		case c == '"':
			return j + 1, true
		case c < 0x20:
			return j, false
		case c == '\\':
			j++
			if j >= len(data) {
				return j, false
			}
			switch data[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(data)-j < 5 {
					return j, false
				}
				for _, h := range data[j+1 : j+5] {
					if !isHex(h) {
						return j, false
					}
				}
				j += 4
			default:
				return j, false
			}
		}
	}
	return len(data), false
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// NumberEnd returns the index after the JSON number starting at data[i], or i when there
// is none.
func NumberEnd(data []byte, i int) int {
	j := i
	if j < len(data) && data[j] == '-' {
		j++
	}
	switch {
	case j < len(data) && data[j] == '0':
		j++
	case j < len(data) && data[j] >= '1' && data[j] <= '9':
		for j++; j < len(data) && data[j] >= '0' && data[j] <= '9'; j++ {
		}
	default:
		return i
	}
	if j+1 < len(data) && data[j] == '.' && data[j+1] >= '0' && data[j+1] <= '9' {
		for j += 2; j < len(data) && data[j] >= '0' && data[j] <= '9'; j++ {
		}
	} else if j < len(data) && data[j] == '.' {
		return i
	}
	if j < len(data) && (data[j] == 'e' || data[j] == 'E') {
		k := j + 1
		if k < len(data) && (data[k] == '+' || data[k] == '-') {
			k++
		}
		if k >= len(data) || data[k] < '0' || data[k] > '9' {
			return i
		}
		for k++; k < len(data) && data[k] >= '0' && data[k] <= '9'; k++ {
		}
		j = k
	}
	return j
}

// ValidNumber reports whether s is a JSON number, as json.Number requires to be encoded.
func ValidNumber(s string) bool {
	return s != "" && NumberEnd([]byte(s), 0) == len(s)
}

// SkipSpace returns the index of the first byte at or after i that is not JSON white
// space.
func SkipSpace(data []byte, i int) int {
	for i < len(data) && isSpace(data[i]) {
		i++
	}
	return i
}

// The functions below read JSON already known to be valid; on anything else their result
// is unspecified (but they do not panic).

// StringEnd returns the index after the string starting at data[i] (a '"').
func StringEnd(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(data)
}

// ValueEnd returns the index after the valid JSON value starting at data[i].
func ValueEnd(data []byte, i int) int {
	if i >= len(data) {
		return i
	}
	switch data[i] {
	case '"':
		return StringEnd(data, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				j = StringEnd(data, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return len(data)
	case 't', 'n':
		return min(i+4, len(data))
	case 'f':
		return min(i+5, len(data))
	default:
		return max(NumberEnd(data, i), i+1)
	}
}

// Members calls fn with the raw key (quoted) and raw value of each member of the valid
// JSON object obj (its first byte is '{'), in order, until fn returns false.
func Members(obj []byte, fn func(key, value []byte) bool) {
	i := SkipSpace(obj, 1)
	for i < len(obj) && obj[i] == '"' {
		kEnd := StringEnd(obj, i)
		key := obj[i:kEnd]
		v := SkipSpace(obj, SkipSpace(obj, kEnd)+1) // past ':'
		vEnd := ValueEnd(obj, v)
		if !fn(key, obj[v:vEnd]) {
			return
		}
		i = SkipSpace(obj, vEnd)
		if i < len(obj) && obj[i] == ',' {
			i = SkipSpace(obj, i+1)
		}
	}
}

// Elements calls fn with each element of the valid JSON array arr (its first byte is
// '['), in order, until fn returns false.
func Elements(arr []byte, fn func(value []byte) bool) {
	i := SkipSpace(arr, 1)
	for i < len(arr) && arr[i] != ']' {
		end := ValueEnd(arr, i)
		if !fn(arr[i:end]) {
			return
		}
		i = SkipSpace(arr, end)
		if i < len(arr) && arr[i] == ',' {
			i = SkipSpace(arr, i+1)
		}
	}
}

// Unquote returns the string a valid JSON string literal (quotes included) stands for, as
// encoding/json decodes it: escapes resolved, invalid UTF-8 replaced by U+FFFD.
func Unquote(raw []byte) string {
	inner := raw[1 : len(raw)-1]
	if plainString(inner) {
		return string(inner)
	}
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// UnquoteIn is Unquote, returning a substring of text (which holds raw at offset) when
// the literal has no escapes, so that no memory is allocated.
func UnquoteIn(text string, offset int, raw []byte) string {
	inner := raw[1 : len(raw)-1]
	if plainString(inner) {
		return text[offset+1 : offset+1+len(inner)]
	}
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// plainString reports whether the inside of a string literal stands for itself: no
// escapes, and valid UTF-8.
func plainString(inner []byte) bool {
	for _, c := range inner {
		if c == '\\' || c >= utf8.RuneSelf {
			return bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner)
		}
	}
	return true
}

// AppendCompact appends the valid JSON src without the white space outside its strings:
// exactly what json.Compact writes for it.
func AppendCompact(dst, src []byte) []byte {
	start := 0
	for i := 0; i < len(src); i++ {
		switch c := src[i]; {
		case c == '"':
			i = StringEnd(src, i) - 1
		case isSpace(c):
			dst = append(dst, src[start:i]...)
			start = i + 1
		}
	}
	return append(dst, src[start:]...)
}

// HasSpace reports whether the valid JSON src has white space outside its strings.
func HasSpace(src []byte) bool {
	for i := 0; i < len(src); i++ {
		switch c := src[i]; {
		case c == '"':
			i = StringEnd(src, i) - 1
		case isSpace(c):
			return true
		}
	}
	return false
}

// AppendString appends s as a JSON string, exactly as encoding/json writes it with HTML
// escaping off (json.Encoder.SetEscapeHTML(false)): invalid UTF-8 becomes \ufffd, and
// U+2028 and U+2029 are escaped.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '\\', '"':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendValue appends the JSON encoding of v exactly as a json.Encoder with HTML escaping
// off writes it (without its trailing newline). It writes the values encoding/json
// decodes into an interface (nil, bool, string, json.Number, float64, []any and
// map[string]any, keys sorted) itself and leaves any other type to encoding/json, whose
// error it returns when v cannot be encoded.
func AppendValue(dst []byte, v any) ([]byte, error) {
	out, ok := appendValue(dst, v)
	if ok {
		return out, nil
	}
	// Something encoding/json must write (or refuse): let it do the whole value, so that
	// its error is exactly its own.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return dst, err
	}
	return append(dst, bytes.TrimSuffix(b.Bytes(), []byte("\n"))...), nil
}

func appendValue(dst []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), true
	case bool:
		if x {
			return append(dst, "true"...), true
		}
		return append(dst, "false"...), true
	case string:
		return AppendString(dst, x), true
	case json.Number:
		if x == "" {
			return append(dst, '0'), true
		}
		if !ValidNumber(string(x)) {
			return dst, false
		}
		return append(dst, x...), true
	case []any:
		if x == nil {
			return append(dst, "null"...), true
		}
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var ok bool
			if dst, ok = appendValue(dst, e); !ok {
				return dst, false
			}
		}
		return append(dst, ']'), true
	case map[string]any:
		if x == nil {
			return append(dst, "null"...), true
		}
		keys := SortedKeys(x)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, k)
			dst = append(dst, ':')
			var ok bool
			if dst, ok = appendValue(dst, x[k]); !ok {
				return dst, false
			}
		}
		return append(dst, '}'), true
	}
	// float64 and anything else: encoding/json's own formatting.
	b, err := MarshalNoEscape(v)
	if err != nil {
		return dst, false
	}
	return append(dst, b...), true
}

// SortedKeys returns m's keys in the order encoding/json writes them.
func SortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, strings.Compare)
	return keys
}

// MarshalNoEscape is json.Marshal without HTML escaping (<, > and & are kept as written)
// and without the trailing newline of json.Encoder.
func MarshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// WriteCompactHTMLEscaped writes the valid JSON src as json.Marshal writes a
// json.RawMessage: white space outside strings removed, and <, >, &, U+2028 and U+2029
// escaped. The runs of src that need no change are written from src itself, so a value
// with nothing to change is written with one call and no copy.
func WriteCompactHTMLEscaped(w io.Writer, src []byte) error {
	start := 0
	inString := false
	flush := func(end int, repl string) error {
		if end > start {
			if _, err := w.Write(src[start:end]); err != nil {
				return err
			}
		}
		if repl != "" {
			if _, err := io.WriteString(w, repl); err != nil {
				return err
			}
		}
		return nil
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		var repl string
		skip := 1
		switch {
		case c == '"':
			inString = !inString
			continue
		case c == '\\' && inString:
			i++
			continue
		case c == '<':
			repl = `\u003c`
		case c == '>':
			repl = `\u003e`
		case c == '&':
			repl = `\u0026`
		case c == 0xE2 && i+2 < len(src) && src[i+1] == 0x80 && src[i+2]&^1 == 0xA8:
			repl, skip = `\u202`+string(hex[src[i+2]&0xF]), 3
		case !inString && isSpace(c):
		default:
			continue
		}
		if err := flush(i, repl); err != nil {
			return err
		}
		i += skip - 1
		start = i + 1
	}
	return flush(len(src), "")
}

// Kind names the kind of a JSON value for messages: "an object", "a list", "a string",
// "a boolean", "null", "a number", or "nothing" for no value.
func Kind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}
