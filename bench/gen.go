package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/plumbline/plumbline"
)

// The generators here are deterministic (fixed seeds), so every run loads the same data
// and sends the same requests.

// metaGen writes metadata objects of 3–6 entries of mixed types, plain (inferred) and
// typed ({"raw_value", "type"}), in a fixed key order.
type metaGen struct{ rng *rand.Rand }

// materialization returns the JSON object of a materialization's metadata.
func (g metaGen) materialization(asset int) string {
	rng := g.rng
	all := []func(b *strings.Builder){
		func(b *strings.Builder) { fmt.Fprintf(b, `"row_count": %d`, rng.IntN(10_000_000)) },
		func(b *strings.Builder) { fmt.Fprintf(b, `"null_fraction": %.4f`, rng.Float64()/10) },
		func(b *strings.Builder) { fmt.Fprintf(b, `"owner": "team:data-%d"`, asset%7) },
		func(b *strings.Builder) {
			fmt.Fprintf(b, `"dashboard": {"raw_value": "https://bi.example.com/d/%d", "type": "url"}`, asset)
		},
		func(b *strings.Builder) {
			fmt.Fprintf(b, `"columns": {"names": ["id", "amount", "created_at"], "count": %d}`, 3+rng.IntN(20))
		},
		func(b *strings.Builder) { fmt.Fprintf(b, `"full_refresh": %t`, rng.IntN(10) == 0) },
		func(b *strings.Builder) {
			fmt.Fprintf(b, `"path": {"raw_value": "s3://lake/warehouse/t%04d/", "type": "path"}`, asset)
		},
		func(b *strings.Builder) {
			fmt.Fprintf(b, `"loaded_at": {"raw_value": %d.%03d, "type": "timestamp"}`, 1763700000+rng.IntN(100000), rng.IntN(1000))
		},
		func(b *strings.Builder) { fmt.Fprintf(b, `"duration_s": %.2f`, 1+rng.Float64()*300) },
		func(b *strings.Builder) {
			fmt.Fprintf(b, `"query": {"raw_value": "select * from t%04d where ds = '2026-11-20'", "type": "md"}`, asset)
		},
	}
	return g.object(all, 3+rng.IntN(4))
}

// check returns the JSON object of a check evaluation's metadata.
func (g metaGen) check() string {
	rng := g.rng
	all := []func(b *strings.Builder){
		func(b *strings.Builder) { fmt.Fprintf(b, `"failed_rows": %d`, rng.IntN(100)) },
		func(b *strings.Builder) { fmt.Fprintf(b, `"threshold": %.2f`, rng.Float64()) },
		func(b *strings.Builder) {
			fmt.Fprintf(b, `"sample": {"ids": [%d, %d]}`, rng.IntN(1000), rng.IntN(1000))
		},
		func(b *strings.Builder) { b.WriteString(`"rule": "not null"`) },
	}
	return g.object(all, 3)
}

func (g metaGen) object(all []func(*strings.Builder), n int) string {
	g.rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	var b strings.Builder
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		all[i](&b)
	}
	b.WriteByte('}')
	return b.String()
}

// genEvent is a generated event: its GraphQL input and the event_log row it becomes.
type genEvent struct {
	Type        string
	Key         plumbline.AssetKey
	Partition   string
	DataVersion string
	RunID       string
	CheckName   string
	Passed      *bool
	Severity    string
	Metadata    string // a JSON object
}

// input writes the event as an EventInput object of the reportEvents mutation.
func (e *genEvent) input(b *bytes.Buffer) {
	b.WriteString(`{"type":"`)
	b.WriteString(e.Type)
	b.WriteString(`","assetKey":{"path":`)
	path, _ := json.Marshal([]string(e.Key))
	b.Write(path)
	b.WriteString(`}`)
	str := func(name, v string) {
		if v != "" {
			b.WriteString(`,"` + name + `":`)
			s, _ := json.Marshal(v)
			b.Write(s)
		}
	}
	str("runId", e.RunID)
	str("partition", e.Partition)
	str("dataVersion", e.DataVersion)
	str("checkName", e.CheckName)
	str("severity", e.Severity)
	if e.Passed != nil {
		b.WriteString(`,"passed":` + strconv.FormatBool(*e.Passed))
	}
	if e.Metadata != "" {
		b.WriteString(`,"metadata":`)
		b.WriteString(e.Metadata)
	}
	b.WriteByte('}')
}

// event returns the domain event, with its metadata decoded as the server decodes it.
func (e *genEvent) event() (plumbline.Event, error) {
	ev := plumbline.Event{
		Type: plumbline.EventType(e.Type), AssetKey: e.Key, Partition: e.Partition,
		DataVersion: e.DataVersion, RunID: e.RunID, CheckName: e.CheckName, Passed: e.Passed, Severity: e.Severity,
	}
	if e.Metadata != "" {
		m, err := plumbline.DecodeMetadata([]byte(e.Metadata))
		if err != nil {
			return ev, err
		}
		ev.Metadata = m
	}
	if err := ev.Normalize(); err != nil {
		return ev, err
	}
	return ev, nil
}

// eventColumns are event_log's columns, in the order row gives them (as store's eventRow).
var eventColumns = []string{"id", "type", "ts", "run_id", "asset_key", "partition", "data_version",
	"description", "check_name", "passed", "severity", "level", "message", "metadata"}

// row returns the event_log row the store writes for e (id and ts filled in later): the
// same values, NULL for empty strings, metadata as the JSON list of entries.
func row(e plumbline.Event) ([]any, error) {
	null := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	var meta any
	if len(e.Metadata) > 0 {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(e.Metadata); err != nil {
			return nil, err
		}
		meta = strings.TrimSuffix(b.String(), "\n")
	}
	var passed any
	if e.Passed != nil {
		passed = *e.Passed
	}
	var key any
	if e.AssetKey != nil {
		key = e.AssetKey.String()
	}
	return []any{int64(0), string(e.Type), int64(0), null(e.RunID), key, null(e.Partition), null(e.DataVersion),
		null(e.Description), null(e.CheckName), passed, null(e.Severity), null(e.Level), null(e.Message), meta}, nil
}

// ingestBatches generates n batches of size events for the ingestion benchmark: about 100
// assets (a third of them daily-partitioned), 80% materializations with 3–6 metadata
// entries, 15% check evaluations (a few failing) and 5% observations.
func ingestBatches(n, size int) [][]genEvent {
	rng := rand.New(rand.NewPCG(1, 1))
	mg := metaGen{rng}
	const assets = 100
	keys := make([]plumbline.AssetKey, assets)
	for i := range keys {
		keys[i] = plumbline.AssetKey{"warehouse", fmt.Sprintf("domain%02d", i%10), fmt.Sprintf("table%03d", i)}
	}
	checks := []string{"not_null", "unique_id", "row_count_positive"}
	out := make([][]genEvent, n)
	for b := range out {
		run := fmt.Sprintf("run-%08x", rng.Uint32())
		evs := make([]genEvent, size)
		for j := range evs {
			a := rng.IntN(assets)
			e := genEvent{Key: keys[a], RunID: run}
			if a%3 == 0 {
				e.Partition = fmt.Sprintf("2026-%02d-%02d", 1+rng.IntN(11), 1+rng.IntN(28))
			}
			switch p := rng.IntN(100); {
			case p < 80:
				e.Type = string(plumbline.AssetMaterialization)
				e.DataVersion = fmt.Sprintf("%016x", rng.Uint64())
				e.Metadata = mg.materialization(a)
			case p < 95:
				e.Type = string(plumbline.AssetCheckEvaluation)
				e.Partition = ""
				e.CheckName = checks[rng.IntN(len(checks))]
				passed := rng.IntN(10) != 0
				e.Passed = &passed
				if !passed && rng.IntN(2) == 0 {
					e.Severity = "WARN"
				}
				e.Metadata = mg.check()
			default:
				e.Type = string(plumbline.AssetObservation)
				e.DataVersion = fmt.Sprintf("%016x", rng.Uint64())
				e.Metadata = `{"row_count": ` + strconv.Itoa(rng.IntN(1_000_000)) + `, "source": "sensor"}`
			}
			evs[j] = e
		}
		out[b] = evs
	}
	return out
}

// reportEventsBody is the GraphQL request of one batch.
func reportEventsBody(evs []genEvent) []byte {
	var b bytes.Buffer
	b.WriteString(`{"query":"mutation Report($events: [EventInput!]!) { reportEvents(events: $events) { storageIds } }","variables":{"events":[`)
	for i := range evs {
		if i > 0 {
			b.WriteByte(',')
		}
		evs[i].input(&b)
	}
	b.WriteString(`]}}`)
	return b.Bytes()
}

// catalogAssets returns the definitions and events of the assets-page benchmark: n declared
// assets (three-part keys over 20 domains), each with an owner, kinds, 1–2 deps on earlier
// assets and two declared checks; 95% have three materializations (a fifth of them
// partitioned) with 3–6 metadata entries; three quarters have both checks evaluated (about
// 5% failing, 5% warning), the others none.
func catalogAssets(n int) (*plumbline.Definitions, []plumbline.Event, error) {
	rng := rand.New(rand.NewPCG(3, 3))
	mg := metaGen{rng}
	keys := make([]plumbline.AssetKey, n)
	for i := range keys {
		keys[i] = plumbline.AssetKey{fmt.Sprintf("domain%02d", i%20), fmt.Sprintf("schema%d", i%5), fmt.Sprintf("table%05d", i)}
	}
	defs := &plumbline.Definitions{Assets: make([]plumbline.AssetSpec, n)}
	for i, k := range keys {
		spec := plumbline.AssetSpec{
			Key: k, Group: fmt.Sprintf("group%02d", i%20), Owners: []string{fmt.Sprintf("team:data-%d", i%7)},
			Kinds: []string{"dbt", "postgres"}, Description: "table " + k.String(),
			Checks: []plumbline.CheckSpec{{Name: "not_null", Blocking: true}, {Name: "row_count_positive"}},
		}
		if i > 0 {
			for range 1 + rng.IntN(2) {
				spec.Deps = append(spec.Deps, keys[rng.IntN(i)])
			}
		}
		defs.Assets[i] = spec
	}
	var events []plumbline.Event
	add := func(g genEvent) error {
		e, err := g.event()
		if err != nil {
			return err
		}
		events = append(events, e)
		return nil
	}
	for i, k := range keys {
		if i%20 != 19 {
			for range 3 {
				g := genEvent{Type: string(plumbline.AssetMaterialization), Key: k,
					DataVersion: fmt.Sprintf("%016x", rng.Uint64()), Metadata: mg.materialization(i)}
				if i%5 == 0 {
					g.Partition = fmt.Sprintf("2026-11-%02d", 1+rng.IntN(28))
				}
				if err := add(g); err != nil {
					return nil, nil, err
				}
			}
		}
		if i%4 != 3 {
			for _, c := range []string{"not_null", "row_count_positive"} {
				passed := rng.IntN(10) != 0
				g := genEvent{Type: string(plumbline.AssetCheckEvaluation), Key: k, CheckName: c, Passed: &passed, Metadata: mg.check()}
				if !passed && rng.IntN(2) == 0 {
					g.Severity = "WARN"
				}
				if err := add(g); err != nil {
					return nil, nil, err
				}
			}
		}
	}
	return defs, events, nil
}

// layeredDAG returns the definitions of the lineage benchmark: layers×width assets named
// layerLL/assetWWWWW, each outside the first layer depending on 3–4 distinct assets picked
// at random from the layer above.
func layeredDAG(layers, width int) *plumbline.Definitions {
	rng := rand.New(rand.NewPCG(4, 4))
	defs := &plumbline.Definitions{Assets: make([]plumbline.AssetSpec, 0, layers*width)}
	for l := range layers {
		for w := range width {
			spec := plumbline.AssetSpec{Key: dagKey(l, w), Group: fmt.Sprintf("layer%02d", l)}
			if l > 0 {
				n := 3 + rng.IntN(2)
				seen := map[int]bool{}
				for len(spec.Deps) < n {
					p := rng.IntN(width)
					if !seen[p] {
						seen[p] = true
						spec.Deps = append(spec.Deps, dagKey(l-1, p))
					}
				}
			}
			defs.Assets = append(defs.Assets, spec)
		}
	}
	return defs
}

func dagKey(layer, i int) plumbline.AssetKey {
	return plumbline.AssetKey{fmt.Sprintf("layer%02d", layer), fmt.Sprintf("asset%05d", i)}
}
