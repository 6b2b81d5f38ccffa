package store

import (
	"encoding/json"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/internal/fastjson"
)

// Metadata is kept in event_log.metadata as the JSON list encoding/json writes for it
// (HTML characters unescaped): [{"key":…,"type":…,"value":…},…]. Every append writes it and
// every event read parses it, so both are done here by hand, giving exactly the bytes and
// the entries encoding/json gives (metajson_test.go checks both ways), and falling back to
// encoding/json for anything out of the ordinary.

// encodeMetadata returns m as stored: exactly what marshal(m) returns.
func encodeMetadata(m plumbline.Metadata) []byte {
	if b, ok := appendMetadata(nil, m); ok {
		return b
	}
	b, _ := marshal(m) // a value that is not valid JSON: encoding/json fails as it always did
	return b
}

// appendMetadata appends m as encoding/json writes it; ok is false when a value is not
// valid JSON (which encoding/json refuses) or m is nil.
func appendMetadata(dst []byte, m plumbline.Metadata) ([]byte, bool) {
	if m == nil {
		return dst, false
	}
	size := 2
	for i := range m {
		size += 30 + len(m[i].Key) + len(m[i].Type) + len(m[i].Value)
	}
	if dst == nil {
		dst = make([]byte, 0, size)
	}
	dst = append(dst, '[')
	for i := range m {
		e := &m[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"key":`...)
		dst = fastjson.AppendString(dst, e.Key)
		dst = append(dst, `,"type":`...)
		dst = fastjson.AppendString(dst, e.Type)
		dst = append(dst, `,"value":`...)
		switch {
		case e.Value == nil:
			dst = append(dst, "null"...)
		case !fastjson.Valid(e.Value):
			return dst, false
		default:
			dst = fastjson.AppendCompact(dst, e.Value)
		}
		dst = append(dst, '}')
	}
	return append(dst, ']'), true
}

// decodeMetadata reads metadata as stored: exactly what json.Unmarshal into Metadata
// gives, errors ignored (a row that is not valid JSON reads as no metadata).
func decodeMetadata(s string) plumbline.Metadata {
	if m, ok := parseMetadata(s); ok {
		return m
	}
	var m plumbline.Metadata
	_ = json.Unmarshal([]byte(s), &m)
	return m
}

// parseMetadata reads the list appendMetadata writes, non-empty; ok is false for any
// other text. The entries' keys are substrings of s, their types the constants, and their
// values slices of one copy of s.
func parseMetadata(s string) (plumbline.Metadata, bool) {
	if len(s) < 2 || s[0] != '[' || s[1] != '{' {
		return nil, false
	}
	data := []byte(s)
	if !fastjson.Valid(data) {
		return nil, false
	}
	n := 0
	fastjson.Elements(data, func([]byte) bool { n++; return true })
	m := make(plumbline.Metadata, 0, n)
	ok := true
	const keyPrefix, typePrefix, valuePrefix = `{"key":`, `,"type":`, `,"value":`
	fastjson.Elements(data, func(el []byte) bool {
		start := cap(data) - cap(el) // el's offset in data, and so in s
		if !hasPrefix(el, keyPrefix) {
			ok = false
			return false
		}
		i := len(keyPrefix)
		kEnd := fastjson.StringEnd(el, i)
		if !hasPrefixAt(el, kEnd, typePrefix) {
			ok = false
			return false
		}
		key := fastjson.UnquoteIn(s, start+i, el[i:kEnd])
		i = kEnd + len(typePrefix)
		if i >= len(el) || el[i] != '"' {
			ok = false
			return false
		}
		tEnd := fastjson.StringEnd(el, i)
		if !hasPrefixAt(el, tEnd, valuePrefix) {
			ok = false
			return false
		}
		typ := knownType(fastjson.UnquoteIn(s, start+i, el[i:tEnd]))
		i = tEnd + len(valuePrefix)
		vEnd := fastjson.ValueEnd(el, i)
		if vEnd != len(el)-1 || el[vEnd] != '}' {
			ok = false
			return false
		}
		m = append(m, plumbline.MetadataEntry{Key: key, Type: typ, Value: json.RawMessage(el[i:vEnd:vEnd])})
		return true
	})
	if !ok {
		return nil, false
	}
	return m, true
}

func hasPrefix(b []byte, p string) bool { return len(b) >= len(p) && string(b[:len(p)]) == p }

func hasPrefixAt(b []byte, i int, p string) bool { return i <= len(b) && hasPrefix(b[i:], p) }

// knownType returns the constant naming a metadata type, so that entries read share it.
func knownType(t string) string {
	for _, c := range plumbline.MetadataTypes {
		if c == t {
			return c
		}
	}
	return t
}
