package selection

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbline/plumbline"
)

// asset describes one node of a test graph and its parents.
type asset struct {
	node    plumbline.GraphNode
	parents []string
}

// newGraph builds an AssetGraph from assets, keyed by their key strings, with Children
// the reverse of Parents. Parents may name keys that are not nodes.
func newGraph(assets ...asset) *plumbline.AssetGraph {
	g := &plumbline.AssetGraph{
		Nodes:    map[string]*plumbline.GraphNode{},
		Parents:  map[string][]string{},
		Children: map[string][]string{},
	}
	for _, a := range assets {
		n := a.node
		k := n.Key.String()
		g.Nodes[k] = &n
		for _, p := range a.parents {
			g.Parents[k] = append(g.Parents[k], p)
			g.Children[p] = append(g.Children[p], k)
		}
	}
	return g
}

func key(s string) plumbline.AssetKey { return plumbline.MustParseAssetKey(s) }

// warehouse is the sample catalog:
//
//	raw/orders ──────► staging/orders ────► marts/orders ──► reports/revenue
//	raw/customers ───► staging/customers ─┬────────┘ ▲
//	                                      └─► marts/customers ──► s3\/bucket/export
//	external/ghost ··► raw/payments ─► staging/payments ─┘
//	raw/orders_v1 (alone)
//
// external/ghost and reports/deleted (a child of marts/orders) are edges to keys that are
// not nodes.
func warehouse() *plumbline.AssetGraph {
	raw := func(k string, tags map[string]string, parents ...string) asset {
		return asset{plumbline.GraphNode{Key: key(k), Group: "raw", Owners: []string{"team:ingest"},
			Kinds: []string{"python"}, Tags: tags, Declared: true, Location: "ingest"}, parents}
	}
	staging := func(k string, parents ...string) asset {
		return asset{plumbline.GraphNode{Key: key(k), Group: "staging", Owners: []string{"team:data"},
			Kinds: []string{"dbt"}, Tags: map[string]string{"tier": "silver"}, Declared: true,
			Location: "warehouse"}, parents}
	}
	g := newGraph(
		raw("raw/orders", map[string]string{"tier": "bronze", "source": "shop"}),
		raw("raw/customers", map[string]string{"tier": "bronze"}),
		raw("raw/payments", map[string]string{"tier": "bronze", "pii": ""}, "external/ghost"),
		raw("raw/orders_v1", nil),
		staging("staging/orders", "raw/orders"),
		staging("staging/customers", "raw/customers"),
		staging("staging/payments", "raw/payments"),
		asset{plumbline.GraphNode{Key: key("marts/orders"), Group: "marts",
			Owners: []string{"team:data", "alice@example.com"}, Kinds: []string{"dbt", "snowflake"},
			Tags:     map[string]string{"tier": "gold", "cost center": "finance ops"},
			Declared: true, Location: "warehouse"},
			[]string{"staging/orders", "staging/customers", "staging/payments"}},
		asset{plumbline.GraphNode{Key: key("marts/customers"), Group: "marts",
			Owners: []string{"alice@example.com"}, Kinds: []string{"dbt", "snowflake"},
			Tags: map[string]string{"tier": "gold"}, Declared: true, Location: "warehouse"},
			[]string{"staging/customers"}},
		asset{plumbline.GraphNode{Key: key("reports/revenue")}, []string{"marts/orders"}},
		asset{plumbline.GraphNode{Key: plumbline.AssetKey{"s3/bucket", "export"}}, []string{"marts/customers"}},
	)
	g.Children["marts/orders"] = append(g.Children["marts/orders"], "reports/deleted")
	return g
}

// cycle is a graph with a cycle a → b → c → a, d below c, e its own parent, and f alone.
func cycle() *plumbline.AssetGraph {
	n := func(k string, parents ...string) asset {
		return asset{plumbline.GraphNode{Key: key(k)}, parents}
	}
	return newGraph(n("a", "c"), n("b", "a"), n("c", "b"), n("d", "c"), n("e", "e"), n("f"))
}

var (
	rawAll     = []string{"raw/customers", "raw/orders", "raw/orders_v1", "raw/payments"}
	stagingAll = []string{"staging/customers", "staging/orders", "staging/payments"}
	martsAll   = []string{"marts/customers", "marts/orders"}
	export     = `s3\/bucket/export`
)

func list(groups ...[]string) []string {
	var out []string
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

func TestSelect(t *testing.T) {
	tests := []struct {
		name  string
		sel   string
		graph *plumbline.AssetGraph // warehouse() when nil
		want  []string
	}{
		// Keys.
		{"KeySelectsOneAsset", "key:raw/orders", nil, []string{"raw/orders"}},
		{"BareValueIsAKey", "raw/orders", nil, []string{"raw/orders"}},
		{"UnknownKeySelectsNothing", "key:raw/nope", nil, []string{}},
		{"KeyIsCaseSensitive", "key:RAW/orders", nil, []string{}},
		{"QuotedKeyWildcardMatchesAPrefix", `key:"staging/*"`, nil, stagingAll},
		{"QuotedBareValueIsAKeyPattern", `"staging/*"`, nil, stagingAll},
		{"UnquotedKeyWildcardMatchesAPrefix", "key:raw/*", nil, rawAll},
		{"LeadingWildcardMatchesASuffix", "key:*_v1", nil, []string{"raw/orders_v1"}},
		{"WildcardMatchesAcrossSlashes", "key:*orders", nil,
			[]string{"marts/orders", "raw/orders", "staging/orders"}},
		{"WildcardsMatchInTheMiddle", "key:r*/*s", nil,
			[]string{"raw/customers", "raw/orders", "raw/payments"}},
		{"UnquotedKeyTrailingStarIsAWildcard", "key:raw/orders*", nil,
			[]string{"raw/orders", "raw/orders_v1"}},
		{"LoneKeyWildcardMatchesEverything", "key:*", nil,
			list(martsAll, rawAll, []string{"reports/revenue", export}, stagingAll)},
		{"EscapedSlashMatchesASlashInAPart", `key:s3\/bucket/export`, nil, []string{export}},
		{"QuotedEscapedSlashMatchesASlashInAPart", `key:"s3\\/bucket/*"`, nil, []string{export}},
		{"PlainSlashDoesNotMatchASlashInAPart", `key:s3/bucket/export`, nil, []string{}},

		// Other attributes.
		{"GroupMatchesExactly", "group:marts", nil, martsAll},
		{"GroupDoesNotMatchAPrefix", "group:mart", nil, []string{}},
		{"OwnerValueMayContainAColon", "owner:team:data", nil, list([]string{"marts/orders"}, stagingAll)},
		{"OwnerMatchesAnEmailAddress", "owner:alice@example.com", nil, martsAll},
		{"KindMatchesAnyOfAnAssetsKinds", "kind:snowflake", nil, martsAll},
		{"TagWithValueMatchesThatValue", "tag:tier=gold", nil, martsAll},
		{"TagWithoutValueMatchesAnyValue", "tag:tier", nil,
			list(martsAll, []string{"raw/customers", "raw/orders", "raw/payments"}, stagingAll)},
		{"TagWithOtherValueMatchesNothing", "tag:source=crm", nil, []string{}},
		{"TagWithEmptyValueMatchesEmptyValue", `tag:pii=""`, nil, []string{"raw/payments"}},
		{"QuotedTagKeyAndValueMayContainSpaces", `tag:"cost center"="finance ops"`, nil, []string{"marts/orders"}},
		{"LocationMatches", "location:ingest", nil, rawAll},
		{"CodeLocationIsAnAliasOfLocation", "code_location:warehouse", nil, list(martsAll, stagingAll)},
		{"WhitespaceAfterTheColonIsAllowed", "group: marts", nil, martsAll},

		// Boolean operators.
		{"StarSelectsEverything", "*", nil,
			list(martsAll, rawAll, []string{"reports/revenue", export}, stagingAll)},
		{"AndIntersects", "group:marts and owner:team:data", nil, []string{"marts/orders"}},
		{"OrUnites", "group:raw or group:marts", nil, list(martsAll, rawAll)},
		{"NotComplements", "not tag:tier", nil, []string{"raw/orders_v1", "reports/revenue", export}},
		{"NotBindsTighterThanAnd", "not group:marts and kind:dbt", nil, stagingAll},
		{"AndBindsTighterThanOr", "group:raw or group:marts and owner:alice@example.com", nil,
			list(martsAll, rawAll)},
		{"ParenthesesGroup", "(group:raw or group:staging) and owner:team:data", nil, stagingAll},
		{"KeywordsAndAttributesAreCaseInsensitive", "GROUP:marts AND NOT Kind:snowflake OR key:raw/orders", nil,
			[]string{"raw/orders"}},
		{"StarBeforeAnOperatorSelectsEverything", "* and not group:raw", nil,
			list(martsAll, []string{"reports/revenue", export}, stagingAll)},
		{"DoubleNegationCancels", "not not group:marts", nil, martsAll},

		// Traversals.
		{"OneLayerUpstreamAddsParents", "+key:marts/customers", nil,
			[]string{"marts/customers", "staging/customers"}},
		{"TwoLayersUpstreamIncludesGrandparents", "2+key:marts/customers", nil,
			[]string{"marts/customers", "raw/customers", "staging/customers"}},
		{"StarBeforeATermSelectsAllAncestors", "*key:marts/orders", nil,
			list([]string{"marts/orders", "raw/customers", "raw/orders", "raw/payments"}, stagingAll)},
		{"StarBeforeABareValueSelectsAllAncestors", "*marts/orders", nil,
			list([]string{"marts/orders", "raw/customers", "raw/orders", "raw/payments"}, stagingAll)},
		{"OneLayerDownstreamAddsChildren", "key:raw/customers+", nil,
			[]string{"raw/customers", "staging/customers"}},
		{"TwoLayersDownstreamIncludesGrandchildren", "key:raw/customers+2", nil,
			list(martsAll, []string{"raw/customers", "staging/customers"})},
		{"StarAfterABareValueSelectsAllDescendants", "raw/customers*", nil,
			list(martsAll, []string{"raw/customers", "reports/revenue", export, "staging/customers"})},
		{"UpAndDownUnitesBothWalks", "+key:staging/customers+", nil,
			list(martsAll, []string{"raw/customers", "staging/customers"})},
		{"StarsAroundAQuotedKeySelectAncestorsAndDescendants", `*key:"staging/payments"*`, nil,
			[]string{"marts/orders", "raw/payments", "reports/revenue", "staging/payments"}},
		{"DepthsOnBothSides", "2+key:marts/orders+1", nil,
			list([]string{"marts/orders", "raw/customers", "raw/orders", "raw/payments", "reports/revenue"}, stagingAll)},
		{"ZeroLayersIsTheSelectionItself", "0+key:raw/orders+0", nil, []string{"raw/orders"}},
		{"QuotedKeyBeforeStarIsDescendants", `key:"raw/orders"*`, nil,
			[]string{"marts/orders", "raw/orders", "reports/revenue", "staging/orders"}},
		{"ParenthesizedKeyPatternBeforeStarIsDescendants", "(key:raw/pay*)*", nil,
			[]string{"marts/orders", "raw/payments", "reports/revenue", "staging/payments"}},
		{"StarAfterAGroupIsDescendants", "group:marts*", nil,
			list(martsAll, []string{"reports/revenue", export})},
		{"WalkFromAUnion", "+(key:marts/customers or key:reports/revenue)", nil,
			[]string{"marts/customers", "marts/orders", "reports/revenue", "staging/customers"}},
		{"WalkFromAWalk", "(+key:marts/customers)+", nil,
			[]string{"marts/customers", "marts/orders", export, "staging/customers"}},
		{"ParentsMissingFromTheGraphAreIgnored", "+key:raw/payments", nil, []string{"raw/payments"}},
		{"ChildrenMissingFromTheGraphAreIgnored", "key:marts/orders+", nil,
			[]string{"marts/orders", "reports/revenue"}},
		{"NotAppliesToTheWholeWalk", "not *key:marts/orders", nil,
			[]string{"marts/customers", "raw/orders_v1", "reports/revenue", export}},

		// Functions.
		{"RootsOfEverythingHaveNoParentNode", "roots(*)", nil, rawAll},
		{"SinksOfEverythingHaveNoChildNode", "sinks(*)", nil,
			[]string{"raw/orders_v1", "reports/revenue", export}},
		{"RootsIgnoreParentsOutsideTheSelection", "roots(group:staging)", nil, stagingAll},
		{"RootsOfAncestors", "roots(*key:marts/customers)", nil, []string{"raw/customers"}},
		{"SinksOfDescendants", "sinks(raw/customers*)", nil, []string{"reports/revenue", export}},
		{"FunctionNamesAreCaseInsensitive", "SINKS(group:staging)", nil, stagingAll},
		{"FunctionResultCanBeWalked", "roots(group:marts)+", nil,
			list(martsAll, []string{"reports/revenue", export})},

		// Cycles.
		{"AncestorsInACycleTerminate", "*key:a", cycle(), []string{"a", "b", "c"}},
		{"DescendantsInACycleTerminate", "a*", cycle(), []string{"a", "b", "c", "d"}},
		{"LimitedWalkInACycle", "2+key:a", cycle(), []string{"a", "b", "c"}},
		{"CycleHasNoRoots", "roots(key:a or key:b or key:c)", cycle(), []string{}},
		{"RootsOfAGraphWithCycles", "roots(*)", cycle(), []string{"f"}},
		{"SelfLoopIsNeitherRootNorSink", "roots(key:e) or sinks(key:e)", cycle(), []string{}},
		{"SinksOfAGraphWithCycles", "sinks(*)", cycle(), []string{"d", "f"}},
		{"EmptyGraphSelectsNothing", "*", &plumbline.AssetGraph{}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := tt.graph
			if g == nil {
				g = warehouse()
			}
			got, err := Select(g, tt.sel)
			if err != nil {
				t.Fatalf("Select(%q): %v", tt.sel, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Select(%q) mismatch (-want +got):\n%s", tt.sel, diff)
			}
		})
	}
}

func TestSelectionNilGraphSelectsNothing(t *testing.T) {
	sel, err := Parse("*")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{}, sel.Select(nil)); diff != "" {
		t.Errorf("Select(nil) mismatch (-want +got):\n%s", diff)
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		name, sel, want string
	}{
		{"BareValueGetsKeyAttribute", "orders", "key:orders"},
		{"QuotedBareValueIsUnquotedWhenItCanBe", `"raw/orders"`, "key:raw/orders"},
		{"KeywordsAndAttributesAreLowerCased", "KEY:x AND Group:y OR NOT Kind:z", "key:x and group:y or not kind:z"},
		{"CodeLocationBecomesLocation", "code_location:prod", "location:prod"},
		{"WhitespaceIsNormalized", "  ( key:a   or key:b )and   key:c ", "(key:a or key:b) and key:c"},
		{"NeedlessParenthesesAreDropped", "(key:a) or ((key:b and key:c))", "key:a or key:b and key:c"},
		{"NestedAndsAreFlattened", "key:a and (key:b and key:c)", "key:a and key:b and key:c"},
		{"NestedOrsAreFlattened", "(key:a or key:b) or key:c", "key:a or key:b or key:c"},
		{"NotOfAGroupKeepsParentheses", "not (key:a or key:b)", "not (key:a or key:b)"},
		{"DoubleNotIsKept", "not not key:a", "not not key:a"},
		{"UnquotedKeyWildcardStaysUnquoted", "key:raw/*", "key:raw/*"},
		{"StarsAroundABareValueAreTraversals", "*orders*", `*key:"orders"*`},
		{"UnquotedKeyTrailingStarStaysAWildcard", "key:x*", "key:x*"},
		{"QuotedKeyBeforeDescendantsStaysQuoted", `key:"x"*`, `key:"x"*`},
		{"KeyPatternBeforeDescendantsIsQuoted", "(key:raw/*)*", `key:"raw/*"*`},
		{"DepthsAreWritten", "2+key:x+3", "2+key:x+3"},
		{"DepthOneIsAPlainPlus", "1+key:x+1", "+key:x+"},
		{"LeadingZerosAreDropped", "02+key:x", "2+key:x"},
		{"ZeroDepthsDisappear", "0+key:x+0", "key:x"},
		{"WalkFromEverythingIsEverything", "+(*)+", "*"},
		{"WalkOperandKeepsParentheses", "+(key:a or key:b)*", "+(key:a or key:b)*"},
		{"WalkOfAWalkKeepsParentheses", "(+key:a)+", "(+key:a)+"},
		{"FunctionNamesAreLowerCased", "ROOTS( * )", "roots(*)"},
		{"KeyNamedLikeAFunctionIsAKey", "roots", "key:roots"},
		{"KeyNamedLikeAKeywordIsQuotedAsKey", `"and" or key:or`, "key:and or key:or"},
		{"NumberWithoutATermAfterPlusIsAKey", "2+", "key:2+"},
		{"ValuesWithSpacesAreQuoted", `group:"my group"`, `group:"my group"`},
		{"StarInAnotherAttributeIsQuoted", `group:"a*"`, `group:"a*"`},
		{"QuotesAndBackslashesAreEscaped", `key:"a\"b" or group:"c\\d e"`, `key:"a\"b" or group:"c\\d e"`},
		{"LoneBackslashInAKeyIsDoubled", `key:a\x`, `key:a\\x`},
		{"EscapedSlashInAKeyIsKept", `key:"a\/b"`, `key:a\/b`},
		{"EmptyValueIsQuoted", `group:""`, `group:""`},
		{"TagKeyOnly", "tag:tier", "tag:tier"},
		{"TagKeyAndValue", `tag:tier = "gold"`, "tag:tier=gold"},
		{"OwnerWithColon", "owner:team:data", "owner:team:data"},
		{"NonASCIILettersStayUnquoted", "group:café", "group:café"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel, err := Parse(tt.sel)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.sel, err)
			}
			got := sel.String()
			if got != tt.want {
				t.Errorf("Parse(%q).String() = %q, want %q", tt.sel, got, tt.want)
			}
			again, err := Parse(got)
			if err != nil {
				t.Fatalf("Parse(%q) of the canonical form: %v", got, err)
			}
			if again.String() != got {
				t.Errorf("Parse(%q).String() = %q, not stable", got, again.String())
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, sel, want string
	}{
		{"EmptyIsRejected", "", "selection is empty"},
		{"WhitespaceOnlyIsRejected", " \t\n", "selection is empty"},
		{"UnknownAttributeIsNamed", "grp:x",
			`selection: unknown attribute "grp" at column 1 (known: key, group, owner, kind, tag, location)`},
		{"WordWithAColonIsAnAttribute", "key:a or team:data",
			`selection: unknown attribute "team" at column 10 (known: key, group, owner, kind, tag, location)`},
		{"MissingAttributeName", ":x", `selection: expected an attribute name before ":" at column 1`},
		{"UnknownFunctionIsNamed", "foo(key:x)", `selection: unknown function "foo" at column 1 (known: roots, sinks)`},
		{"UnclosedParenthesis", "(key:x or key:y", `selection: expected ")" at column 16`},
		{"TwoTermsWithoutAnOperatorInParentheses", "(key:a key:b)", `selection: expected ")" at column 8`},
		{"UnclosedFunctionCall", "roots(key:x", `selection: expected ")" at column 12`},
		{"MissingValue", "key:", `selection: expected a value after "key:" at column 5`},
		{"MissingValueBeforeAParenthesis", "group:)", `selection: expected a value after "group:" at column 7`},
		{"MissingTagValue", "tag:tier=", `selection: expected a value after "=" at column 10`},
		{"EqualsOutsideATag", "group:a=b", `selection: expected "and", "or" or end of input at column 8`},
		{"DanglingAnd", "key:x and", `selection: expected a selection at column 10`},
		{"DanglingNot", "not", `selection: expected a selection at column 4`},
		{"TwoOperators", "key:x and or key:y", `selection: expected a selection at column 11`},
		{"PlusWithoutATerm", "+", `selection: expected a selection at column 2`},
		{"TwoTermsWithoutAnOperator", "a b", `selection: expected "and", "or" or end of input at column 3`},
		{"StarInsideABareValue", "orders*x", `selection: expected "and", "or" or end of input at column 8`},
		{"StrayClosingParenthesis", "key:a)", `selection: expected "and", "or" or end of input at column 6`},
		{"UnterminatedString", `key:"abc`, `selection: unterminated quoted string starting at column 5`},
		{"EscapedQuoteDoesNotTerminate", `"abc\"`, `selection: unterminated quoted string starting at column 1`},
		{"UnexpectedCharacter", "a # b", `selection: unexpected character "#" at column 3`},
		{"FirstErrorIsReported", `a b "unterminated`, `selection: expected "and", "or" or end of input at column 3`},
		{"LexicalErrorWhereAParenthesisIsExpected", "(key:x #", `selection: unexpected character "#" at column 8`},
		{"ColumnsCountCharactersNotBytes", "group:café or ?", `selection: unexpected character "?" at column 15`},
		{"DepthTooLarge", "99999999999999999999+key:x", `selection: depth 99999999999999999999 is too large at column 1`},
		{"NestingTooDeep", strings.Repeat("(", 101) + "x" + strings.Repeat(")", 101),
			`selection: nesting deeper than 100 levels at column 101`},
		{"NotsTooDeep", strings.Repeat("not ", 101) + "x", `selection: nesting deeper than 100 levels at column 401`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel, err := Parse(tt.sel)
			if err == nil {
				t.Fatalf("Parse(%q) = %q, want error %q", tt.sel, sel.String(), tt.want)
			}
			var perr *plumbline.Error
			if !errors.As(err, &perr) || perr.Code != plumbline.EINVALID {
				t.Errorf("Parse(%q) error %#v, want a *plumbline.Error with code EINVALID", tt.sel, err)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("Parse(%q) message mismatch (-want +got):\n%s", tt.sel, diff)
			}
			if _, err := Select(warehouse(), tt.sel); plumbline.ErrorCode(err) != plumbline.EINVALID {
				t.Errorf("Select(%q) error %v, want EINVALID", tt.sel, err)
			}
		})
	}
}

func TestNestingAtTheLimitIsAccepted(t *testing.T) {
	s := strings.Repeat("(", 100) + "key:x" + strings.Repeat(")", 100)
	sel, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if got := sel.String(); got != "key:x" {
		t.Errorf("String() = %q, want %q", got, "key:x")
	}
}
