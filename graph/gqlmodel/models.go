package gqlmodel

import (
	"sort"
	"time"

	"github.com/plumbline/plumbline"
)

func strp(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Event is the GraphQL view of an event.
type Event struct{ E *plumbline.Event }

// NewEvents wraps events.
func NewEvents(events []plumbline.Event) []*Event {
	out := make([]*Event, len(events))
	for i := range events {
		out[i] = &Event{&events[i]}
	}
	return out
}

func (e *Event) StorageID() int64                     { return e.E.StorageID }
func (e *Event) Type() string                         { return string(e.E.Type) }
func (e *Event) Timestamp() time.Time                 { return e.E.Timestamp }
func (e *Event) RunID() *string                       { return strp(e.E.RunID) }
func (e *Event) Partition() *string                   { return strp(e.E.Partition) }
func (e *Event) DataVersion() *string                 { return strp(e.E.DataVersion) }
func (e *Event) Description() *string                 { return strp(e.E.Description) }
func (e *Event) CheckName() *string                   { return strp(e.E.CheckName) }
func (e *Event) Passed() *bool                        { return e.E.Passed }
func (e *Event) Severity() *string                    { return strp(e.E.Severity) }
func (e *Event) Level() *string                       { return strp(e.E.Level) }
func (e *Event) Message() *string                     { return strp(e.E.Message) }
func (e *Event) Metadata() []*plumbline.MetadataEntry { return metadata(e.E.Metadata) }

// AssetKey is nil (null) for events of no asset.
func (e *Event) AssetKey() plumbline.AssetKey { return e.E.AssetKey }

func metadata(m plumbline.Metadata) []*plumbline.MetadataEntry {
	out := make([]*plumbline.MetadataEntry, len(m))
	for i := range m {
		out[i] = &m[i]
	}
	return out
}

// Asset is the GraphQL view of an asset; its event-backed fields have resolvers.
type Asset struct{ A *plumbline.Asset }

func (a *Asset) Key() plumbline.AssetKey { return a.A.Key }
func (a *Asset) Declared() bool          { return a.A.Declared() }
func (a *Asset) CreatedAt() time.Time    { return a.A.CreatedAt }
func (a *Asset) UpdatedAt() time.Time    { return a.A.UpdatedAt }

func (a *Asset) Definition() *AssetDefinition {
	if a.A.Spec == nil {
		return nil
	}
	return &AssetDefinition{Spec: a.A.Spec, Loc: a.A.Location}
}

// AssetDefinition is the GraphQL view of an asset spec.
type AssetDefinition struct {
	Spec *plumbline.AssetSpec
	Loc  string
}

func (d *AssetDefinition) Description() *string { return strp(d.Spec.Description) }
func (d *AssetDefinition) Group() *string       { return strp(d.Spec.Group) }
func (d *AssetDefinition) Owners() []string     { return nonNil(d.Spec.Owners) }
func (d *AssetDefinition) Kinds() []string      { return nonNil(d.Spec.Kinds) }
func (d *AssetDefinition) CodeVersion() *string { return strp(d.Spec.CodeVersion) }
func (d *AssetDefinition) Location() string     { return d.Loc }
func (d *AssetDefinition) Launchable() bool     { return d.Spec.Launchable() }
func (d *AssetDefinition) Metadata() []*plumbline.MetadataEntry {
	return metadata(d.Spec.Metadata)
}

func (d *AssetDefinition) Deps() []plumbline.AssetKey {
	if d.Spec.Deps == nil {
		return []plumbline.AssetKey{}
	}
	return d.Spec.Deps
}

func (d *AssetDefinition) Tags() []*Tag { return tags(d.Spec.Tags) }

func (d *AssetDefinition) Checks() []*AssetCheckSpec {
	out := make([]*AssetCheckSpec, len(d.Spec.Checks))
	for i := range d.Spec.Checks {
		out[i] = &AssetCheckSpec{&d.Spec.Checks[i]}
	}
	return out
}

func (d *AssetDefinition) Freshness() *FreshnessPolicy {
	if d.Spec.Freshness == nil {
		return nil
	}
	return &FreshnessPolicy{d.Spec.Freshness}
}

func (d *AssetDefinition) Pipes() *PipesSpec {
	if d.Spec.Pipes == nil {
		return nil
	}
	return &PipesSpec{d.Spec.Pipes}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Tag is one key=value tag.
type Tag struct {
	Key   string
	Value string
}

// AssetCheckSpec is the GraphQL view of a check spec.
type AssetCheckSpec struct{ S *plumbline.CheckSpec }

func (c *AssetCheckSpec) Name() string         { return c.S.Name }
func (c *AssetCheckSpec) Description() *string { return strp(c.S.Description) }
func (c *AssetCheckSpec) Blocking() bool       { return c.S.Blocking }
func (c *AssetCheckSpec) Severity() *string    { return strp(c.S.Severity) }

// FreshnessPolicy is the GraphQL view of a freshness policy.
type FreshnessPolicy struct{ P *plumbline.FreshnessPolicy }

func (f *FreshnessPolicy) MaxLag() string         { return f.P.MaxLag.String() }
func (f *FreshnessPolicy) MaxLagSeconds() float64 { return time.Duration(f.P.MaxLag).Seconds() }
func (f *FreshnessPolicy) Cron() *string          { return strp(f.P.Cron) }

// PipesSpec is the GraphQL view of how an asset is launched.
type PipesSpec struct{ P *plumbline.PipesSpec }

func (p *PipesSpec) Command() []string { return nonNil(p.P.Command) }
func (p *PipesSpec) Cwd() *string      { return strp(p.P.Cwd) }
func (p *PipesSpec) TimeoutSeconds() *float64 {
	if p.P.Timeout == 0 {
		return nil
	}
	s := time.Duration(p.P.Timeout).Seconds()
	return &s
}

// AssetCheck is the GraphQL view of a check and its state.
type AssetCheck struct{ C plumbline.CheckState }

func (c *AssetCheck) Name() string                 { return c.C.Name }
func (c *AssetCheck) AssetKey() plumbline.AssetKey { return c.C.AssetKey }
func (c *AssetCheck) Status() string               { return c.C.Status() }
func (c *AssetCheck) Spec() *AssetCheckSpec {
	if c.C.Spec == nil {
		return nil
	}
	return &AssetCheckSpec{c.C.Spec}
}

// AssetPartition is one partition of an asset and its latest events.
type AssetPartition struct {
	Key               plumbline.AssetKey
	Partition         string
	MaterializationID int64
	ObservationID     int64
}

// LineageGraph is the GraphQL view of a lineage walk; its nodes have resolvers.
type LineageGraph struct{ G *plumbline.LineageGraph }

func (g *LineageGraph) Truncated() bool { return g.G.Truncated }
func (g *LineageGraph) Edges() []*LineageEdge {
	out := make([]*LineageEdge, len(g.G.Edges))
	for i, e := range g.G.Edges {
		out[i] = &LineageEdge{From: e.From, To: e.To}
	}
	return out
}

// LineageEdge is one dependency: From is upstream of To.
type LineageEdge struct {
	From plumbline.AssetKey
	To   plumbline.AssetKey
}

// Run is the GraphQL view of a run.
type Run struct{ R *plumbline.Run }

func (r *Run) ID() string                      { return r.R.ID }
func (r *Run) Status() string                  { return string(r.R.Status) }
func (r *Run) AssetKeys() []plumbline.AssetKey { return r.R.AssetKeys }
func (r *Run) Partition() *string              { return strp(r.R.Partition) }
func (r *Run) LaunchedBy() *string             { return strp(r.R.LaunchedBy) }
func (r *Run) Command() []string               { return nonNil(r.R.Launch.Pipes.Command) }
func (r *Run) CreatedAt() time.Time            { return r.R.CreatedAt }
func (r *Run) Message() *string                { return strp(r.R.Message) }
func (r *Run) ExitCode() *int                  { return r.R.ExitCode }
func (r *Run) Tags() []*Tag                    { return tags(r.R.Tags) }

func (r *Run) StartedAt() *time.Time { return timep(r.R.StartedAt) }
func (r *Run) EndedAt() *time.Time   { return timep(r.R.EndedAt) }

func timep(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func tags(m map[string]string) []*Tag {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*Tag, len(keys))
	for i, k := range keys {
		out[i] = &Tag{Key: k, Value: m[k]}
	}
	return out
}

// Freshness is how fresh an asset is.
type Freshness struct {
	Status   string
	Deadline *time.Time
}

// AssetGraph is a part of the catalog to draw; its nodes have a resolver.
type AssetGraph struct {
	Keys      []plumbline.AssetKey
	Edges     []*LineageEdge
	Truncated bool
}
