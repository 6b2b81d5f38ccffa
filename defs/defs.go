// Package defs reads definitions files (plumbline.yaml): the asset specs a platform team
// keeps in Git, in the format of DESIGN.md §2.6.
//
// Every problem is reported with the file, line, column and field path that hold it, e.g.
//
//	plumbline.yaml:12:7: assets[3].deps[1]: asset key "raw//orders" has an empty part at position 2
//
// and all problems of a document are reported together, sorted by position.
package defs

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/plumbline/plumbline"
)

// maxErrors is how many problems one error reports; the rest are counted.
const maxErrors = 20

// Options change how a document is read.
type Options struct {
	// BaseDir is the directory relative paths are resolved against: the directory of the
	// definitions file. When set, pipes.cwd becomes an absolute, cleaned path (an absent cwd
	// becomes BaseDir itself). When empty, cwd is kept as written.
	BaseDir string
}

// Load reads and parses a definitions file, resolving relative paths against its directory.
// Returns EINVALID if the file is not valid definitions, and the error of the file system
// if it cannot be read.
func Load(path string) (*plumbline.Definitions, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read definitions: %w", err)
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("read definitions: %w", err)
	}
	return Parse(path, data, Options{BaseDir: dir})
}

// Parse reads a definitions document. name is used in error messages: a file name, or
// "definitions" for text sent over the API ("" means "definitions"). An empty document
// declares no assets. Returns one EINVALID *plumbline.Error listing every problem found
// (up to 20), one per line, as "name:line:column: field.path: message".
func Parse(name string, data []byte, opts Options) (*plumbline.Definitions, error) {
	if name == "" {
		name = "definitions"
	}
	p := &parser{name: name, opts: opts}
	root, err := p.document(data)
	if err != nil {
		return nil, err
	}
	defs := &plumbline.Definitions{Assets: []plumbline.AssetSpec{}}
	if root != nil {
		p.definitions(root, defs)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return defs, nil
}

// parser walks one document, collecting problems instead of stopping at the first.
type parser struct {
	name     string
	opts     Options
	problems []problem
}

// problem is one error at a position; line 0 means the whole document.
type problem struct {
	line, col int
	msg       string
}

// errorf records a problem at node n (the position it was written at, before any alias is
// followed) in the field at path ("" for the top level).
func (p *parser) errorf(n *yaml.Node, path, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if path != "" {
		msg = path + ": " + msg
	}
	var line, col int
	if n != nil {
		line, col = n.Line, n.Column
	}
	p.problems = append(p.problems, problem{line: line, col: col, msg: msg})
}

// err returns the problems found, sorted by position, as one EINVALID error.
func (p *parser) err() error {
	if len(p.problems) == 0 {
		return nil
	}
	slices.SortStableFunc(p.problems, func(a, b problem) int {
		return cmp.Or(cmp.Compare(a.line, b.line), cmp.Compare(a.col, b.col))
	})
	var b strings.Builder
	for i, pr := range p.problems {
		if i == maxErrors {
			fmt.Fprintf(&b, "\n%s: %d more errors not shown", p.name, len(p.problems)-maxErrors)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		switch {
		case pr.line > 0:
			fmt.Fprintf(&b, "%s:%d:%d: %s", p.name, pr.line, pr.col, pr.msg)
		default:
			fmt.Fprintf(&b, "%s: %s", p.name, pr.msg)
		}
	}
	return &plumbline.Error{Code: plumbline.EINVALID, Message: b.String()}
}

// document decodes the YAML of data and returns its root node, or nil for an empty
// document. A syntax error, a second document or runaway aliases end parsing at once.
func (p *parser) document(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := decodeNode(dec, &doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, p.syntaxError(err)
	}
	for { // only empty documents may follow (a trailing "---")
		var next yaml.Node
		err := decodeNode(dec, &next)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, p.syntaxError(err)
		}
		if len(next.Content) == 1 && !isNull(deref(next.Content[0])) {
			p.errorf(next.Content[0], "", "a definitions file holds one YAML document; this is a second one")
			return nil, p.err()
		}
	}
	if msg, at := checkAliases(&doc); msg != "" {
		p.errorf(at, "", "%s", msg)
		return nil, p.err()
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, nil
	}
	root := doc.Content[0]
	if isNull(deref(root)) {
		return nil, nil
	}
	return root, nil
}

// decodeNode decodes the next document of dec. The YAML library reports bad input as
// errors; the recover turns any panic it might still raise on hostile input into one too.
func decodeNode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: %v", r)
		}
	}()
	return dec.Decode(n)
}

var yamlErrorLine = regexp.MustCompile(`(?s)^yaml: line (\d+): (.*)$`)

// syntaxError turns an error of the YAML library into an EINVALID error with the position.
func (p *parser) syntaxError(err error) error {
	msg := err.Error()
	if m := yamlErrorLine.FindStringSubmatch(msg); m != nil {
		return plumbline.Errorf(plumbline.EINVALID, "%s:%s: not valid YAML: %s", p.name, m[1], m[2])
	}
	return plumbline.Errorf(plumbline.EINVALID, "%s: not valid YAML: %s", p.name, strings.TrimPrefix(msg, "yaml: "))
}

// topFields are the fields of the top-level mapping.
var topFields = []string{"assets"}

// definitions reads the top-level mapping.
func (p *parser) definitions(root *yaml.Node, defs *plumbline.Definitions) {
	if !p.isMapping(root, "", "a mapping with an assets list") {
		return
	}
	for _, f := range p.fields(root, "") {
		switch f.name {
		case "assets":
			defs.Assets = p.assets(f.val, "assets")
		default:
			p.unknownField(f, "", topFields)
		}
	}
}
