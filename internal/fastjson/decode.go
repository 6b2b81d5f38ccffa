package fastjson

import (
	"encoding/json"
)

// Decoder decodes JSON into interface values exactly as a json.Decoder with UseNumber
// does: objects into map[string]any (the last of a repeated key wins), arrays into []any,
// numbers into json.Number, strings, booleans and nil. It keeps one copy of each short
// string it meets (the keys and values repeated across the objects of a large request),
// so that they are allocated once. It is not safe for concurrent use; its zero value is
// ready.
type Decoder struct {
	interned map[string]string
}

// maxIntern bounds what the decoder remembers: strings up to 32 bytes, 4,096 of them.
const (
	maxInternLen   = 32
	maxInternCount = 4096
)

// Value decodes the JSON value starting at data[i] and returns it with the index after
// it; ok is false when the value is not valid JSON (nor nested deeper than encoding/json
// allows), and the caller should let encoding/json report why.
func (d *Decoder) Value(data []byte, i int) (v any, end int, ok bool) {
	return d.value(data, SkipSpace(data, i), 0)
}

func (d *Decoder) value(data []byte, i, depth int) (any, int, bool) {
	if i >= len(data) {
		return nil, i, false
	}
	switch c := data[i]; {
	case c == '"':
		s, end, ok := d.String(data, i)
		return s, end, ok
	case c == '{':
		if depth++; depth > maxDepth {
			return nil, i, false
		}
		m := map[string]any{}
		i = SkipSpace(data, i+1)
		if i < len(data) && data[i] == '}' {
			return m, i + 1, true
		}
		for {
			if i >= len(data) || data[i] != '"' {
				return nil, i, false
			}
			k, end, ok := d.String(data, i)
			if !ok {
				return nil, end, false
			}
			i = SkipSpace(data, end)
			if i >= len(data) || data[i] != ':' {
				return nil, i, false
			}
			var v any
			if v, i, ok = d.value(data, SkipSpace(data, i+1), depth); !ok {
				return nil, i, false
			}
			m[k] = v
			i = SkipSpace(data, i)
			if i >= len(data) {
				return nil, i, false
			}
			switch data[i] {
			case ',':
				i = SkipSpace(data, i+1)
			case '}':
				return m, i + 1, true
			default:
				return nil, i, false
			}
		}
	case c == '[':
		if depth++; depth > maxDepth {
			return nil, i, false
		}
		a := []any{}
		i = SkipSpace(data, i+1)
		if i < len(data) && data[i] == ']' {
			return a, i + 1, true
		}
		for {
			v, end, ok := d.value(data, i, depth)
			if !ok {
				return nil, end, false
			}
			a = append(a, v)
			i = SkipSpace(data, end)
			if i >= len(data) {
				return nil, i, false
			}
			switch data[i] {
			case ',':
				i = SkipSpace(data, i+1)
			case ']':
				return a, i + 1, true
			default:
				return nil, i, false
			}
		}
	case c == 't':
		return true, i + 4, len(data)-i >= 4 && string(data[i:i+4]) == "true"
	case c == 'f':
		return false, i + 5, len(data)-i >= 5 && string(data[i:i+5]) == "false"
	case c == 'n':
		return nil, i + 4, len(data)-i >= 4 && string(data[i:i+4]) == "null"
	case c == '-' || c >= '0' && c <= '9':
		end := NumberEnd(data, i)
		if end == i {
			return nil, i, false
		}
		return json.Number(d.intern(data[i:end])), end, true
	}
	return nil, i, false
}

// String decodes the string literal starting at data[i] (a '"').
func (d *Decoder) String(data []byte, i int) (string, int, bool) {
	end, ok := validString(data, i)
	if !ok {
		return "", end, false
	}
	inner := data[i+1 : end-1]
	if plainString(inner) {
		return d.intern(inner), end, true
	}
	var s string
	if json.Unmarshal(data[i:end], &s) != nil {
		return "", end, false
	}
	return s, end, true
}

func (d *Decoder) intern(b []byte) string {
	if len(b) > maxInternLen {
		return string(b)
	}
	if s, ok := d.interned[string(b)]; ok {
		return s
	}
	s := string(b)
	if d.interned == nil {
		d.interned = make(map[string]string, 64)
	}
	if len(d.interned) < maxInternCount {
		d.interned[s] = s
	}
	return s
}
