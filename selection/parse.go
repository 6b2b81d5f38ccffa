package selection

import (
	"strconv"
	"strings"

	"github.com/plumbline/plumbline"
)

// maxNesting bounds parentheses, function calls and "not"s inside one another, so that
// a hostile selection cannot exhaust the stack of the parser, printer or evaluator.
const maxNesting = 100

// attributes maps the attribute names the parser accepts to their canonical names.
var attributes = map[string]string{
	attrKey:         attrKey,
	attrGroup:       attrGroup,
	attrOwner:       attrOwner,
	attrKind:        attrKind,
	attrTag:         attrTag,
	attrLocation:    attrLocation,
	"code_location": attrLocation,
}

// parser is a recursive-descent parser over the tokens of src, one function per rule of
// the grammar in the package documentation.
type parser struct {
	src   string
	toks  []token
	i     int // index of the next token
	depth int // current nesting
}

func parse(src string) (expr, error) {
	p := &parser{src: src, toks: lex(src)}
	x, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(0); t.kind != tokEOF {
		return nil, p.errorf(t, `expected "and", "or" or end of input`)
	}
	return x, nil
}

// peek returns the token n places ahead of the next one; past the end, the last token
// (tokEOF or tokError).
func (p *parser) peek(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.peek(0)
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}

// errorf returns the error for an unexpected token t: its own error if it is tokError,
// else "selection: <format> at column N".
func (p *parser) errorf(t token, format string, args ...any) error {
	if t.kind == tokError {
		return t.err
	}
	return syntaxError(p.src, t.pos, format, args...)
}

// unknown returns the error for an unknown attribute or function name t, listing the
// known ones.
func (p *parser) unknown(t token, what, known string) error {
	return plumbline.Errorf(plumbline.EINVALID, "selection: unknown %s %q at column %d (known: %s)",
		what, t.text, column(p.src, t.pos), known)
}

// nest enters one level of nesting at t; the caller calls p.depth-- on the way out.
func (p *parser) nest(t token) error {
	p.depth++
	if p.depth > maxNesting {
		return p.errorf(t, "nesting deeper than %d levels", maxNesting)
	}
	return nil
}

// or = and { "or" and } .
func (p *parser) or() (expr, error) {
	x, err := p.and()
	if err != nil {
		return nil, err
	}
	xs := []expr{x}
	for p.peek(0).kind == tokOr {
		p.next()
		y, err := p.and()
		if err != nil {
			return nil, err
		}
		xs = append(xs, y)
	}
	return newOr(xs), nil
}

// and = not { "and" not } .
func (p *parser) and() (expr, error) {
	x, err := p.not()
	if err != nil {
		return nil, err
	}
	xs := []expr{x}
	for p.peek(0).kind == tokAnd {
		p.next()
		y, err := p.not()
		if err != nil {
			return nil, err
		}
		xs = append(xs, y)
	}
	return newAnd(xs), nil
}

// not = "not" not | step .
func (p *parser) not() (expr, error) {
	t := p.peek(0)
	if t.kind != tokNot {
		return p.step()
	}
	p.next()
	if err := p.nest(t); err != nil {
		return nil, err
	}
	x, err := p.not()
	p.depth--
	if err != nil {
		return nil, err
	}
	return notExpr{x}, nil
}

// step = "*" | [ up ] primary [ down ] .
// up   = "*" | [ digits ] "+" .
// down = "*" | "+" [ digits ] .
func (p *parser) step() (expr, error) {
	up, down := 0, 0
	switch t := p.peek(0); {
	case t.kind == tokStar && !p.startsPrimary(1):
		p.next()
		return allExpr{}, nil
	case t.kind == tokStar:
		p.next()
		up = unbounded
	case t.kind == tokPlus:
		p.next()
		up = 1
	case isDigits(t) && p.peek(1).kind == tokPlus && p.startsPrimary(2):
		n, err := p.depthOf(t)
		if err != nil {
			return nil, err
		}
		p.next()
		p.next()
		up = n
	}
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	switch p.peek(0).kind {
	case tokStar:
		p.next()
		down = unbounded
	case tokPlus:
		p.next()
		down = 1
		if t := p.peek(0); isDigits(t) {
			n, err := p.depthOf(t)
			if err != nil {
				return nil, err
			}
			p.next()
			down = n
		}
	}
	return newStep(up, down, x), nil
}

// startsPrimary reports whether the token n places ahead can begin a primary.
func (p *parser) startsPrimary(n int) bool {
	switch p.peek(n).kind {
	case tokWord, tokString, tokAttr, tokLParen:
		return true
	}
	return false
}

func isDigits(t token) bool {
	if t.kind != tokWord {
		return false
	}
	for i := 0; i < len(t.text); i++ {
		if t.text[i] < '0' || t.text[i] > '9' {
			return false
		}
	}
	return true
}

func (p *parser) depthOf(t token) (int, error) {
	n, err := strconv.Atoi(t.text)
	if err != nil {
		return 0, p.errorf(t, "depth %s is too large", t.text)
	}
	return n, nil
}

// primary = term | value | function "(" or ")" | "(" or ")" .
func (p *parser) primary() (expr, error) {
	t := p.peek(0)
	switch t.kind {
	case tokLParen:
		p.next()
		return p.group(t)
	case tokWord:
		p.next()
		if p.peek(0).kind != tokLParen {
			return keyExpr{canonicalKey(t.text)}, nil
		}
		name := strings.ToLower(t.text)
		if name != funcRoots && name != funcSinks {
			return nil, p.unknown(t, "function", "roots, sinks")
		}
		x, err := p.group(p.next())
		if err != nil {
			return nil, err
		}
		return funcExpr{name: name, x: x}, nil
	case tokString:
		p.next()
		return keyExpr{canonicalKey(t.text)}, nil
	case tokAttr:
		p.next()
		return p.term(t)
	}
	return nil, p.errorf(t, "expected a selection")
}

// group parses the rest of "(" or ")" after the "(" open.
func (p *parser) group(open token) (expr, error) {
	if err := p.nest(open); err != nil {
		return nil, err
	}
	x, err := p.or()
	p.depth--
	if err != nil {
		return nil, err
	}
	if t := p.peek(0); t.kind != tokRParen {
		return nil, p.errorf(t, `expected ")"`)
	}
	p.next()
	return x, nil
}

// term parses the rest of a term after its "name:" token attr.
func (p *parser) term(attr token) (expr, error) {
	name, ok := attributes[strings.ToLower(attr.text)]
	switch {
	case attr.text == "":
		return nil, p.errorf(attr, `expected an attribute name before ":"`)
	case !ok:
		return nil, p.unknown(attr, "attribute", knownAttributes)
	}
	v, err := p.value(attr.text + ":")
	if err != nil {
		return nil, err
	}
	switch name {
	case attrKey:
		return keyExpr{canonicalKey(v)}, nil
	case attrTag:
		if p.peek(0).kind != tokEqual {
			return tagExpr{key: v}, nil
		}
		p.next()
		tv, err := p.value("=")
		if err != nil {
			return nil, err
		}
		return tagExpr{key: v, value: tv, hasValue: true}, nil
	}
	return attrExpr{attr: name, value: v}, nil
}

// value reads the value the lexer found after the token written as after.
func (p *parser) value(after string) (string, error) {
	t := p.peek(0)
	if t.kind != tokValue {
		return "", p.errorf(t, "expected a value after %q", after)
	}
	p.next()
	return t.text, nil
}

// newAnd and newOr flatten nested lists, so that (a and b) and c and a and (b and c)
// are the same tree.
func newAnd(xs []expr) expr {
	if len(xs) == 1 {
		return xs[0]
	}
	var flat []expr
	for _, x := range xs {
		if a, ok := x.(andExpr); ok {
			flat = append(flat, a.xs...)
		} else {
			flat = append(flat, x)
		}
	}
	return andExpr{flat}
}

func newOr(xs []expr) expr {
	if len(xs) == 1 {
		return xs[0]
	}
	var flat []expr
	for _, x := range xs {
		if o, ok := x.(orExpr); ok {
			flat = append(flat, o.xs...)
		} else {
			flat = append(flat, x)
		}
	}
	return orExpr{flat}
}

// newStep drops walks that change nothing: zero layers, or any walk from every asset.
func newStep(up, down int, x expr) expr {
	if _, all := x.(allExpr); all || up == 0 && down == 0 {
		return x
	}
	return stepExpr{up: up, down: down, x: x}
}
