// Package gqlmodel holds the hand-written types gqlgen binds the schema to: thin views of
// the domain types that give GraphQL its nulls and names, and the custom scalars.
package gqlmodel

import (
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/internal/fastjson"
)

// TimeFormat is how times are written: RFC 3339 in UTC with microseconds.
const TimeFormat = "2006-01-02T15:04:05.000000Z07:00"

// MarshalTime writes a Time scalar.
func MarshalTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		b := make([]byte, 0, len(TimeFormat)+2)
		b = append(b, '"')
		b = t.UTC().AppendFormat(b, TimeFormat)
		b = append(b, '"')
		_, _ = w.Write(b)
	})
}

// UnmarshalTime reads a Time scalar: an RFC 3339 string.
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, plumbline.Errorf(plumbline.EINVALID, "time must be an RFC 3339 string, got %T", v)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, plumbline.Errorf(plumbline.EINVALID, "time %q is not RFC 3339 (like 2026-11-21T18:19:00Z)", s)
	}
	return t, nil
}

// MarshalJSON writes a JSON scalar: the value's JSON, as it is.
func MarshalJSON(v json.RawMessage) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		if len(v) == 0 {
			_, _ = io.WriteString(w, "null")
			return
		}
		_, _ = w.Write(v)
	})
}

// UnmarshalJSON reads a JSON scalar. Numbers arrive as json.Number, so integers and
// floats keep the form they were written in. The value is written back exactly as
// encoding/json writes it (map keys sorted, HTML characters unescaped), without its
// reflection.
func UnmarshalJSON(v any) (json.RawMessage, error) {
	b, err := fastjson.AppendValue(make([]byte, 0, 128), v)
	if err != nil {
		return nil, plumbline.Errorf(plumbline.EINVALID, "value cannot be encoded as JSON: %v", err)
	}
	return b, nil
}

// MarshalInt64ID writes an int64 as an ID: a string of its decimal digits.
func MarshalInt64ID(n int64) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		b := make([]byte, 0, 22)
		b = append(b, '"')
		b = strconv.AppendInt(b, n, 10)
		b = append(b, '"')
		_, _ = w.Write(b)
	})
}

// UnmarshalInt64ID reads an ID holding an integer, as a string or a number.
func UnmarshalInt64ID(v any) (int64, error) {
	switch x := v.(type) {
	case string:
		return ParseID(x)
	case json.Number:
		return ParseID(x.String())
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	}
	return 0, plumbline.Errorf(plumbline.EINVALID, "id must be a string of digits, got %T", v)
}

// ParseID reads a storage id; "" is 0.
func ParseID(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, plumbline.Errorf(plumbline.EINVALID, "%q is not a storage id (a non-negative integer)", s)
	}
	return n, nil
}
