// Package selection parses and evaluates asset selections, the query language of the
// GraphQL assets(selection:) argument, the CLI and the dashboard's search box. It follows
// Dagster's syntax (DESIGN.md §2.1):
//
//	key:"warehouse/*" and not kind:dbt
//	owner:team:data or tag:tier=gold
//	+group:marts            the marts and their direct parents
//	2+key:orders+           two layers up and one layer down from orders
//	*key:"raw/orders"*      all ancestors and all descendants of raw/orders
//	sinks(group:staging)    staging assets with no child in staging
//
// # Grammar
//
// In EBNF, lowest precedence first. Keywords (and, or, not), attribute names and function
// names are case-insensitive; whitespace separates tokens and is otherwise ignored.
//
//	selection = or .
//	or        = and { "or" and } .
//	and       = not { "and" not } .
//	not       = "not" not | step .
//	step      = "*" | [ up ] primary [ down ] .
//	up        = "*" | [ digits ] "+" .
//	down      = "*" | "+" [ digits ] .
//	primary   = term | value | function "(" or ")" | "(" or ")" .
//	function  = "roots" | "sinks" .
//	term      = "tag:" value [ "=" value ] | attribute ":" value .
//	attribute = "key" | "group" | "owner" | "kind" | "location" | "code_location" .
//	value     = quoted | unquoted .
//	quoted    = `"` { `\"` | `\\` | any character but `"` } `"` .
//	unquoted  = char { char } .
//	char      = letter | digit | "_" | "-" | "." | "/" | "@" | ":" | "\" .
//
// After "key:" (and only there) char also takes "*"; see The star below. A quoted value
// may hold any character; `\"` stands for a quote and `\\` for a backslash, and a
// backslash before any other character is kept as it is. An unquoted word containing
// ":" is always attribute:value (the value may itself contain ":", as in
// owner:team:data), so an unknown attribute is an error rather than a key. letter and
// digit are Unicode letters and digits; digits (a depth) are ASCII digits. In 2+x the 2
// is a depth, so a key named 2 must be written key:2 there.
//
// # Meaning
//
//   - key:V selects the asset whose key string (plumbline.AssetKey.String, the map key of
//     AssetGraph.Nodes) is V. In key values "*" is a wildcard matching any run of
//     characters, "/" included. A backslash that escapes neither "/" nor "\" is read
//     as plumbline.ParseAssetKey reads it, so key:a\x finds the key ["a\x"].
//   - A value on its own, quoted or not, means key:value.
//   - group:, owner:, kind: and location: (alias code_location:) match exactly and
//     case-sensitively; owner: and kind: match any of an asset's owners or kinds.
//   - tag:K selects assets with the tag K whatever its value; tag:K=V those where it is V.
//   - not, and, or are complement, intersection and union. Tightest first, the
//     precedence is: traversals and functions, not, and, or.
//   - +sel is sel and its direct parents, N+sel adds N layers of parents, *sel adds all
//     ancestors; sel+, sel+N and sel* do the same downstream. Up and down combine
//     (+sel+, 2+sel*): the result is the upstream walk united with the downstream walk,
//     both from sel. Walks follow AssetGraph.Parents and Children, skip keys missing from
//     Nodes and terminate on cycles.
//   - roots(sel) is the assets of sel with no parent in sel; sinks(sel) those with no
//     child in sel. An asset that is its own parent is neither.
//
// # The star
//
// "*" is a wildcard only inside a key value; everywhere else it is an operator:
//
//   - An unquoted value after "key:" takes every "*" in it as a wildcard, wherever it
//     stands: key:raw/*, key:*_raw and key:orders* are patterns (as in Dagster).
//   - A quoted value is a key pattern after "key:" and on its own: key:"warehouse/*" and
//     "warehouse/*" are the same pattern.
//   - A bare unquoted value never contains "*": in *orders and orders* the star is the
//     ancestors or descendants traversal from the key orders; orders*x is an error.
//   - Values of other attributes never contain an unquoted "*": group:marts* is the
//     descendants of group:marts, and group:"a*" is the group named a*.
//   - A "*" followed by no term (only by "and", "or", ")" or the end) selects every
//     asset: *, * and not kind:dbt, roots(*).
//
// To walk from a key pattern, quote or parenthesize it: *key:"raw/*"*, (key:raw/*)*.
// There is no escape for a literal "*" in a key value; the wildcard matches one anyway.
//
// # Cost
//
// Select numbers the graph's assets and evaluates every operator on bitsets over those
// numbers, at O(nodes + edges) per operator; "and" tests its later terms only on the
// assets still selected. A walk or function first builds a key → number map (one
// insert per asset), and the result is sorted, so every call pays O(nodes) at least.
// Walks and functions terminate on cycles.
package selection

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/plumbline/plumbline"
)

// Selection is a parsed asset selection. The zero value is not useful; use Parse.
type Selection struct {
	root expr
}

// Parse parses a selection string. Returns EINVALID for an empty selection and for a
// syntax error, with a message naming the column and what was expected there, e.g.
// `selection: expected ")" at column 14`.
func Parse(s string) (*Selection, error) {
	if strings.TrimSpace(s) == "" {
		return nil, plumbline.Errorf(plumbline.EINVALID, "selection is empty")
	}
	root, err := parse(s)
	if err != nil {
		return nil, err
	}
	return &Selection{root: root}, nil
}

// Select parses s and evaluates it against g. Returns EINVALID as Parse does.
func Select(g *plumbline.AssetGraph, s string) ([]string, error) {
	sel, err := Parse(s)
	if err != nil {
		return nil, err
	}
	return sel.Select(g), nil
}

// String returns the canonical form of the selection: lower-case keywords and
// attributes, every value with its attribute (key: for bare values), values quoted only
// when they must be, and parentheses only where precedence needs them. It parses back to
// a selection with the same String and the same result.
func (s *Selection) String() string {
	var b strings.Builder
	s.root.write(&b)
	return b.String()
}

// expr is a node of the syntax tree. Parentheses leave no node: write adds them where
// precedence needs them.
type expr interface {
	// write appends the canonical form of the expression.
	write(b *strings.Builder)
	// prec is the binding strength of the expression's outermost operator.
	prec() int
}

// Precedence levels, loosest first.
const (
	precOr = iota + 1
	precAnd
	precNot
	precStep // traversals
	precAtom // terms, functions and "*"
)

// unbounded is the depth of a "*" traversal.
const unbounded = -1

type (
	allExpr struct{}

	// keyExpr matches key strings; pattern is in canonical key-string form and may
	// contain "*" wildcards.
	keyExpr struct{ pattern string }

	// attrExpr matches group, owner, kind or location exactly.
	attrExpr struct{ attr, value string }

	tagExpr struct {
		key, value string
		hasValue   bool
	}

	notExpr struct{ x expr }
	andExpr struct{ xs []expr }
	orExpr  struct{ xs []expr }

	// stepExpr walks up and down layers from x (unbounded for all of them).
	stepExpr struct {
		up, down int
		x        expr
	}

	// funcExpr is roots(x) or sinks(x).
	funcExpr struct {
		name string
		x    expr
	}
)

// Attribute names, as written in canonical form.
const (
	attrKey      = "key"
	attrGroup    = "group"
	attrOwner    = "owner"
	attrKind     = "kind"
	attrTag      = "tag"
	attrLocation = "location"
)

// knownAttributes lists the attributes for error messages.
const knownAttributes = "key, group, owner, kind, tag, location"

// Function names.
const (
	funcRoots = "roots"
	funcSinks = "sinks"
)

func (allExpr) prec() int  { return precAtom }
func (keyExpr) prec() int  { return precAtom }
func (attrExpr) prec() int { return precAtom }
func (tagExpr) prec() int  { return precAtom }
func (funcExpr) prec() int { return precAtom }
func (stepExpr) prec() int { return precStep }
func (notExpr) prec() int  { return precNot }
func (andExpr) prec() int  { return precAnd }
func (orExpr) prec() int   { return precOr }

func (allExpr) write(b *strings.Builder) { b.WriteByte('*') }

func (x keyExpr) write(b *strings.Builder) { x.writeQuoted(b, false) }

// writeQuoted writes the term, quoting the pattern if it must be quoted or if quote is
// set (a key value directly before a "*" traversal, which would otherwise read it as a
// wildcard).
func (x keyExpr) writeQuoted(b *strings.Builder, quote bool) {
	b.WriteString(attrKey + ":")
	if quote {
		writeQuotedValue(b, x.pattern)
		return
	}
	writeValue(b, x.pattern, true)
}

func (x attrExpr) write(b *strings.Builder) {
	b.WriteString(x.attr)
	b.WriteByte(':')
	writeValue(b, x.value, false)
}

func (x tagExpr) write(b *strings.Builder) {
	b.WriteString(attrTag + ":")
	writeValue(b, x.key, false)
	if x.hasValue {
		b.WriteByte('=')
		writeValue(b, x.value, false)
	}
}

func (x notExpr) write(b *strings.Builder) {
	b.WriteString("not ")
	writeOperand(b, x.x, precNot)
}

func (x andExpr) write(b *strings.Builder) { writeList(b, x.xs, " and ", precAnd) }
func (x orExpr) write(b *strings.Builder)  { writeList(b, x.xs, " or ", precOr) }

func writeList(b *strings.Builder, xs []expr, sep string, prec int) {
	for i, x := range xs {
		if i > 0 {
			b.WriteString(sep)
		}
		writeOperand(b, x, prec+1)
	}
}

func (x stepExpr) write(b *strings.Builder) {
	switch {
	case x.up == unbounded:
		b.WriteByte('*')
	case x.up == 1:
		b.WriteByte('+')
	case x.up > 1:
		b.WriteString(strconv.Itoa(x.up))
		b.WriteByte('+')
	}
	if k, ok := x.x.(keyExpr); ok {
		k.writeQuoted(b, x.down == unbounded)
	} else {
		writeOperand(b, x.x, precAtom)
	}
	switch {
	case x.down == unbounded:
		b.WriteByte('*')
	case x.down == 1:
		b.WriteByte('+')
	case x.down > 1:
		b.WriteByte('+')
		b.WriteString(strconv.Itoa(x.down))
	}
}

func (x funcExpr) write(b *strings.Builder) {
	b.WriteString(x.name)
	b.WriteByte('(')
	x.x.write(b)
	b.WriteByte(')')
}

// writeOperand writes x, in parentheses if it binds more loosely than min.
func writeOperand(b *strings.Builder, x expr, min int) {
	if x.prec() >= min {
		x.write(b)
		return
	}
	b.WriteByte('(')
	x.write(b)
	b.WriteByte(')')
}

// writeValue writes v unquoted when the lexer would read it back unchanged, quoted
// otherwise. star says whether "*" may stand unquoted (key values).
func writeValue(b *strings.Builder, v string, star bool) {
	if v != "" && scanValue(v, 0, star) == len(v) {
		b.WriteString(v)
		return
	}
	writeQuotedValue(b, v)
}

func writeQuotedValue(b *strings.Builder, v string) {
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(v[i])
	}
	b.WriteByte('"')
}

// isValueRune reports whether r may stand in an unquoted value.
func isValueRune(r rune, star bool) bool {
	switch r {
	case '_', '-', '.', '/', '@', ':', '\\':
		return true
	case '*':
		return star
	case utf8.RuneError:
		return false
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// scanValue returns the end of the unquoted value starting at s[i:].
func scanValue(s string, i int, star bool) int {
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !isValueRune(r, star) {
			break
		}
		i += n
	}
	return i
}

// canonicalKey rewrites a key value into the escaped string form AssetKey.String gives:
// a backslash that escapes neither "/" nor "\" stands for itself, as in
// plumbline.ParseAssetKey, and is doubled. Wildcards are left alone.
func canonicalKey(v string) string {
	if !strings.Contains(v, `\`) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c != '\\':
			b.WriteByte(c)
		case i+1 < len(v) && (v[i+1] == '/' || v[i+1] == '\\'):
			b.WriteByte(c)
			b.WriteByte(v[i+1])
			i++
		default:
			b.WriteString(`\\`)
		}
	}
	return b.String()
}
