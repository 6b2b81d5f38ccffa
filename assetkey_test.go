package plumbline_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbline/plumbline"
)

func TestAssetKeyStringForm(t *testing.T) {
	for name, tc := range map[string]struct {
		in   string
		want plumbline.AssetKey
	}{
		"OnePart":                 {"orders", plumbline.AssetKey{"orders"}},
		"SlashSeparatesParts":     {"warehouse/orders", plumbline.AssetKey{"warehouse", "orders"}},
		"EscapedSlashStaysInPart": {`s3:\/\/bucket/file`, plumbline.AssetKey{"s3://bucket", "file"}},
		"EscapedBackslash":        {`a\\b/c`, plumbline.AssetKey{`a\b`, "c"}},
		"LoneBackslashIsKept":     {`a\b`, plumbline.AssetKey{`a\b`}},
		"UnicodeIsKept":           {"données/é", plumbline.AssetKey{"données", "é"}},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := plumbline.ParseAssetKey(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("parse (-want +got):\n%s", diff)
			}
			back, err := plumbline.ParseAssetKey(got.String())
			if err != nil || !back.Equal(got) {
				t.Errorf("String() = %q does not parse back: %v", got.String(), back)
			}
		})
	}
}

func TestAssetKeyRejectsEmptyParts(t *testing.T) {
	for in, want := range map[string]string{
		"":     "asset key is empty",
		"a//b": `asset key "a//b" has an empty part at position 2`,
		"a/":   `asset key "a/" has an empty part at position 2`,
		"/a":   `asset key "/a" has an empty part at position 1`,
	} {
		_, err := plumbline.ParseAssetKey(in)
		if plumbline.ErrorCode(err) != plumbline.EINVALID || plumbline.ErrorMessage(err) != want {
			t.Errorf("ParseAssetKey(%q) = %v, want %q", in, err, want)
		}
	}
}

func FuzzAssetKey(f *testing.F) {
	for _, s := range []string{"a", "a/b", `a\/b`, `a\\/b`, `\`, `a\`, "a//b", "/", "é/ü", `\\\/`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := plumbline.ParseAssetKey(s)
		if err != nil {
			if plumbline.ErrorCode(err) != plumbline.EINVALID {
				t.Fatalf("error without EINVALID: %v", err)
			}
			return
		}
		back, err := plumbline.ParseAssetKey(k.String())
		if err != nil || !back.Equal(k) {
			t.Fatalf("%q parsed to %q, whose String %q parses to %q (%v)", s, []string(k), k.String(), []string(back), err)
		}
	})
}
