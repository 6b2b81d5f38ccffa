package selection

import (
	"math/bits"
	"slices"
	"strings"

	"github.com/plumbline/plumbline"
)

// Select evaluates the selection against a catalog snapshot and returns the selected
// keys (map keys of g.Nodes), sorted; an empty, non-nil slice when nothing matches.
// Each operator costs O(nodes + edges) of g, which is only read.
func (s *Selection) Select(g *plumbline.AssetGraph) []string {
	if g == nil || len(g.Nodes) == 0 {
		return []string{}
	}
	e := newEvaluator(g)
	set := e.eval(s.root)
	out := make([]string, 0, set.count())
	set.each(func(i int32) { out = append(out, e.keys[i]) })
	slices.Sort(out)
	return out
}

// evaluator evaluates a syntax tree over one graph. Nodes are numbered by their place in
// keys (map order: only the final result is sorted); sets are bitsets over those numbers.
type evaluator struct {
	g     *plumbline.AssetGraph
	keys  []string
	nodes []*plumbline.GraphNode
	index map[string]int32 // key → number; built on first use by a walk or function
}

func newEvaluator(g *plumbline.AssetGraph) *evaluator {
	e := &evaluator{
		g:     g,
		keys:  make([]string, 0, len(g.Nodes)),
		nodes: make([]*plumbline.GraphNode, 0, len(g.Nodes)),
	}
	for k, n := range g.Nodes {
		e.keys = append(e.keys, k)
		e.nodes = append(e.nodes, n)
	}
	return e
}

// number returns the number of key, or false if key is not a node. Without the index it
// scans, which for a single lookup is cheaper than building the index.
func (e *evaluator) number(key string) (int32, bool) {
	if e.index != nil {
		i, ok := e.index[key]
		return i, ok
	}
	if _, ok := e.g.Nodes[key]; !ok {
		return 0, false
	}
	return int32(slices.Index(e.keys, key)), true
}

func (e *evaluator) buildIndex() {
	if e.index != nil {
		return
	}
	e.index = make(map[string]int32, len(e.keys))
	for i, k := range e.keys {
		e.index[k] = int32(i)
	}
}

func (e *evaluator) eval(x expr) bitset {
	n := len(e.keys)
	switch x := x.(type) {
	case allExpr:
		return newBitset(n).fill(n)
	case keyExpr:
		if !strings.Contains(x.pattern, "*") {
			set := newBitset(n)
			if i, ok := e.number(x.pattern); ok {
				set.add(i)
			}
			return set
		}
		return e.filter(e.matcher(x))
	case attrExpr, tagExpr:
		return e.filter(e.matcher(x))
	case notExpr:
		return e.eval(x.x).not(n)
	case andExpr:
		// Terms after the first are tested only on the assets still in the set.
		set := e.eval(x.xs[0])
		for _, y := range x.xs[1:] {
			if match := e.matcher(y); match != nil {
				set.keep(func(i int32) bool { return match(e.keys[i], e.nodes[i]) })
			} else {
				set.and(e.eval(y))
			}
		}
		return set
	case orExpr:
		set := e.eval(x.xs[0])
		for _, y := range x.xs[1:] {
			set.or(e.eval(y))
		}
		return set
	case stepExpr:
		from := e.eval(x.x)
		set := from.clone()
		if x.up != 0 {
			e.walk(set, from, e.g.Parents, x.up)
		}
		if x.down != 0 {
			e.walk(set, from, e.g.Children, x.down)
		}
		return set
	case funcExpr:
		adj := e.g.Parents
		if x.name == funcSinks {
			adj = e.g.Children
		}
		return e.ends(e.eval(x.x), adj)
	}
	panic("selection: unknown expression")
}

// matcher returns the test a term makes of one asset, or nil if x is not a term. Nil
// nodes match nothing.
func (e *evaluator) matcher(x expr) func(key string, node *plumbline.GraphNode) bool {
	switch x := x.(type) {
	case keyExpr:
		if !strings.Contains(x.pattern, "*") {
			return func(key string, _ *plumbline.GraphNode) bool { return key == x.pattern }
		}
		g := newGlob(x.pattern)
		return func(key string, _ *plumbline.GraphNode) bool { return g.match(key) }
	case attrExpr:
		return func(_ string, node *plumbline.GraphNode) bool {
			if node == nil {
				return false
			}
			switch x.attr {
			case attrGroup:
				return node.Group == x.value
			case attrOwner:
				return slices.Contains(node.Owners, x.value)
			case attrKind:
				return slices.Contains(node.Kinds, x.value)
			case attrLocation:
				return node.Location == x.value
			}
			return false
		}
	case tagExpr:
		return func(_ string, node *plumbline.GraphNode) bool {
			if node == nil {
				return false
			}
			v, ok := node.Tags[x.key]
			return ok && (!x.hasValue || v == x.value)
		}
	}
	return nil
}

// filter returns the set of assets that match.
func (e *evaluator) filter(match func(key string, node *plumbline.GraphNode) bool) bitset {
	set := newBitset(len(e.keys))
	for i, k := range e.keys {
		if match(k, e.nodes[i]) {
			set.add(int32(i))
		}
	}
	return set
}

// walk adds to set every node up to depth steps (unbounded for no limit) from the nodes
// of from along adj, breadth first. A node is queued once, so each node and edge is
// looked at at most once, cycles included.
func (e *evaluator) walk(set, from bitset, adj map[string][]string, depth int) {
	e.buildIndex()
	seen := from.clone()
	var frontier, next []int32
	from.each(func(i int32) { frontier = append(frontier, i) })
	for d := 0; len(frontier) > 0 && (depth == unbounded || d < depth); d++ {
		next = next[:0]
		for _, i := range frontier {
			for _, k := range adj[e.keys[i]] {
				if j, ok := e.index[k]; ok && !seen.has(j) {
					seen.add(j)
					next = append(next, j)
				}
			}
		}
		frontier, next = next, frontier
	}
	set.or(seen)
}

// ends returns the nodes of set with no neighbour in set along adj: the roots when adj
// is Parents, the sinks when it is Children.
func (e *evaluator) ends(set bitset, adj map[string][]string) bitset {
	e.buildIndex()
	out := newBitset(len(e.keys))
	set.each(func(i int32) {
		for _, k := range adj[e.keys[i]] {
			if j, ok := e.index[k]; ok && set.has(j) {
				return
			}
		}
		out.add(i)
	})
	return out
}

// glob matches strings against a pattern in which "*" stands for any run of characters.
type glob struct {
	prefix, suffix string
	middle         []string // the parts between stars, in order
}

func newGlob(pattern string) glob {
	parts := strings.Split(pattern, "*")
	return glob{prefix: parts[0], suffix: parts[len(parts)-1], middle: parts[1 : len(parts)-1]}
}

// match reports whether s matches. Taking each middle part at its leftmost place is
// enough: leaving more room to the right never hurts the parts after it.
func (g glob) match(s string) bool {
	if len(s) < len(g.prefix)+len(g.suffix) || !strings.HasPrefix(s, g.prefix) || !strings.HasSuffix(s, g.suffix) {
		return false
	}
	s = s[len(g.prefix) : len(s)-len(g.suffix)]
	for _, part := range g.middle {
		i := strings.Index(s, part)
		if i < 0 {
			return false
		}
		s = s[i+len(part):]
	}
	return true
}

// bitset is a set of node numbers.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (s bitset) add(i int32)      { s[i/64] |= 1 << (uint(i) % 64) }
func (s bitset) remove(i int32)   { s[i/64] &^= 1 << (uint(i) % 64) }
func (s bitset) has(i int32) bool { return s[i/64]&(1<<(uint(i)%64)) != 0 }
func (s bitset) clone() bitset    { return slices.Clone(s) }

// fill adds every number below n.
func (s bitset) fill(n int) bitset {
	for i := range s {
		s[i] = ^uint64(0)
	}
	s.trim(n)
	return s
}

// not complements the set within the numbers below n.
func (s bitset) not(n int) bitset {
	for i := range s {
		s[i] = ^s[i]
	}
	s.trim(n)
	return s
}

// trim clears the bits at n and above in the last word.
func (s bitset) trim(n int) {
	if r := n % 64; r != 0 {
		s[len(s)-1] &= 1<<r - 1
	}
}

func (s bitset) and(t bitset) {
	for i := range s {
		s[i] &= t[i]
	}
}

func (s bitset) or(t bitset) {
	for i := range s {
		s[i] |= t[i]
	}
}

func (s bitset) count() int {
	n := 0
	for _, w := range s {
		n += bits.OnesCount64(w)
	}
	return n
}

// keep removes the numbers for which f is false.
func (s bitset) keep(f func(i int32) bool) {
	s.each(func(i int32) {
		if !f(i) {
			s.remove(i)
		}
	})
}

// each calls f with every number in the set, in increasing order.
func (s bitset) each(f func(i int32)) {
	for wi, w := range s {
		for w != 0 {
			f(int32(wi*64 + bits.TrailingZeros64(w)))
			w &= w - 1
		}
	}
}
