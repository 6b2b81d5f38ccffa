package defs_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/defs"
)

// fullDocument uses every field of the format.
const fullDocument = `# The shop's warehouse.
assets:
  - key: raw/orders
    description: Orders as the shop database has them
    group: raw
    owners: [team:data-eng, alice@example.com]
    kinds: [postgres, airbyte]
    tags: {tier: bronze, pii: false, sla/hours: 24}
    code_version: 3
    metadata:
      table: shop.public.orders
      rows: 3
      ratio: 3.0
      quoted: "3"
      hex: 0x1F
      loaded: 2026-11-19
      docs: {raw_value: "https://wiki.example.com/orders", type: url}
      columns: [id, {name: total, type: float}]
      nothing:
  - key: [warehouse, "s3/bucket"]
    description: |
      Orders, cleaned
    group: marts
    code_version: 3.10
    deps: [raw/orders, [external, source], 's3\/landing/file']
    checks:
      - name: no_null_ids
        description: order ids are never null
        blocking: true
      - name: row_count
        severity: warn
    freshness: {max_lag: 24h, cron: "0 6 * * *"}
    pipes:
      command: [python3, jobs/orders.py, 10]
      cwd: jobs
      env: {TARGET: prod, RETRIES: 3}
      timeout: 30m
  - key: ml/churn
    deps:
      - warehouse/s3\/bucket
    freshness: {max_lag: 7d, cron: "@daily"}
    pipes: {command: "make churn && echo done"}
`

func fullDefinitions() *plumbline.Definitions {
	return &plumbline.Definitions{Assets: []plumbline.AssetSpec{
		{
			Key:         plumbline.AssetKey{"raw", "orders"},
			Description: "Orders as the shop database has them",
			Group:       "raw",
			Owners:      []string{"team:data-eng", "alice@example.com"},
			Kinds:       []string{"postgres", "airbyte"},
			Tags:        map[string]string{"tier": "bronze", "pii": "false", "sla/hours": "24"},
			CodeVersion: "3",
			Metadata: plumbline.Metadata{
				{Key: "table", Type: "text", Value: json.RawMessage(`"shop.public.orders"`)},
				{Key: "rows", Type: "int", Value: json.RawMessage(`3`)},
				{Key: "ratio", Type: "float", Value: json.RawMessage(`3.0`)},
				{Key: "quoted", Type: "text", Value: json.RawMessage(`"3"`)},
				{Key: "hex", Type: "int", Value: json.RawMessage(`31`)},
				{Key: "loaded", Type: "text", Value: json.RawMessage(`"2026-11-19"`)},
				{Key: "docs", Type: "url", Value: json.RawMessage(`"https://wiki.example.com/orders"`)},
				{Key: "columns", Type: "json", Value: json.RawMessage(`["id",{"name":"total","type":"float"}]`)},
				{Key: "nothing", Type: "null", Value: json.RawMessage(`null`)},
			},
		},
		{
			Key:         plumbline.AssetKey{"warehouse", "s3/bucket"},
			Description: "Orders, cleaned\n",
			Group:       "marts",
			CodeVersion: "3.10",
			Deps: []plumbline.AssetKey{
				{"raw", "orders"},
				{"external", "source"},
				{"s3/landing", "file"},
			},
			Checks: []plumbline.CheckSpec{
				{Name: "no_null_ids", Description: "order ids are never null", Blocking: true, Severity: "ERROR"},
				{Name: "row_count", Severity: "WARN"},
			},
			Freshness: &plumbline.FreshnessPolicy{MaxLag: plumbline.Duration(24 * time.Hour), Cron: "0 6 * * *"},
			Pipes: &plumbline.PipesSpec{
				Command: []string{"python3", "jobs/orders.py", "10"},
				Cwd:     "jobs",
				Env:     map[string]string{"TARGET": "prod", "RETRIES": "3"},
				Timeout: plumbline.Duration(30 * time.Minute),
			},
		},
		{
			Key:       plumbline.AssetKey{"ml", "churn"},
			Deps:      []plumbline.AssetKey{{"warehouse", "s3/bucket"}},
			Freshness: &plumbline.FreshnessPolicy{MaxLag: plumbline.Duration(7 * 24 * time.Hour), Cron: "@daily"},
			Pipes:     &plumbline.PipesSpec{Command: []string{"sh", "-c", "make churn && echo done"}},
		},
	}}
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want *plumbline.Definitions
	}{
		{"FullDocumentReadsEveryField", fullDocument, fullDefinitions()},
		{"EmptyDocumentHasNoAssets", "", &plumbline.Definitions{Assets: []plumbline.AssetSpec{}}},
		{"CommentsOnlyHaveNoAssets", "# nothing yet\n", &plumbline.Definitions{Assets: []plumbline.AssetSpec{}}},
		{"EmptyAssetListHasNoAssets", "assets: []\n", &plumbline.Definitions{Assets: []plumbline.AssetSpec{}}},
		{"AssetsWithNoValueHaveNoAssets", "assets:\n", &plumbline.Definitions{Assets: []plumbline.AssetSpec{}}},
		{"TrailingDocumentMarkerIsIgnored", "assets: []\n---\n", &plumbline.Definitions{Assets: []plumbline.AssetSpec{}}},
		{
			"ScalarsOfAnyKindBecomeStrings",
			"assets:\n  - {key: 2026/11, description: true, code_version: 1.50, tags: {n: 7, f: 0.5, b: yes}}\n",
			&plumbline.Definitions{Assets: []plumbline.AssetSpec{{
				Key:         plumbline.AssetKey{"2026", "11"},
				Description: "true",
				CodeVersion: "1.50",
				Tags:        map[string]string{"n": "7", "f": "0.5", "b": "yes"},
			}}},
		},
		{
			"OptionalFieldsWithNoValueAreUnset",
			"assets:\n  - key: a\n    description:\n    owners:\n    deps:\n    checks:\n    freshness:\n    pipes:\n    metadata:\n",
			&plumbline.Definitions{Assets: []plumbline.AssetSpec{{Key: plumbline.AssetKey{"a"}}}},
		},
		{
			"MergeKeysShareFieldsAndWrittenFieldsWin",
			`assets:
  - &raw
    key: raw/orders
    group: raw
    owners: [team:data-eng]
    kinds: [postgres]
  - <<: *raw
    key: raw/customers
    kinds: [postgres, pii]
`,
			&plumbline.Definitions{Assets: []plumbline.AssetSpec{
				{Key: plumbline.AssetKey{"raw", "orders"}, Group: "raw", Owners: []string{"team:data-eng"}, Kinds: []string{"postgres"}},
				{Key: plumbline.AssetKey{"raw", "customers"}, Group: "raw", Owners: []string{"team:data-eng"}, Kinds: []string{"postgres", "pii"}},
			}},
		},
		{
			"DepsOnUndeclaredAssetsAreExternalSources",
			"assets:\n  - key: a\n    deps: [b, c/d]\n  - key: b\n",
			&plumbline.Definitions{Assets: []plumbline.AssetSpec{
				{Key: plumbline.AssetKey{"a"}, Deps: []plumbline.AssetKey{{"b"}, {"c", "d"}}},
				{Key: plumbline.AssetKey{"b"}},
			}},
		},
		{
			"DiamondDependenciesAreNoCycle",
			"assets:\n  - {key: d, deps: [b, c]}\n  - {key: b, deps: [a]}\n  - {key: c, deps: [a]}\n  - {key: a}\n",
			&plumbline.Definitions{Assets: []plumbline.AssetSpec{
				{Key: plumbline.AssetKey{"d"}, Deps: []plumbline.AssetKey{{"b"}, {"c"}}},
				{Key: plumbline.AssetKey{"b"}, Deps: []plumbline.AssetKey{{"a"}}},
				{Key: plumbline.AssetKey{"c"}, Deps: []plumbline.AssetKey{{"a"}}},
				{Key: plumbline.AssetKey{"a"}},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := defs.Parse("plumbline.yaml", []byte(tt.doc), defs.Options{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	asset := func(fields string) string { return "assets:\n  - key: a\n" + fields }
	tests := []struct {
		name string
		doc  string
		want string
	}{
		// The document.
		{"SyntaxErrorGivesLine", "assets:\n- key: a\n  x: : y\n", "plumbline.yaml:3: not valid YAML: mapping values are not allowed in this context"},
		{"SecondDocumentIsRejected", "assets: []\n---\nassets: []\n", "plumbline.yaml:3:1: a definitions file holds one YAML document; this is a second one"},
		{"TopLevelListIsRejected", "- key: a\n", "plumbline.yaml:1:1: expected a mapping with an assets list, got a list"},
		{"UnknownTopLevelFieldSuggestsAssets", "asset: []\n", `plumbline.yaml:1:1: unknown field "asset" (did you mean "assets"?)`},
		{"UnknownTopLevelFieldListsKnownFields", "sensors: []\n", `plumbline.yaml:1:1: unknown field "sensors" (known fields: assets)`},
		{"AssetsThatAreNotAListAreRejected", "assets: {key: a}\n", "plumbline.yaml:1:9: assets: expected a list of assets, got a mapping"},
		{"AssetThatIsNotAMappingIsRejected", "assets: [raw/orders]\n", "plumbline.yaml:1:10: assets[0]: expected an asset: a mapping with a key, got a string"},
		{"FieldSetTwiceIsRejected", asset("    group: raw\n    group: marts\n"), `plumbline.yaml:4:5: assets[0]: "group" is set twice (first at line 3)`},
		{"AliasInsideItselfIsRejected", "assets: &a [*a]\n", "plumbline.yaml:1:13: an alias refers to a value that contains it"},
		{"AliasBombIsRejected", aliasBomb, "plumbline.yaml: aliases expand the document to more than 100000 values"},
		{"MergeOfAStringIsRejected", "assets:\n  - <<: raw\n    key: a\n", "plumbline.yaml:2:9: assets[0]: << merges a mapping or a list of mappings, got a string"},

		// Keys.
		{"MissingKeyIsRejected", "assets:\n  - group: raw\n", `plumbline.yaml:2:5: assets[0]: missing required field "key"`},
		{"MisspelledKeyIsReportedOnce", "assets:\n  - kye: a\n", `plumbline.yaml:2:5: assets[0]: unknown field "kye" (did you mean "key"?)`},
		{"EmptyKeyIsRejected", "assets:\n  - key: ''\n", `plumbline.yaml:2:10: assets[0].key: asset key is empty`},
		{"NullKeyIsRejected", "assets:\n  - key:\n", `plumbline.yaml:2:9: assets[0].key: expected an asset key (a string like raw/orders, or a list of parts), got nothing`},
		{"KeyWithEmptyPartIsRejected", "assets:\n  - key: raw//orders\n", `plumbline.yaml:2:10: assets[0].key: asset key "raw//orders" has an empty part at position 2`},
		{"KeyListWithEmptyPartIsRejected", "assets:\n  - key: [raw, '']\n", `plumbline.yaml:2:10: assets[0].key: asset key "raw/" has an empty part at position 2`},
		{"KeyListOfMappingsIsRejected", "assets:\n  - key: [raw, {a: b}]\n", `plumbline.yaml:2:16: assets[0].key[1]: expected a string, got a mapping`},
		{"KeyMappingIsRejected", "assets:\n  - key: {path: [a]}\n", `plumbline.yaml:2:10: assets[0].key: expected an asset key (a string like raw/orders, or a list of parts), got a mapping`},
		{"DuplicateKeyNamesBothLines", "assets:\n  - key: raw/orders\n  - key: [raw, orders]\n", `plumbline.yaml:3:10: assets[1].key: asset "raw/orders" is declared twice (first at line 2)`},

		// Descriptive fields.
		{"UnknownAssetFieldSuggestsClosest", asset("    dep: [b]\n"), `plumbline.yaml:3:5: assets[0]: unknown field "dep" (did you mean "deps"?)`},
		{"UnknownAssetFieldSuggestsSynonym", asset("    depends_on: [b]\n"), `plumbline.yaml:3:5: assets[0]: unknown field "depends_on" (did you mean "deps"?)`},
		{"DescriptionMappingIsRejected", asset("    description: {a: b}\n"), `plumbline.yaml:3:18: assets[0].description: expected a string, got a mapping`},
		{"GroupWithSpaceIsRejected", asset("    group: raw data\n"), `plumbline.yaml:3:12: assets[0].group: group name "raw data" may hold only letters, digits, _ and -`},
		{"OwnersMappingIsRejected", asset("    owners: {team: data}\n"), `plumbline.yaml:3:13: assets[0].owners: expected a list of strings, got a mapping`},
		{"OwnerThatIsNoEmailOrTeamIsRejected", asset("    owners: [team:data, alice]\n"), `plumbline.yaml:3:25: assets[0].owners[1]: owner "alice" is not an email address or team:name`},
		{"EmptyKindIsRejected", asset("    kinds: [dbt, '']\n"), `plumbline.yaml:3:18: assets[0].kinds[1]: kind is empty`},
		{"TagsListIsRejected", asset("    tags: [tier]\n"), `plumbline.yaml:3:11: assets[0].tags: expected a mapping of names to strings, got a list`},
		{"TagValueListIsRejected", asset("    tags: {tier: [gold]}\n"), `plumbline.yaml:3:18: assets[0].tags.tier: expected a string, got a list`},
		{"TagNameWithEqualsIsRejected", asset("    tags: {'a=b': c}\n"), `plumbline.yaml:3:12: assets[0].tags: tag name "a=b" may hold only letters, digits, _ - . and /`},

		// Metadata.
		{"MetadataListIsRejected", asset("    metadata: [a]\n"), `plumbline.yaml:3:15: assets[0].metadata: expected a mapping of metadata keys to values, got a list`},
		{"MetadataOfWrongTypeNamesTheKey", asset("    metadata:\n      rows: {raw_value: many, type: int}\n"), `plumbline.yaml:4:13: assets[0].metadata.rows: metadata "rows" of type int needs an integer, got a string`},
		{"MetadataOfUnknownTypeNamesTheKey", asset("    metadata:\n      'dagster/x': {raw_value: 1, type: money}\n"), `plumbline.yaml:4:20: assets[0].metadata["dagster/x"]: metadata "dagster/x" has unknown type "money" (known types: text, url, path, json, md, int, float, bool, timestamp, asset, run, table, table_schema, table_column_lineage, null, notebook)`},
		{"MetadataInfinityIsRejected", asset("    metadata: {ratio: .inf}\n"), `plumbline.yaml:3:23: assets[0].metadata.ratio: .inf is not a finite number, which JSON cannot hold`},
		{"MetadataNestedNaNNamesItsPath", asset("    metadata: {stats: {values: [1, .nan]}}\n"), `plumbline.yaml:3:36: assets[0].metadata.stats.values[1]: .nan is not a finite number, which JSON cannot hold`},

		// Deps.
		{"DepsStringIsRejected", asset("    deps: raw/orders\n"), `plumbline.yaml:3:11: assets[0].deps: expected a list of asset keys, got a string`},
		{"DepWithEmptyPartIsRejected", asset("    deps: [raw/orders, raw//orders]\n"), `plumbline.yaml:3:24: assets[0].deps[1]: asset key "raw//orders" has an empty part at position 2`},
		{"DepOnItselfIsRejected", asset("    deps: [b, a]\n"), `plumbline.yaml:3:15: assets[0].deps[1]: "a" depends on itself`},
		{"DepOnItselfBeforeKeyIsRejected", "assets:\n  - deps: [[a, b]]\n    key: a/b\n", `plumbline.yaml:2:12: assets[0].deps[0]: "a/b" depends on itself`},
		{"DepListedTwiceIsRejected", asset("    deps: [b, c, b]\n"), `plumbline.yaml:3:18: assets[0].deps[2]: "b" is listed twice (first at line 3)`},
		{"CycleOfTwoIsNamed", "assets:\n  - {key: a, deps: [b]}\n  - {key: b, deps: [a]}\n", `plumbline.yaml:2:21: assets[0].deps[0]: dependency cycle: a -> b -> a`},
		{
			"CycleOfThreeIsNamedFromTheFirstAsset",
			"assets:\n  - {key: x, deps: [c]}\n  - {key: c, deps: [ext, a]}\n  - {key: b, deps: [c]}\n  - {key: a, deps: [b]}\n",
			`plumbline.yaml:3:26: assets[1].deps[1]: dependency cycle: c -> a -> b -> c`,
		},
		{
			"TwoCyclesAreBothNamed",
			"assets:\n  - {key: a, deps: [b]}\n  - {key: b, deps: [a]}\n  - {key: c, deps: [d]}\n  - {key: d, deps: [c]}\n",
			"plumbline.yaml:2:21: assets[0].deps[0]: dependency cycle: a -> b -> a\n" +
				"plumbline.yaml:4:21: assets[2].deps[0]: dependency cycle: c -> d -> c",
		},

		// Checks.
		{"ChecksMappingIsRejected", asset("    checks: {name: x}\n"), `plumbline.yaml:3:13: assets[0].checks: expected a list of checks, got a mapping`},
		{"CheckStringIsRejected", asset("    checks: [not_null]\n"), `plumbline.yaml:3:14: assets[0].checks[0]: expected a check: a mapping with a name, got a string`},
		{"CheckWithoutNameIsRejected", asset("    checks:\n      - description: ids are unique\n"), `plumbline.yaml:4:9: assets[0].checks[0]: missing required field "name"`},
		{"EmptyCheckNameIsRejected", asset("    checks: [{name: ''}]\n"), `plumbline.yaml:3:21: assets[0].checks[0].name: check name is empty`},
		{"CheckNameWithSpaceIsRejected", asset("    checks: [{name: not null}]\n"), `plumbline.yaml:3:21: assets[0].checks[0].name: check name "not null" may hold only letters, digits and _`},
		{"CheckNameTwiceIsRejected", asset("    checks:\n      - name: unique_ids\n      - name: unique_ids\n"), `plumbline.yaml:5:15: assets[0].checks[1].name: check "unique_ids" is declared twice on this asset (first at line 4)`},
		{"CheckBlockingYesIsRejected", asset("    checks: [{name: x, blocking: yes}]\n"), `plumbline.yaml:3:34: assets[0].checks[0].blocking: expected true or false, got a string`},
		{"CheckSeverityFatalIsRejected", asset("    checks: [{name: x, severity: FATAL}]\n"), `plumbline.yaml:3:34: assets[0].checks[0].severity: severity "FATAL" is not WARN or ERROR`},
		{"UnknownCheckFieldSuggestsClosest", asset("    checks: [{name: x, blockng: true}]\n"), `plumbline.yaml:3:24: assets[0].checks[0]: unknown field "blockng" (did you mean "blocking"?)`},

		// Freshness.
		{"FreshnessStringIsRejected", asset("    freshness: 24h\n"), `plumbline.yaml:3:16: assets[0].freshness: expected a mapping with max_lag (and optionally cron), got a string`},
		{"FreshnessWithoutMaxLagIsRejected", asset("    freshness: {cron: '0 6 * * *'}\n"), `plumbline.yaml:3:16: assets[0].freshness: missing required field "max_lag"`},
		{"MaxLagThatIsNoDurationIsRejected", asset("    freshness: {max_lag: soon}\n"), `plumbline.yaml:3:26: assets[0].freshness.max_lag: "soon" is not a duration like 30m, 24h or 7d`},
		{"MaxLagOfZeroIsRejected", asset("    freshness: {max_lag: 0s}\n"), `plumbline.yaml:3:26: assets[0].freshness.max_lag: max_lag must be more than 0`},
		{"CronWithSixFieldsIsRejected", asset("    freshness: {max_lag: 1h, cron: '0 6 * * * *'}\n"), `plumbline.yaml:3:36: assets[0].freshness.cron: "0 6 * * * *" is not a cron schedule: expected exactly 5 fields, found 6: [0 6 * * * *]`},
		{"CronDescriptorThatDoesNotExistIsRejected", asset("    freshness: {max_lag: 1h, cron: '@sometimes'}\n"), `plumbline.yaml:3:36: assets[0].freshness.cron: "@sometimes" is not a cron schedule: unrecognized descriptor: @sometimes`},
		{"CronTimeZoneAloneIsRejected", asset("    freshness: {max_lag: 1h, cron: 'TZ=UTC'}\n"), `plumbline.yaml:3:36: assets[0].freshness.cron: "TZ=UTC" is not a cron schedule: a time zone must be followed by a schedule`},
		{"UnknownFreshnessFieldSuggestsClosest", asset("    freshness: {max-lag: 1h}\n"), `plumbline.yaml:3:17: assets[0].freshness: unknown field "max-lag" (did you mean "max_lag"?)`},

		// Pipes.
		{"PipesWithoutCommandIsRejected", asset("    pipes: {cwd: jobs}\n"), `plumbline.yaml:3:12: assets[0].pipes: missing required field "command"`},
		{"EmptyCommandListIsRejected", asset("    pipes: {command: []}\n"), `plumbline.yaml:3:22: assets[0].pipes.command: command is empty: give the program to run first`},
		{"BlankCommandStringIsRejected", asset("    pipes: {command: '  '}\n"), `plumbline.yaml:3:22: assets[0].pipes.command: command is empty`},
		{"CommandMappingIsRejected", asset("    pipes: {command: {run: x}}\n"), `plumbline.yaml:3:22: assets[0].pipes.command: expected a command (a list of strings, or a string run with sh -c), got a mapping`},
		{"CommandArgumentListIsRejected", asset("    pipes: {command: [python3, [a]]}\n"), `plumbline.yaml:3:32: assets[0].pipes.command[1]: expected a string, got a list`},
		{"EnvNameWithSpaceIsRejected", asset("    pipes: {command: [x], env: {'MY VAR': 1}}\n"), `plumbline.yaml:3:33: assets[0].pipes.env: "MY VAR" is not an environment variable name`},
		{"TimeoutThatIsNoDurationIsRejected", asset("    pipes: {command: [x], timeout: forever}\n"), `plumbline.yaml:3:36: assets[0].pipes.timeout: "forever" is not a duration like 30m, 24h or 7d`},
		{"UnknownPipesFieldSuggestsSynonym", asset("    pipes: {cmd: [x]}\n"), `plumbline.yaml:3:13: assets[0].pipes: unknown field "cmd" (did you mean "command"?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := defs.Parse("plumbline.yaml", []byte(tt.doc), defs.Options{})
			if err == nil {
				t.Fatalf("Parse returned no error and %+v; want %q", got, tt.want)
			}
			if code := plumbline.ErrorCode(err); code != plumbline.EINVALID {
				t.Errorf("error code = %q, want %q", code, plumbline.EINVALID)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

// aliasBomb is the "billion laughs": each line repeats the one before ten times.
const aliasBomb = `a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
f: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
`

func TestParseReportsAllErrorsSortedByPosition(t *testing.T) {
	doc := `assets:
  - key: a
    deps: [b]
    owners: [nobody]
  - key: b
    deps: [a]
    groups: raw
  - key: a
    checks: [{name: x}, {name: x}]
`
	want := strings.Join([]string{
		`plumbline.yaml:3:12: assets[0].deps[0]: dependency cycle: a -> b -> a`,
		`plumbline.yaml:4:14: assets[0].owners[0]: owner "nobody" is not an email address or team:name`,
		`plumbline.yaml:7:5: assets[1]: unknown field "groups" (did you mean "group"?)`,
		`plumbline.yaml:8:10: assets[2].key: asset "a" is declared twice (first at line 2)`,
		`plumbline.yaml:9:32: assets[2].checks[1].name: check "x" is declared twice on this asset (first at line 9)`,
	}, "\n")
	_, err := defs.Parse("plumbline.yaml", []byte(doc), defs.Options{})
	if diff := cmp.Diff(want, errorText(err)); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
}

func TestParseStopsListingAfterTwentyErrors(t *testing.T) {
	var doc strings.Builder
	doc.WriteString("assets:\n")
	for range 25 {
		doc.WriteString("  - key: a//b\n")
	}
	_, err := defs.Parse("defs.yaml", []byte(doc.String()), defs.Options{})
	lines := strings.Split(errorText(err), "\n")
	if len(lines) != 21 {
		t.Fatalf("got %d lines, want 20 errors and a count:\n%s", len(lines), errorText(err))
	}
	if want := `defs.yaml:21:10: assets[19].key: asset key "a//b" has an empty part at position 2`; lines[19] != want {
		t.Errorf("line 20 = %q, want %q", lines[19], want)
	}
	if want := "defs.yaml: 5 more errors not shown"; lines[20] != want {
		t.Errorf("last line = %q, want %q", lines[20], want)
	}
}

func TestParseNamesDefinitionsWhenNameIsEmpty(t *testing.T) {
	_, err := defs.Parse("", []byte("assets: 3\n"), defs.Options{})
	if want := "definitions:1:9: assets: expected a list of assets, got a number"; errorText(err) != want {
		t.Errorf("error = %q, want %q", errorText(err), want)
	}
}

func TestParseResolvesCwd(t *testing.T) {
	base := t.TempDir()
	doc := `assets:
  - {key: relative, pipes: {command: [x], cwd: jobs/daily}}
  - {key: parent, pipes: {command: [x], cwd: ../shared/./jobs}}
  - {key: absolute, pipes: {command: [x], cwd: /opt/jobs}}
  - {key: unset, pipes: {command: [x]}}
`
	tests := []struct {
		name string
		opts defs.Options
		want []string
	}{
		{"WithoutBaseDirCwdIsKeptAsWritten", defs.Options{}, []string{"jobs/daily", "../shared/./jobs", "/opt/jobs", ""}},
		{
			"WithBaseDirRelativeCwdIsAbsoluteAndClean",
			defs.Options{BaseDir: base},
			[]string{filepath.Join(base, "jobs", "daily"), filepath.Join(filepath.Dir(base), "shared", "jobs"), "/opt/jobs", base},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := defs.Parse("plumbline.yaml", []byte(doc), tt.opts)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			var got []string
			for _, a := range d.Assets {
				got = append(got, a.Pipes.Cwd)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("cwd (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "plumbline.yaml")
	if err := os.WriteFile(path, []byte("assets:\n  - {key: a, pipes: {command: [x], cwd: jobs}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("assets:\n  - key: ''\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("CwdIsResolvedAgainstTheFilesDirectory", func(t *testing.T) {
		d, err := defs.Load(path)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if got, want := d.Assets[0].Pipes.Cwd, filepath.Join(dir, "jobs"); got != want {
			t.Errorf("cwd = %q, want %q", got, want)
		}
	})
	t.Run("ErrorsNameTheFile", func(t *testing.T) {
		_, err := defs.Load(bad)
		if want := bad + ":2:10: assets[0].key: asset key is empty"; errorText(err) != want {
			t.Errorf("error = %q, want %q", errorText(err), want)
		}
	})
	t.Run("MissingFileIsNotExist", func(t *testing.T) {
		_, err := defs.Load(filepath.Join(dir, "missing.yaml"))
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("error = %v, want one that is fs.ErrNotExist", err)
		}
	})
}

func errorText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func FuzzParse(f *testing.F) {
	seeds := []string{
		fullDocument,
		"",
		"assets: []\n",
		"assets:\n  - key: raw//orders\n    deps: [a, a]\n",
		"assets:\n  - {key: a, deps: [b]}\n  - {key: b, deps: [a]}\n",
		"assets:\n  - &a {key: a, group: raw}\n  - {<<: *a, key: b}\n",
		"assets:\n  - key: a\n    metadata: {n: 1, f: 1.5, t: {raw_value: 1, type: timestamp}, s: {raw_value: {columns: [{name: x}]}, type: table_schema}}\n",
		"assets:\n  - key: a\n    freshness: {max_lag: 1d, cron: 'TZ=UTC 0 6 * * *'}\n    pipes: {command: echo hi, env: {A: 1}, timeout: 1m}\n",
		"assets: &a [*a]\n",
		aliasBomb,
		"assets:\n- key: a\n  x: : y\n",
		"- a\n- b\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := defs.Parse("fuzz.yaml", data, defs.Options{BaseDir: "/srv/platform"})
		if err != nil {
			var e *plumbline.Error
			if !errors.As(err, &e) || e.Code != plumbline.EINVALID {
				t.Fatalf("error %#v is not an EINVALID *plumbline.Error", err)
			}
			if d != nil {
				t.Fatalf("Parse returned definitions with an error")
			}
			for line := range strings.SplitSeq(e.Message, "\n") {
				if !strings.HasPrefix(line, "fuzz.yaml") {
					t.Fatalf("error line %q does not name the file", line)
				}
			}
			return
		}
		if d == nil || d.Assets == nil {
			t.Fatalf("Parse returned %#v and no error", d)
		}
		seen := map[string]bool{}
		for _, a := range d.Assets {
			if err := a.Key.Validate(); err != nil {
				t.Fatalf("asset key %q: %v", a.Key, err)
			}
			if seen[a.Key.String()] {
				t.Fatalf("asset %q declared twice", a.Key)
			}
			seen[a.Key.String()] = true
			for _, dep := range a.Deps {
				if err := dep.Validate(); err != nil || dep.Equal(a.Key) {
					t.Fatalf("asset %q has bad dep %q", a.Key, dep)
				}
			}
			for _, c := range a.Checks {
				if c.Name == "" || (c.Severity != plumbline.SeverityWarn && c.Severity != plumbline.SeverityError) {
					t.Fatalf("asset %q has bad check %+v", a.Key, c)
				}
			}
			if a.Freshness != nil && a.Freshness.MaxLag <= 0 {
				t.Fatalf("asset %q has max_lag %v", a.Key, a.Freshness.MaxLag)
			}
			if a.Pipes != nil && (len(a.Pipes.Command) == 0 || !filepath.IsAbs(a.Pipes.Cwd) || a.Pipes.Timeout < 0) {
				t.Fatalf("asset %q has bad pipes %+v", a.Key, a.Pipes)
			}
			for _, m := range a.Metadata {
				if !json.Valid(m.Value) {
					t.Fatalf("asset %q metadata %q is not JSON: %s", a.Key, m.Key, m.Value)
				}
			}
		}
	})
}

func TestPipesChannelsAndImplicitMaterialization(t *testing.T) {
	d, err := defs.Parse("p.yaml", []byte(`
assets:
  - key: a
    pipes:
      command: [python3, job.py]
      context: file
      messages: stderr
      implicit_materialization: false
`), defs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := d.Assets[0].Pipes
	if p.Context != "file" || p.Messages != "stderr" || p.ImplicitMaterialization == nil || *p.ImplicitMaterialization {
		t.Errorf("pipes = %+v", p)
	}
	_, err = defs.Parse("p.yaml", []byte("assets:\n  - key: a\n    pipes:\n      command: [x]\n      messages: socket\n"), defs.Options{})
	if err == nil || err.Error() != `p.yaml:5:17: assets[0].pipes.messages: "socket" is not one of file, stdout, stderr` {
		t.Errorf("bad channel: %v", err)
	}
}
