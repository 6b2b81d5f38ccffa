package defs_test

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/defs"
)

func ExampleParse() {
	_, err := defs.Parse("plumbline.yaml", []byte(`assets:
  - key: marts/orders
    dep: [raw/orders]
    owners: [analytics]
`), defs.Options{})
	fmt.Println(err)
	// Output:
	// plumbline.yaml:3:5: assets[0]: unknown field "dep" (did you mean "deps"?)
	// plumbline.yaml:4:14: assets[0].owners[0]: owner "analytics" is not an email address or team:name
}

// TestExamplePlatform checks the example platform that `make run` loads: big enough to
// show a real catalog, layered, self-contained, and in step with its seed script.
func TestExamplePlatform(t *testing.T) {
	d, err := defs.Load("../examples/platform/plumbline.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(d.Assets) < 30 {
		t.Errorf("got %d assets, want at least 30", len(d.Assets))
	}

	groups := map[string]int{}
	checks := map[string][]string{} // asset → its check names
	deps := map[string][]string{}
	nchecks := 0
	for _, a := range d.Assets {
		k := a.Key.String()
		groups[a.Group]++
		deps[k] = nil
		for _, c := range a.Checks {
			checks[k] = append(checks[k], c.Name)
			nchecks++
		}
	}
	for _, a := range d.Assets {
		for _, dep := range a.Deps {
			deps[a.Key.String()] = append(deps[a.Key.String()], dep.String())
		}
	}
	for _, g := range []string{"raw", "staging", "marts"} {
		if groups[g] == 0 {
			t.Errorf("no asset in group %q (groups: %v)", g, groups)
		}
	}
	if nchecks < 10 {
		t.Errorf("got %d checks, want at least 10", nchecks)
	}

	var undeclared []string
	for k, ds := range deps {
		for _, dep := range ds {
			if _, ok := deps[dep]; !ok {
				undeclared = append(undeclared, k+" -> "+dep)
			}
		}
		if g := groupOf(k); g == "staging" && !slices.ContainsFunc(ds, func(dep string) bool { return groupOf(dep) == "raw" }) {
			t.Errorf("staging model %s depends on no raw asset: %v", k, ds)
		}
	}
	slices.Sort(undeclared)
	if len(undeclared) > 0 {
		t.Errorf("deps on assets the example does not declare:\n%v", undeclared)
	}
	if left := unsorted(deps); len(left) > 0 {
		t.Errorf("dependency cycle among %v", left)
	}

	// The seed script reports only on declared assets and checks.
	seed, err := os.ReadFile("../examples/platform/seed.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`\b(?:raw|staging|marts|reporting|ml)/\w+`).FindAll(seed, -1) {
		if _, ok := deps[string(m)]; !ok {
			t.Errorf("seed.sh reports on %s, which plumbline.yaml does not declare", m)
		}
	}
	evaluated := 0
	for _, m := range regexp.MustCompile(`(?m)^check (\S+) (\w+) `).FindAllSubmatch(seed, -1) {
		evaluated++
		if !slices.Contains(checks[string(m[1])], string(m[2])) {
			t.Errorf("seed.sh evaluates check %s on %s, which plumbline.yaml does not declare", m[2], m[1])
		}
	}
	if evaluated < 10 {
		t.Errorf("seed.sh evaluates %d checks, want at least 10", evaluated)
	}
}

// groupOf returns the layer of an example key: the first part of its path.
func groupOf(key string) string {
	g, _, _ := strings.Cut(key, "/")
	return g
}

// unsorted removes assets with no remaining deps until none is left (Kahn's algorithm) and
// returns the assets it could not remove: those on or behind a cycle.
func unsorted(deps map[string][]string) []string {
	pending := map[string]int{}
	dependents := map[string][]string{}
	var ready []string
	for k, ds := range deps {
		for _, d := range ds {
			if _, ok := deps[d]; ok {
				pending[k]++
				dependents[d] = append(dependents[d], k)
			}
		}
		if pending[k] == 0 {
			ready = append(ready, k)
		}
	}
	for len(ready) > 0 {
		k := ready[len(ready)-1]
		ready = ready[:len(ready)-1]
		delete(pending, k)
		for _, c := range dependents[k] {
			if pending[c]--; pending[c] == 0 {
				ready = append(ready, c)
			}
		}
	}
	left := make([]string, 0, len(pending))
	for k := range pending {
		left = append(left, k)
	}
	slices.Sort(left)
	return left
}
