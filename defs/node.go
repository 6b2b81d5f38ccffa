package defs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/plumbline/plumbline/internal/textdist"
	"gopkg.in/yaml.v3"
)

// field is one key: value pair of a mapping. key and val are the nodes as written (val may
// be an alias), so that problems point where the user wrote them.
type field struct {
	name     string
	key, val *yaml.Node
}

// deref follows an alias to the node it names. It never returns nil: a missing node is an
// empty one, which isNull reports as null.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil {
		return &yaml.Node{}
	}
	return n
}

// isNull reports whether n is missing, null or empty (`key:` with no value).
func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// describe names what a node holds, for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	n = deref(n)
	switch {
	case isNull(n):
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	}
	switch n.ShortTag() {
	case "!!bool":
		return "a boolean"
	case "!!int", "!!float":
		return "a number"
	}
	return "a string"
}

// indexPath is the path of the i-th element of the list at path.
func indexPath(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// fieldPath is the path of the field name of the mapping at path: path.name, or
// path["odd name"] when the name is not an identifier.
func fieldPath(path, name string) string {
	switch {
	case !identifier.MatchString(name):
		return path + "[" + strconv.Quote(name) + "]"
	case path == "":
		return name
	}
	return path + "." + name
}

// isMapping reports whether n is a mapping, recording a problem if it is not.
func (p *parser) isMapping(n *yaml.Node, path, what string) bool {
	if deref(n).Kind == yaml.MappingNode {
		return true
	}
	p.errorf(n, path, "expected %s, got %s", what, describe(n))
	return false
}

// fields returns the fields of the mapping n in order, with YAML merge keys (`<<: *base`)
// expanded: fields written in the mapping win over merged ones, and earlier merges over
// later ones. A name set twice is a problem.
func (p *parser) fields(n *yaml.Node, path string) []field {
	m := deref(n)
	var out, merged []field
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		dk := deref(k)
		if dk.Kind == yaml.ScalarNode && dk.ShortTag() == "!!merge" {
			merged = append(merged, p.merge(v, path)...)
			continue
		}
		if dk.Kind != yaml.ScalarNode {
			p.errorf(k, path, "a field name must be a string, got %s", describe(dk))
			continue
		}
		if first, dup := seen[dk.Value]; dup {
			p.errorf(k, path, "%q is set twice (first at line %d)", dk.Value, first.Line)
			continue
		}
		seen[dk.Value] = k
		out = append(out, field{name: dk.Value, key: k, val: v})
	}
	for _, f := range merged {
		if _, dup := seen[f.name]; !dup {
			seen[f.name] = f.key
			out = append(out, f)
		}
	}
	return out
}

// merge returns the fields a merge key brings in: those of a mapping, or of a list of them.
func (p *parser) merge(v *yaml.Node, path string) []field {
	dv := deref(v)
	switch dv.Kind {
	case yaml.MappingNode:
		return p.fields(dv, path)
	case yaml.SequenceNode:
		var out []field
		for _, item := range dv.Content {
			if deref(item).Kind != yaml.MappingNode {
				p.errorf(item, path, "<< merges mappings, got %s", describe(item))
				continue
			}
			out = append(out, p.fields(item, path)...)
		}
		return out
	}
	p.errorf(v, path, "<< merges a mapping or a list of mappings, got %s", describe(v))
	return nil
}

// unknownField records a field that is not one of known, suggesting the closest name.
func (p *parser) unknownField(f field, path string, known []string) {
	if s := suggest(f.name, known); s != "" {
		p.errorf(f.key, path, "unknown field %q (did you mean %q?)", f.name, s)
		return
	}
	p.errorf(f.key, path, "unknown field %q (known fields: %s)", f.name, strings.Join(known, ", "))
}

// missing records that the mapping n lacks the required field name, unless one of its
// fields fs was already reported as a misspelling of it.
func (p *parser) missing(n *yaml.Node, path, name string, fs []field, known []string) {
	for _, f := range fs {
		if !slices.Contains(known, f.name) && suggest(f.name, known) == name {
			return
		}
	}
	p.errorf(n, path, "missing required field %q", name)
}

// list returns the elements of the list n; nothing (`deps:`) is an empty list.
func (p *parser) list(n *yaml.Node, path, what string) []*yaml.Node {
	v := deref(n)
	switch {
	case isNull(v):
		return nil
	case v.Kind == yaml.SequenceNode:
		return v.Content
	}
	p.errorf(n, path, "expected %s, got %s", what, describe(n))
	return nil
}

// scalar returns the text of a scalar of any kind (`3` gives "3"); anything else, nothing
// included, is a problem.
func (p *parser) scalar(n *yaml.Node, path string) (string, bool) {
	v := deref(n)
	if v.Kind != yaml.ScalarNode || isNull(v) {
		p.errorf(n, path, "expected a string, got %s", describe(n))
		return "", false
	}
	return v.Value, true
}

// optionalScalar is scalar for an optional field: nothing gives "".
func (p *parser) optionalScalar(n *yaml.Node, path string) string {
	if isNull(deref(n)) {
		return ""
	}
	s, _ := p.scalar(n, path)
	return s
}

// strings returns a list of scalars as strings, checking each with valid (which returns a
// problem, or "").
func (p *parser) strings(n *yaml.Node, path string, valid func(string) string) []string {
	var out []string
	for i, item := range p.list(n, path, "a list of strings") {
		ip := indexPath(path, i)
		s, ok := p.scalar(item, ip)
		if !ok {
			continue
		}
		if msg := valid(s); msg != "" {
			p.errorf(item, ip, "%s", msg)
			continue
		}
		out = append(out, s)
	}
	return out
}

// stringMap returns a mapping of names to scalars (nothing becomes ""), checking each name
// with validKey (which returns a problem, or "").
func (p *parser) stringMap(n *yaml.Node, path string, validKey func(string) string) map[string]string {
	if isNull(deref(n)) {
		return nil
	}
	if !p.isMapping(n, path, "a mapping of names to strings") {
		return nil
	}
	out := map[string]string{}
	for _, f := range p.fields(n, path) {
		if msg := validKey(f.name); msg != "" {
			p.errorf(f.key, path, "%s", msg)
			continue
		}
		out[f.name] = p.optionalScalar(f.val, fieldPath(path, f.name))
	}
	return out
}

// boolean returns a YAML boolean (true or false).
func (p *parser) boolean(n *yaml.Node, path string) bool {
	v := deref(n)
	var b bool
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" || v.Decode(&b) != nil {
		p.errorf(n, path, "expected true or false, got %s", describe(n))
	}
	return b
}

// toJSON writes the value of n as JSON, keeping mapping order and the difference between
// integers (3), floats (3.0) and strings ("3"). Dates and other scalars become strings.
func (p *parser) toJSON(b *bytes.Buffer, n *yaml.Node, path string) bool {
	v := deref(n)
	switch {
	case isNull(v):
		b.WriteString("null")
		return true
	case v.Kind == yaml.MappingNode:
		b.WriteByte('{')
		ok := true
		for i, f := range p.fields(v, path) {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, f.name)
			b.WriteByte(':')
			ok = p.toJSON(b, f.val, fieldPath(path, f.name)) && ok
		}
		b.WriteByte('}')
		return ok
	case v.Kind == yaml.SequenceNode:
		b.WriteByte('[')
		ok := true
		for i, item := range v.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			ok = p.toJSON(b, item, indexPath(path, i)) && ok
		}
		b.WriteByte(']')
		return ok
	case v.Kind != yaml.ScalarNode:
		p.errorf(n, path, "expected a value, got %s", describe(n))
		return false
	}
	switch v.ShortTag() {
	case "!!bool":
		var x bool
		if v.Decode(&x) != nil {
			p.errorf(n, path, "%q is not true or false", v.Value)
			return false
		}
		b.WriteString(strconv.FormatBool(x))
	case "!!int":
		var x any
		if v.Decode(&x) != nil {
			p.errorf(n, path, "%q is not an integer", v.Value)
			return false
		}
		switch x := x.(type) {
		case int:
			b.WriteString(strconv.Itoa(x))
		case int64:
			b.WriteString(strconv.FormatInt(x, 10))
		case uint64:
			b.WriteString(strconv.FormatUint(x, 10))
		case float64: // an integer too large for int64, which YAML reads as a float
			return p.writeFloat(b, n, path, x, v.Value)
		default:
			writeJSONString(b, v.Value)
		}
	case "!!float":
		var x float64
		if v.Decode(&x) != nil {
			p.errorf(n, path, "%q is not a number", v.Value)
			return false
		}
		return p.writeFloat(b, n, path, x, v.Value)
	default:
		writeJSONString(b, v.Value)
	}
	return true
}

// writeFloat writes a float so that it reads back as a float: the text as written when it
// is a JSON number with a fraction or exponent (`3.10` stays `3.10`), else 3 becomes `3.0`.
func (p *parser) writeFloat(b *bytes.Buffer, n *yaml.Node, path string, x float64, text string) bool {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		p.errorf(n, path, "%s is not a finite number, which JSON cannot hold", text)
		return false
	}
	if strings.ContainsAny(text, ".eE") && json.Valid([]byte(text)) {
		b.WriteString(text)
		return true
	}
	s := strconv.FormatFloat(x, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	b.WriteString(s)
	return true
}

func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	b.Truncate(b.Len() - 1)
}

// maxExpandedNodes bounds how far aliases may blow a document up (the "billion laughs").
const maxExpandedNodes = 100_000

// checkAliases rejects a document whose aliases make it much larger than it is written,
// or refer to a value that contains them. It returns a problem and the node it concerns.
func checkAliases(doc *yaml.Node) (string, *yaml.Node) {
	s := aliasSizer{size: map[*yaml.Node]int{}, active: map[*yaml.Node]bool{}}
	total := s.count(doc)
	if s.cycle != nil {
		return "an alias refers to a value that contains it", s.cycle
	}
	if total > maxExpandedNodes && total > 10*len(s.size) {
		return fmt.Sprintf("aliases expand the document to more than %d values", maxExpandedNodes), nil
	}
	return "", nil
}

type aliasSizer struct {
	size   map[*yaml.Node]int // expanded size of each node counted so far
	active map[*yaml.Node]bool
	cycle  *yaml.Node // an alias found inside the value it names
}

// count returns how many nodes n stands for once aliases are expanded, saturating far above
// the limit so that it cannot overflow.
func (s *aliasSizer) count(n *yaml.Node) int {
	if n == nil || s.cycle != nil {
		return 0
	}
	if n.Kind == yaml.AliasNode {
		if s.active[n.Alias] {
			s.cycle = n
			return 0
		}
		return 1 + s.count(n.Alias)
	}
	if v, ok := s.size[n]; ok {
		return v
	}
	s.active[n] = true
	total := 1
	for _, c := range n.Content {
		total = min(total+s.count(c), 1<<40)
	}
	delete(s.active, n)
	s.size[n] = total
	return total
}

// suggest returns the name of known closest to name, or "" when none is close.
func suggest(name string, known []string) string {
	lower := strings.ToLower(name)
	if s, ok := synonyms[lower]; ok {
		for _, k := range known {
			if k == s {
				return s
			}
		}
	}
	best, bestDist := "", 3
	if len(lower) <= 3 {
		bestDist = 2
	}
	for _, k := range known {
		if d := textdist.Distance(lower, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// synonyms are names other tools use for our fields.
var synonyms = map[string]string{
	"asset_key":    "key",
	"dependencies": "deps",
	"depends_on":   "deps",
	"upstream":     "deps",
	"desc":         "description",
	"cmd":          "command",
	"args":         "command",
	"environment":  "env",
	"working_dir":  "cwd",
	"dir":          "cwd",
	"group_name":   "group",
	"owner":        "owners",
	"kind":         "kinds",
	"check":        "checks",
	"asset_checks": "checks",
	"lag":          "max_lag",
	"maximum_lag":  "max_lag",
	"schedule":     "cron",
	"version":      "code_version",
}
