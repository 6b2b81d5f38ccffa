package defs

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"

	"github.com/plumbline/plumbline"
)

// The fields of each mapping, in the order the documentation gives them.
var (
	assetFields     = []string{"key", "description", "group", "owners", "kinds", "tags", "code_version", "metadata", "deps", "checks", "freshness", "pipes"}
	checkFields     = []string{"name", "description", "blocking", "severity"}
	freshnessFields = []string{"max_lag", "cron"}
	pipesFields     = []string{"command", "cwd", "env", "timeout", "context", "messages", "implicit_materialization"}
)

var (
	groupName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	checkName = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	tagKey    = regexp.MustCompile(`^[A-Za-z0-9_./-]+$`)
	envName   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// declared is what the graph checks need to know of one asset: its key and where its
// deps were written.
type declared struct {
	key      plumbline.AssetKey // nil when the key is missing or bad
	path     string
	keyNode  *yaml.Node
	deps     []plumbline.AssetKey
	depNodes []*yaml.Node
}

// assets reads the list of assets, then checks keys are unique and deps have no cycle.
func (p *parser) assets(n *yaml.Node, path string) []plumbline.AssetSpec {
	items := p.list(n, path, "a list of assets")
	specs := make([]plumbline.AssetSpec, 0, len(items))
	decls := make([]declared, 0, len(items))
	for i, item := range items {
		spec, d, ok := p.asset(item, indexPath(path, i))
		if ok {
			specs = append(specs, spec)
			decls = append(decls, d)
		}
	}
	p.checkGraph(decls)
	return specs
}

// asset reads one asset; ok is false when it is not even a mapping.
func (p *parser) asset(n *yaml.Node, path string) (spec plumbline.AssetSpec, d declared, ok bool) {
	d.path = path
	if !p.isMapping(n, path, "an asset: a mapping with a key") {
		return spec, d, false
	}
	var deps *field
	fields := p.fields(n, path)
	for _, f := range fields {
		fp := fieldPath(path, f.name)
		switch f.name {
		case "key":
			d.keyNode = f.val
			spec.Key = p.assetKey(f.val, fp)
			d.key = spec.Key
		case "description":
			spec.Description = p.optionalScalar(f.val, fp)
		case "group":
			spec.Group = p.optionalScalar(f.val, fp)
			if spec.Group != "" && !groupName.MatchString(spec.Group) {
				p.errorf(f.val, fp, "group name %q may hold only letters, digits, _ and -", spec.Group)
			}
		case "owners":
			spec.Owners = p.strings(f.val, fp, func(s string) string {
				if !plumbline.ValidOwner(s) {
					return fmt.Sprintf("owner %q is not an email address or team:name", s)
				}
				return ""
			})
		case "kinds":
			spec.Kinds = p.strings(f.val, fp, func(s string) string {
				if strings.TrimSpace(s) == "" {
					return "kind is empty"
				}
				return ""
			})
		case "tags":
			spec.Tags = p.stringMap(f.val, fp, func(k string) string {
				if !tagKey.MatchString(k) {
					return fmt.Sprintf("tag name %q may hold only letters, digits, _ - . and /", k)
				}
				return ""
			})
		case "code_version":
			spec.CodeVersion = p.optionalScalar(f.val, fp)
		case "metadata":
			spec.Metadata = p.metadata(f.val, fp)
		case "deps":
			deps = &f // read once the key is known, which may come later
		case "checks":
			spec.Checks = p.checks(f.val, fp)
		case "freshness":
			spec.Freshness = p.freshness(f.val, fp)
		case "pipes":
			spec.Pipes = p.pipes(f.val, fp)
		default:
			p.unknownField(f, path, assetFields)
		}
	}
	if d.keyNode == nil {
		p.missing(n, path, "key", fields, assetFields)
	}
	if deps != nil {
		d.deps, d.depNodes = p.deps(deps.val, fieldPath(path, "deps"), spec.Key)
		spec.Deps = d.deps
	}
	return spec, d, true
}

// assetKey reads a key in string form (`raw/orders`) or as a list of parts.
func (p *parser) assetKey(n *yaml.Node, path string) plumbline.AssetKey {
	v := deref(n)
	var (
		key plumbline.AssetKey
		err error
	)
	switch {
	case v.Kind == yaml.ScalarNode && !isNull(v):
		key, err = plumbline.ParseAssetKey(v.Value)
	case v.Kind == yaml.SequenceNode:
		for i, item := range v.Content {
			part, ok := p.scalar(item, indexPath(path, i))
			if !ok {
				return nil
			}
			key = append(key, part)
		}
		err = key.Validate()
	default:
		p.errorf(n, path, "expected an asset key (a string like raw/orders, or a list of parts), got %s", describe(n))
		return nil
	}
	if err != nil {
		p.errorf(n, path, "%s", plumbline.ErrorMessage(err))
		return nil
	}
	return key
}

// deps reads the upstream keys of the asset self (nil if its key is bad), and the nodes
// they were written at.
func (p *parser) deps(n *yaml.Node, path string, self plumbline.AssetKey) ([]plumbline.AssetKey, []*yaml.Node) {
	var (
		keys  []plumbline.AssetKey
		nodes []*yaml.Node
		seen  = map[string]int{}
	)
	for i, item := range p.list(n, path, "a list of asset keys") {
		ip := indexPath(path, i)
		k := p.assetKey(item, ip)
		switch {
		case k == nil:
			continue
		case k.Equal(self):
			p.errorf(item, ip, "%q depends on itself", k.String())
			continue
		}
		if line, dup := seen[k.String()]; dup {
			p.errorf(item, ip, "%q is listed twice (first at line %d)", k.String(), line)
			continue
		}
		seen[k.String()] = item.Line
		keys = append(keys, k)
		nodes = append(nodes, item)
	}
	return keys, nodes
}

// metadata reads a mapping of metadata. Each value goes through JSON, keeping key order and
// the int/float distinction, so typed values ({raw_value: …, type: url}) work as on the wire.
func (p *parser) metadata(n *yaml.Node, path string) plumbline.Metadata {
	if isNull(deref(n)) {
		return nil
	}
	if !p.isMapping(n, path, "a mapping of metadata keys to values") {
		return nil
	}
	var md plumbline.Metadata
	for _, f := range p.fields(n, path) {
		fp := fieldPath(path, f.name)
		var b bytes.Buffer
		if !p.toJSON(&b, f.val, fp) {
			continue
		}
		e, err := plumbline.DecodeMetadataValue(f.name, b.Bytes())
		if err != nil {
			p.errorf(f.val, fp, "%s", plumbline.ErrorMessage(err))
			continue
		}
		md = append(md, e)
	}
	return md
}

// checks reads the check specs of an asset; names are unique per asset.
func (p *parser) checks(n *yaml.Node, path string) []plumbline.CheckSpec {
	var (
		out  []plumbline.CheckSpec
		seen = map[string]int{}
	)
	for i, item := range p.list(n, path, "a list of checks") {
		cp := indexPath(path, i)
		if !p.isMapping(item, cp, "a check: a mapping with a name") {
			continue
		}
		var (
			c        plumbline.CheckSpec
			nameNode *yaml.Node
			severity string
		)
		fields := p.fields(item, cp)
		for _, f := range fields {
			fp := fieldPath(cp, f.name)
			switch f.name {
			case "name":
				nameNode = f.val
				if s, ok := p.scalar(f.val, fp); ok {
					c.Name = s
					if s == "" {
						p.errorf(f.val, fp, "check name is empty")
					} else if !checkName.MatchString(s) {
						p.errorf(f.val, fp, "check name %q may hold only letters, digits and _", s)
					}
				}
			case "description":
				c.Description = p.optionalScalar(f.val, fp)
			case "blocking":
				c.Blocking = p.boolean(f.val, fp)
			case "severity":
				severity = p.optionalScalar(f.val, fp)
				if _, err := plumbline.NormalizeSeverity(severity); err != nil {
					p.errorf(f.val, fp, "%s", plumbline.ErrorMessage(err))
				}
			default:
				p.unknownField(f, cp, checkFields)
			}
		}
		c.Severity, _ = plumbline.NormalizeSeverity(severity)
		switch {
		case nameNode == nil:
			p.missing(item, cp, "name", fields, checkFields)
		case c.Name != "":
			if line, dup := seen[c.Name]; dup {
				p.errorf(nameNode, fieldPath(cp, "name"), "check %q is declared twice on this asset (first at line %d)", c.Name, line)
			} else {
				seen[c.Name] = nameNode.Line
			}
		}
		out = append(out, c)
	}
	return out
}

// freshness reads a freshness policy: max_lag, optionally as of the ticks of cron.
func (p *parser) freshness(n *yaml.Node, path string) *plumbline.FreshnessPolicy {
	if isNull(deref(n)) {
		return nil
	}
	if !p.isMapping(n, path, "a mapping with max_lag (and optionally cron)") {
		return nil
	}
	var (
		fp     plumbline.FreshnessPolicy
		hasLag bool
		fields = p.fields(n, path)
	)
	for _, f := range fields {
		fieldP := fieldPath(path, f.name)
		switch f.name {
		case "max_lag":
			hasLag = true
			d, ok := p.duration(f.val, fieldP)
			if ok && d <= 0 {
				p.errorf(f.val, fieldP, "max_lag must be more than 0")
			}
			fp.MaxLag = d
		case "cron":
			s, ok := p.scalar(f.val, fieldP)
			if !ok {
				continue
			}
			if err := validCron(s); err != nil {
				p.errorf(f.val, fieldP, "%q is not a cron schedule: %v", s, err)
			}
			fp.Cron = s
		default:
			p.unknownField(f, path, freshnessFields)
		}
	}
	if !hasLag {
		p.missing(n, path, "max_lag", fields, freshnessFields)
	}
	return &fp
}

// validCron checks a standard 5-field cron expression or a descriptor such as @daily,
// optionally after TZ=zone.
func validCron(spec string) (err error) {
	spec = strings.TrimSpace(spec)
	// cron v3.0.1 slices out of range on a time zone with no schedule after it.
	if (strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=")) && !strings.Contains(spec, " ") {
		return fmt.Errorf("a time zone must be followed by a schedule")
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	_, err = cron.ParseStandard(spec)
	return err
}

// duration reads a duration such as 30m, 24h or 7d.
func (p *parser) duration(n *yaml.Node, path string) (plumbline.Duration, bool) {
	s, ok := p.scalar(n, path)
	if !ok {
		return 0, false
	}
	d, err := plumbline.ParseDuration(s)
	if err != nil {
		p.errorf(n, path, "%s", plumbline.ErrorMessage(err))
		return 0, false
	}
	return d, true
}

// pipes reads how to launch an asset. A relative cwd is resolved against Options.BaseDir.
func (p *parser) pipes(n *yaml.Node, path string) *plumbline.PipesSpec {
	if isNull(deref(n)) {
		return nil
	}
	if !p.isMapping(n, path, "a mapping with a command") {
		return nil
	}
	var (
		ps     plumbline.PipesSpec
		hasCmd bool
		fields = p.fields(n, path)
	)
	for _, f := range fields {
		fp := fieldPath(path, f.name)
		switch f.name {
		case "command":
			hasCmd = true
			ps.Command = p.command(f.val, fp)
		case "cwd":
			ps.Cwd = p.optionalScalar(f.val, fp)
			if strings.ContainsRune(ps.Cwd, 0) {
				p.errorf(f.val, fp, "cwd contains a NUL character")
			}
		case "env":
			ps.Env = p.stringMap(f.val, fp, func(k string) string {
				if !envName.MatchString(k) {
					return fmt.Sprintf("%q is not an environment variable name", k)
				}
				return ""
			})
			for k, v := range ps.Env {
				if strings.ContainsRune(v, 0) {
					p.errorf(f.val, fieldPath(fp, k), "value contains a NUL character")
				}
			}
		case "timeout":
			d, ok := p.duration(f.val, fp)
			if ok && d < 0 {
				p.errorf(f.val, fp, "timeout must not be negative")
			}
			ps.Timeout = d
		case "context":
			ps.Context = p.oneOf(f.val, fp, plumbline.PipesContextData, plumbline.PipesContextFile)
		case "messages":
			ps.Messages = p.oneOf(f.val, fp, plumbline.PipesMessagesFile, plumbline.PipesMessageStdout, plumbline.PipesMessageStderr)
		case "implicit_materialization":
			b := p.boolean(f.val, fp)
			ps.ImplicitMaterialization = &b
		default:
			p.unknownField(f, path, pipesFields)
		}
	}
	if !hasCmd {
		p.missing(n, path, "command", fields, pipesFields)
	}
	if p.opts.BaseDir != "" && !filepath.IsAbs(ps.Cwd) {
		dir, err := filepath.Abs(filepath.Join(p.opts.BaseDir, ps.Cwd))
		if err != nil {
			p.errorf(n, path, "cannot resolve cwd %q: %v", ps.Cwd, err)
		}
		ps.Cwd = dir
	}
	return &ps
}

// oneOf reads a scalar that must be one of choices.
func (p *parser) oneOf(n *yaml.Node, path string, choices ...string) string {
	s, ok := p.scalar(n, path)
	if !ok {
		return ""
	}
	for _, c := range choices {
		if s == c {
			return s
		}
	}
	p.errorf(n, path, "%q is not one of %s", s, strings.Join(choices, ", "))
	return ""
}

// command reads a command: a list of program and arguments, or a string run by sh -c.
func (p *parser) command(n *yaml.Node, path string) []string {
	v := deref(n)
	var cmd []string
	switch {
	case v.Kind == yaml.ScalarNode && !isNull(v):
		cmd = []string{"sh", "-c", v.Value}
		if strings.TrimSpace(v.Value) == "" {
			p.errorf(n, path, "command is empty")
			return nil
		}
	case v.Kind == yaml.SequenceNode:
		for i, item := range v.Content {
			s, ok := p.scalar(item, indexPath(path, i))
			if !ok {
				return nil
			}
			cmd = append(cmd, s)
		}
		if len(cmd) == 0 || cmd[0] == "" {
			p.errorf(n, path, "command is empty: give the program to run first")
			return nil
		}
	default:
		p.errorf(n, path, "expected a command (a list of strings, or a string run with sh -c), got %s", describe(n))
		return nil
	}
	if slices.ContainsFunc(cmd, func(s string) bool { return strings.ContainsRune(s, 0) }) {
		p.errorf(n, path, "command contains a NUL character")
	}
	return cmd
}

// checkGraph checks that no two assets have the same key and that the deps among declared
// assets have no cycle. Deps on assets not declared here (external sources) are fine.
func (p *parser) checkGraph(decls []declared) {
	index := map[string]int{} // key → first declaring asset
	for i, d := range decls {
		if d.key == nil {
			continue
		}
		if first, dup := index[d.key.String()]; dup {
			p.errorf(d.keyNode, fieldPath(d.path, "key"), "asset %q is declared twice (first at line %d)",
				d.key.String(), decls[first].keyNode.Line)
			continue
		}
		index[d.key.String()] = i
	}
	// edges[i] are the declared assets i depends on, with the dep's position in d.deps.
	edges := make([][]edge, len(decls))
	for i, d := range decls {
		if d.key == nil || index[d.key.String()] != i {
			continue // a bad key, or a duplicate reported above
		}
		for n, dep := range d.deps {
			if j, ok := index[dep.String()]; ok {
				edges[i] = append(edges[i], edge{to: j, dep: n})
			}
		}
	}
	for _, scc := range stronglyConnected(edges) {
		if len(scc) > 1 {
			p.reportCycle(decls, edges, scc)
		}
	}
}

type edge struct{ to, dep int }

// reportCycle names the shortest cycle through the first-declared asset of scc, a strongly
// connected set of assets, at the dep of that asset which starts it.
func (p *parser) reportCycle(decls []declared, edges [][]edge, scc []int) {
	in := map[int]bool{}
	for _, v := range scc {
		in[v] = true
	}
	start := slices.Min(scc)
	type step struct{ from, dep int }
	reached := map[int]step{} // how the walk reached each asset: from which, by which dep
	queue := []int{start}
	last := -1 // the asset whose dep closes the cycle back to start
	for len(queue) > 0 && last < 0 {
		u := queue[0]
		queue = queue[1:]
		for _, e := range edges[u] {
			if !in[e.to] {
				continue
			}
			if e.to == start {
				last = u
				break
			}
			if _, seen := reached[e.to]; !seen {
				reached[e.to] = step{from: u, dep: e.dep}
				queue = append(queue, e.to)
			}
		}
	}
	if last < 0 {
		return // cannot happen: a strongly connected set has a cycle through each member
	}
	cycle := []int{start}
	for v := last; v != start; v = reached[v].from {
		cycle = append(cycle, v)
	}
	slices.Reverse(cycle[1:])
	names := make([]string, 0, len(cycle)+1)
	for _, v := range cycle {
		names = append(names, decls[v].key.String())
	}
	names = append(names, names[0])
	first := reached[cycle[1]].dep // the dep of start that the cycle leaves by
	d := decls[start]
	p.errorf(d.depNodes[first], indexPath(fieldPath(d.path, "deps"), first),
		"dependency cycle: %s", strings.Join(names, " -> "))
}

// stronglyConnected returns the strongly connected components of a graph (Tarjan).
func stronglyConnected(edges [][]edge) [][]int {
	var (
		index   = make([]int, len(edges))
		low     = make([]int, len(edges))
		onStack = make([]bool, len(edges))
		stack   []int
		next    = 1
		out     [][]int
		visit   func(v int)
	)
	visit = func(v int) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		onStack[v] = true
		for _, e := range edges[v] {
			switch {
			case index[e.to] == 0:
				visit(e.to)
				low[v] = min(low[v], low[e.to])
			case onStack[e.to]:
				low[v] = min(low[v], index[e.to])
			}
		}
		if low[v] == index[v] {
			var scc []int
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				scc = append(scc, w)
				if w == v {
					break
				}
			}
			out = append(out, scc)
		}
	}
	for v := range edges {
		if index[v] == 0 {
			visit(v)
		}
	}
	return out
}
