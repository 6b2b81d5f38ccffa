package selection

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbline/plumbline"
)

// TestSelectAgreesWithNaiveEvaluation checks the bitset evaluator against a plain one on
// random graphs with cycles, self-loops and edges to missing assets, sized around word
// boundaries of the bitsets, for random selections.
func TestSelectAgreesWithNaiveEvaluation(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, size := range []int{1, 2, 63, 64, 65, 130} {
		g := randomGraph(rng, size)
		for range 200 {
			s := randomSelection(rng, size, 3)
			t.Run(fmt.Sprintf("%dAssets/%s", size, s), func(t *testing.T) {
				sel, err := Parse(s)
				if err != nil {
					t.Fatalf("Parse(%q): %v", s, err)
				}
				want := naive(g, sel.root)
				if diff := cmp.Diff(want, sel.Select(g)); diff != "" {
					t.Errorf("Select(%q) mismatch (-naive +got):\n%s", s, diff)
				}
			})
		}
	}
}

func randomGraph(rng *rand.Rand, n int) *plumbline.AssetGraph {
	g := &plumbline.AssetGraph{
		Nodes:    map[string]*plumbline.GraphNode{},
		Parents:  map[string][]string{},
		Children: map[string][]string{},
	}
	for i := range n {
		k := fmt.Sprintf("n%d", i)
		g.Nodes[k] = &plumbline.GraphNode{
			Key:   plumbline.AssetKey{k},
			Group: fmt.Sprintf("g%d", rng.IntN(3)),
			Kinds: []string{fmt.Sprintf("k%d", rng.IntN(3))},
			Tags:  map[string]string{"t": fmt.Sprint(rng.IntN(2))},
		}
	}
	for range 2 * n {
		from, to := fmt.Sprintf("n%d", rng.IntN(n+1)), fmt.Sprintf("n%d", rng.IntN(n+1)) // n<n> is missing
		g.Parents[to] = append(g.Parents[to], from)
		g.Children[from] = append(g.Children[from], to)
	}
	return g
}

// randomSelection returns a random selection over the assets of randomGraph(_, n).
func randomSelection(rng *rand.Rand, n, depth int) string {
	if depth == 0 || rng.IntN(3) == 0 {
		switch rng.IntN(7) {
		case 0:
			return fmt.Sprintf("key:n%d", rng.IntN(n+1))
		case 1:
			return fmt.Sprintf("key:n%d*", rng.IntN(n+1))
		case 2:
			return fmt.Sprintf("group:g%d", rng.IntN(3))
		case 3:
			return fmt.Sprintf("kind:k%d", rng.IntN(3))
		case 4:
			return fmt.Sprintf("tag:t=%d", rng.IntN(2))
		case 5:
			return "*"
		default:
			return fmt.Sprintf(`"n%d"`, rng.IntN(n+1))
		}
	}
	x := randomSelection(rng, n, depth-1)
	switch rng.IntN(8) {
	case 0:
		return "not " + x
	case 1:
		return "(" + x + " and " + randomSelection(rng, n, depth-1) + ")"
	case 2:
		return "(" + x + " or " + randomSelection(rng, n, depth-1) + ")"
	case 3:
		return "roots(" + x + ")"
	case 4:
		return "sinks(" + x + ")"
	default:
		ups := []string{"", "+", "2+", "*"}
		downs := []string{"", "+", "+3", "*"}
		return ups[rng.IntN(4)] + "(" + x + ")" + downs[rng.IntN(4)]
	}
}

// naive evaluates x on g with maps, walking by repeated expansion rather than breadth
// first, and matching wildcards with a regular expression.
func naive(g *plumbline.AssetGraph, x expr) []string {
	set := naiveSet(g, x)
	out := []string{}
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func naiveSet(g *plumbline.AssetGraph, x expr) map[string]bool {
	all := func(keep func(k string, n *plumbline.GraphNode) bool) map[string]bool {
		out := map[string]bool{}
		for k, n := range g.Nodes {
			if keep(k, n) {
				out[k] = true
			}
		}
		return out
	}
	switch x := x.(type) {
	case allExpr:
		return all(func(string, *plumbline.GraphNode) bool { return true })
	case keyExpr:
		parts := strings.Split(x.pattern, "*")
		for i, p := range parts {
			parts[i] = regexp.QuoteMeta(p)
		}
		re := regexp.MustCompile("^(?s:" + strings.Join(parts, ".*") + ")$")
		return all(func(k string, _ *plumbline.GraphNode) bool { return re.MatchString(k) })
	case attrExpr:
		return all(func(_ string, n *plumbline.GraphNode) bool {
			switch x.attr {
			case attrGroup:
				return n.Group == x.value
			case attrKind:
				return slices.Contains(n.Kinds, x.value)
			case attrOwner:
				return slices.Contains(n.Owners, x.value)
			}
			return n.Location == x.value
		})
	case tagExpr:
		return all(func(_ string, n *plumbline.GraphNode) bool {
			v, ok := n.Tags[x.key]
			return ok && (!x.hasValue || v == x.value)
		})
	case notExpr:
		in := naiveSet(g, x.x)
		return all(func(k string, _ *plumbline.GraphNode) bool { return !in[k] })
	case andExpr:
		out := naiveSet(g, x.xs[0])
		for _, y := range x.xs[1:] {
			in := naiveSet(g, y)
			for k := range out {
				if !in[k] {
					delete(out, k)
				}
			}
		}
		return out
	case orExpr:
		out := map[string]bool{}
		for _, y := range x.xs {
			for k := range naiveSet(g, y) {
				out[k] = true
			}
		}
		return out
	case stepExpr:
		from := naiveSet(g, x.x)
		out := map[string]bool{}
		for k := range from {
			out[k] = true
		}
		for k := range naiveExpand(g, from, g.Parents, x.up) {
			out[k] = true
		}
		for k := range naiveExpand(g, from, g.Children, x.down) {
			out[k] = true
		}
		return out
	case funcExpr:
		in := naiveSet(g, x.x)
		adj := g.Parents
		if x.name == funcSinks {
			adj = g.Children
		}
		return all(func(k string, _ *plumbline.GraphNode) bool {
			if !in[k] {
				return false
			}
			for _, p := range adj[k] {
				if in[p] {
					return false
				}
			}
			return true
		})
	}
	panic(fmt.Sprintf("unknown expression %T", x))
}

// naiveExpand adds the neighbours along adj of the whole set, depth times or until
// nothing changes.
func naiveExpand(g *plumbline.AssetGraph, from map[string]bool, adj map[string][]string, depth int) map[string]bool {
	out := map[string]bool{}
	for k := range from {
		out[k] = true
	}
	for d := 0; depth == unbounded || d < depth; d++ {
		var added []string
		for k := range out {
			for _, p := range adj[k] {
				if _, ok := g.Nodes[p]; ok && !out[p] {
					added = append(added, p)
				}
			}
		}
		if len(added) == 0 {
			break
		}
		for _, k := range added {
			out[k] = true
		}
	}
	return out
}
