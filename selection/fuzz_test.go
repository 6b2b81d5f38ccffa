package selection

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbline/plumbline"
)

// FuzzParse checks that Parse never panics, rejects bad input with EINVALID, and that
// the canonical form of anything it accepts parses back to the same canonical form and
// selects the same assets.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		// Valid.
		"*", "orders", "key:raw/orders", `key:"warehouse/*"`, "key:*_raw", "key:raw/*",
		`"staging/*"`, "group:marts", "owner:team:data", "owner:alice@example.com", "kind:dbt",
		"tag:tier", "tag:tier=gold", `tag:"cost center"="finance ops"`, "location:ingest",
		"code_location:warehouse", "not group:raw and kind:dbt or key:x",
		"(group:raw or group:staging) and owner:team:data", "+key:x", "key:x+", "2+key:x+3",
		"*orders", "orders*", `*key:"a/b"*`, "(key:raw/*)*", "+(key:a or key:b)*",
		"roots(*)", "SINKS(group:staging)", "roots(group:marts)+", "not not *key:a",
		`key:s3\/bucket/export`, `key:"a\"b\\c"`, "0+key:x+0", "* and not group:raw",
		"group:café", "2+", "roots", `"and" or key:or`,
		// Broken.
		"", "   ", "grp:x", ":x", "foo(key:x)", "(key:x or key:y", "key:", "tag:tier=",
		"group:a=b", "key:x and", "not", "+", "a b", "orders*x", `key:"abc`, "a # b",
		"99999999999999999999+key:x", strings.Repeat("(", 101) + "x" + strings.Repeat(")", 101),
		"**x", "+*", "key:x+2+", "\xff", `"\xff"`, "group:\"\n\"",
	} {
		f.Add(s)
	}
	graphs := []*plumbline.AssetGraph{warehouse(), cycle()}
	f.Fuzz(func(t *testing.T, s string) {
		sel, err := Parse(s)
		if err != nil {
			if code := plumbline.ErrorCode(err); code != plumbline.EINVALID {
				t.Fatalf("Parse(%q) error code %q, want %q: %v", s, code, plumbline.EINVALID, err)
			}
			if !strings.HasPrefix(err.Error(), "selection") {
				t.Fatalf("Parse(%q) error %q does not start with \"selection\"", s, err)
			}
			return
		}
		canonical := sel.String()
		again, err := Parse(canonical)
		if err != nil {
			t.Fatalf("Parse(%q) succeeded, but its String %q does not parse: %v", s, canonical, err)
		}
		if got := again.String(); got != canonical {
			t.Fatalf("Parse(%q).String() = %q, but Parse(%q).String() = %q", s, canonical, canonical, got)
		}
		for _, g := range graphs {
			want := sel.Select(g)
			if !slices.IsSorted(want) {
				t.Fatalf("Select of %q is not sorted: %q", s, want)
			}
			if diff := cmp.Diff(want, again.Select(g)); diff != "" {
				t.Fatalf("Select of %q and of its String %q differ (-original +canonical):\n%s", s, canonical, diff)
			}
		}
	})
}
