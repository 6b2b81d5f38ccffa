package selection

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/plumbline/plumbline"
)

// layeredGraph returns a graph of layers×width assets named layerLL/assetWWWW, each
// outside the first layer with fanIn parents picked at random from the layer above.
// Assets are spread over 20 groups and 7 kinds (two kinds each).
func layeredGraph(layers, width, fanIn int) *plumbline.AssetGraph {
	rng := rand.New(rand.NewPCG(1, 2))
	g := &plumbline.AssetGraph{
		Nodes:    make(map[string]*plumbline.GraphNode, layers*width),
		Parents:  make(map[string][]string, layers*width),
		Children: make(map[string][]string, layers*width),
	}
	name := func(l, w int) string { return fmt.Sprintf("layer%02d/asset%04d", l, w) }
	for l := range layers {
		for w := range width {
			i := l*width + w
			k := name(l, w)
			g.Nodes[k] = &plumbline.GraphNode{
				Key:   plumbline.AssetKey{fmt.Sprintf("layer%02d", l), fmt.Sprintf("asset%04d", w)},
				Group: fmt.Sprintf("g%d", i%20),
				Kinds: []string{fmt.Sprintf("k%d", i%7), fmt.Sprintf("k%d", (i+3)%7)},
			}
			if l == 0 {
				continue
			}
			for range fanIn {
				p := name(l-1, rng.IntN(width))
				g.Parents[k] = append(g.Parents[k], p)
				g.Children[p] = append(g.Children[p], k)
			}
		}
	}
	return g
}

// BenchmarkSelect evaluates selections on a 100,000-asset graph of 100 layers with three
// parents per asset. The ancestors of an asset in the last layer are most of the graph.
func BenchmarkSelect(b *testing.B) {
	g := layeredGraph(100, 1000, 3)
	for _, bm := range []struct{ name, sel string }{
		{"AllAncestors", `*key:"layer99/asset0500"`},
		{"GroupAndKind", "group:g3 and kind:k2"},
		{"SinksOfAll", "sinks(*)"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			sel, err := Parse(bm.sel)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for b.Loop() {
				n = len(sel.Select(g))
			}
			b.ReportMetric(float64(n), "assets")
		})
	}
}
