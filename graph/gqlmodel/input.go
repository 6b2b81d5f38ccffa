package gqlmodel

import (
	"context"
	"errors"
	"io"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/internal/fastjson"
)

// EventInput is one reported event of reportEvents (input EventInput). It reads itself
// from the request's decoded value (UnmarshalGQLContext, which gqlgen calls instead of
// its generated field-by-field unmarshalling) and decodes its metadata on the way,
// straight from the value gqlgen decoded rather than from JSON written back for it: a
// batch of 1,000 events is half of reportEvents' GraphQL work. The fields are those gqlgen
// would have generated, read exactly as it reads them, with the same errors on the same
// paths.
type EventInput struct {
	Type        string
	AssetKey    *AssetKeyInput
	RunID       *string
	Partition   *string
	DataVersion *string
	Description *string
	CheckName   *string
	Passed      *bool
	Severity    *string
	Level       *string
	Message     *string
	Metadata    MetadataInput
	Timestamp   *time.Time
}

// AssetKeyInput is an asset key as GraphQL reads it (input AssetKeyInput), written here
// rather than generated so that EventInput can hold one.
type AssetKeyInput struct {
	Path []string `json:"path"`
}

// MetadataInput is an event's metadata as reportEvents reads it (the JSON scalar):
// decoded straight into entries. Err is why it could not be decoded, an error the resolver
// reports with the event's position as it reports the event's other faults.
type MetadataInput struct {
	Entries plumbline.Metadata
	Err     error
}

// UnmarshalGQL decodes metadata from the value gqlgen decoded. It fails, as the JSON
// scalar does, only for a value with no JSON form; metadata that is not valid metadata is
// kept in Err.
func (m *MetadataInput) UnmarshalGQL(v any) error {
	var encodeErr error
	m.Entries, encodeErr, m.Err = metadataFromValue(v)
	return encodeErr
}

// MarshalGQL is required of a type that reads itself; an input is never written.
func (m MetadataInput) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, "null") }

// UnmarshalGQLContext reads an EventInput from a value that has passed GraphQL
// validation: a map of its fields, as encoding/json decodes a variable or as gqlparser
// evaluates a literal.
func (e *EventInput) UnmarshalGQLContext(ctx context.Context, v any) error {
	if v == nil {
		return nil
	}
	fields, ok := v.(map[string]any)
	if !ok {
		return graphql.ErrorOnPath(ctx, errors.New("EventInput must be an object"))
	}
	text := func(name string, dst **string, unmarshal func(any) (string, error)) error {
		x, ok := fields[name]
		if !ok || x == nil {
			return nil
		}
		s, err := unmarshal(x)
		*dst = &s
		return onField(ctx, name, err)
	}
	if x, ok := fields["type"]; ok {
		s, err := graphql.UnmarshalString(x)
		if err != nil {
			return onField(ctx, "type", err)
		}
		e.Type = s
	}
	if x, ok := fields["assetKey"]; ok && x != nil {
		if err := e.unmarshalKey(ctx, x); err != nil {
			return err
		}
	}
	if err := text("runId", &e.RunID, graphql.UnmarshalID); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		dst  **string
	}{{"partition", &e.Partition}, {"dataVersion", &e.DataVersion}, {"description", &e.Description}, {"checkName", &e.CheckName}} {
		if err := text(f.name, f.dst, graphql.UnmarshalString); err != nil {
			return err
		}
	}
	if x, ok := fields["passed"]; ok && x != nil {
		b, err := graphql.UnmarshalBoolean(x)
		e.Passed = &b
		if err != nil {
			return onField(ctx, "passed", err)
		}
	}
	for _, f := range []struct {
		name string
		dst  **string
	}{{"severity", &e.Severity}, {"level", &e.Level}, {"message", &e.Message}} {
		if err := text(f.name, f.dst, graphql.UnmarshalString); err != nil {
			return err
		}
	}
	if x, ok := fields["metadata"]; ok && x != nil {
		if err := e.Metadata.UnmarshalGQL(x); err != nil {
			return onField(ctx, "metadata", err)
		}
	}
	if x, ok := fields["timestamp"]; ok && x != nil {
		t, err := UnmarshalTime(x)
		e.Timestamp = &t
		if err != nil {
			return onField(ctx, "timestamp", err)
		}
	}
	return nil
}

// unmarshalKey reads assetKey: an AssetKeyInput, {path: [String!]!}.
func (e *EventInput) unmarshalKey(ctx context.Context, v any) error {
	ctx = graphql.WithPathContext(ctx, graphql.NewPathWithField("assetKey"))
	fields, ok := v.(map[string]any)
	if !ok {
		return graphql.ErrorOnPath(ctx, errors.New("AssetKeyInput must be an object"))
	}
	e.AssetKey = &AssetKeyInput{}
	x, ok := fields["path"]
	if !ok {
		return nil
	}
	parts := graphql.CoerceList(x)
	e.AssetKey.Path = make([]string, len(parts))
	for i, p := range parts {
		s, err := graphql.UnmarshalString(p)
		if err != nil {
			ctx := graphql.WithPathContext(graphql.WithPathContext(ctx, graphql.NewPathWithField("path")), graphql.NewPathWithIndex(i))
			return graphql.ErrorOnPath(ctx, err)
		}
		e.AssetKey.Path[i] = s
	}
	return nil
}

// onField returns err on the path of the named field, as gqlgen's generated code does.
func onField(ctx context.Context, name string, err error) error {
	if err == nil {
		return nil
	}
	return graphql.ErrorOnPath(graphql.WithPathContext(ctx, graphql.NewPathWithField(name)), err)
}

// UnmarshalGQL is UnmarshalGQLContext without a context (gqlgen needs both to see the
// type as reading itself).
func (e *EventInput) UnmarshalGQL(v any) error { return e.UnmarshalGQLContext(context.Background(), v) }

// MarshalGQLContext is required of a type that reads itself; an input is never written.
func (e EventInput) MarshalGQLContext(_ context.Context, w io.Writer) error {
	_, err := io.WriteString(w, "null")
	return err
}

// MarshalGQL: see MarshalGQLContext.
func (e EventInput) MarshalGQL(w io.Writer) { _ = e.MarshalGQLContext(context.Background(), w) }

// metadataFromValue decodes the metadata of an event from the value gqlgen decoded (a
// JSON scalar: maps, slices, json.Number, strings, booleans, nil; or what gqlparser makes
// of a literal). It gives exactly what plumbline.DecodeMetadata gives for UnmarshalJSON(v)
// — the value written back as JSON, map keys sorted — without writing the object back
// and reading it again: each value is written once, as the entry's JSON. encodeErr is
// UnmarshalJSON's error, for a value that has no JSON form; err is DecodeMetadata's.
func metadataFromValue(v any) (m plumbline.Metadata, encodeErr, err error) {
	obj, ok := v.(map[string]any)
	if !ok || !validKeys(obj) {
		raw, err := UnmarshalJSON(v)
		if err != nil {
			return nil, err, nil
		}
		m, err := plumbline.DecodeMetadata(raw)
		return m, nil, err
	}
	if len(obj) == 0 {
		return nil, nil, nil
	}
	keys := fastjson.SortedKeys(obj)
	// All values first: a value with no JSON form fails the whole scalar, as it did when
	// the object was written back whole.
	buf := make([]byte, 0, 32*len(keys))
	ends := make([]int, len(keys))
	for i, k := range keys {
		if buf, err = fastjson.AppendValue(buf, obj[k]); err != nil {
			_, err := UnmarshalJSON(v)
			return nil, err, nil
		}
		ends[i] = len(buf)
	}
	m = make(plumbline.Metadata, len(keys))
	start := 0
	for i, k := range keys {
		if m[i], err = plumbline.DecodeMetadataValue(k, buf[start:ends[i]]); err != nil {
			return nil, nil, err
		}
		start = ends[i]
	}
	return m, nil, nil
}

// validKeys reports whether every key is valid UTF-8, so that it reads back as itself.
func validKeys(obj map[string]any) bool {
	for k := range obj {
		if !utf8.ValidString(k) {
			return false
		}
	}
	return true
}
