// Package plumbline holds the domain of the Plumbline metadata control plane: asset keys,
// typed metadata, events, asset specs and the services over them. It imports nothing of
// HTTP, GraphQL or SQL; adapters (store, graph, rest, server) depend on it.
package plumbline

import (
	"fmt"
	"strings"
)

// AssetKey is the path that names an asset, e.g. ["warehouse", "orders"]. Its string form
// joins the parts with "/"; a "/" or "\" inside a part is escaped with a backslash.
type AssetKey []string

// String returns the escaped string form, e.g. `warehouse/orders` or `s3\/bucket/file`.
func (k AssetKey) String() string {
	var b strings.Builder
	for i, part := range k {
		if i > 0 {
			b.WriteByte('/')
		}
		if !strings.ContainsAny(part, `/\`) {
			b.WriteString(part)
			continue
		}
		for j := 0; j < len(part); j++ {
			if c := part[j]; c == '/' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(part[j])
		}
	}
	return b.String()
}

// Validate returns EINVALID if the key has no parts or an empty part.
func (k AssetKey) Validate() error {
	if len(k) == 0 {
		return Errorf(EINVALID, "asset key is empty")
	}
	for i, part := range k {
		if part == "" {
			if len(k) == 1 {
				return Errorf(EINVALID, "asset key is empty")
			}
			return Errorf(EINVALID, "asset key %q has an empty part at position %d", k.String(), i+1)
		}
		if err := ValidText("asset key", part, 0); err != nil {
			return err
		}
	}
	return nil
}

// Equal reports whether two keys have the same parts.
func (k AssetKey) Equal(o AssetKey) bool {
	if len(k) != len(o) {
		return false
	}
	for i := range k {
		if k[i] != o[i] {
			return false
		}
	}
	return true
}

// ParseAssetKey parses the string form of a key: parts separated by "/", with `\/` standing
// for a slash and `\\` for a backslash inside a part. A backslash before any other character
// is kept as it is. Returns EINVALID for an empty key or an empty part.
func ParseAssetKey(s string) (AssetKey, error) {
	k := splitAssetKey(s)
	if err := k.Validate(); err != nil {
		return nil, err
	}
	return k, nil
}

// MustParseAssetKey is ParseAssetKey for keys written in code; it panics on a bad key.
func MustParseAssetKey(s string) AssetKey {
	k, err := ParseAssetKey(s)
	if err != nil {
		panic(fmt.Sprintf("plumbline: bad asset key %q: %v", s, err))
	}
	return k
}

func splitAssetKey(s string) AssetKey {
	if s == "" {
		return nil
	}
	if !strings.Contains(s, `\`) {
		return strings.Split(s, "/")
	}
	var (
		parts []string
		cur   strings.Builder
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '/' || s[i+1] == '\\'):
			cur.WriteByte(s[i+1])
			i++
		case c == '/':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(parts, cur.String())
}

// Path returns the parts of the key.
func (k AssetKey) Path() []string { return k }
