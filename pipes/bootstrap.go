// Package pipes is the orchestrator side of the Dagster Pipes protocol: what Plumbline tells a
// program it launches, and how it understands what the program reports back. Programs written
// with the dagster-pipes Python package, or with the Go package dagsterpipes, run unchanged.
//
// A launch goes like this:
//
//	launch, err := pipes.Bootstrap(runDir, pipes.Context{RunID: id, AssetKeys: keys},
//		pipes.ContextFile, pipes.MessagesFile)
//	cmd.Env = append(os.Environ(), launch.Env...) // later entries win
//	// start cmd, then read launch.MessagesPath with TailFile (or the process's stdout or
//	// stderr with SplitStream for MessagesStdout and MessagesStderr), and for each line:
//	m, ok, err := pipes.ParseLine(line)
//	res, err := session.Handle(m) // events to append, output to capture
//	// when the process has exited: session.Opened(), session.Exception(), session.Reported()
//
// The package is pure protocol: it starts no process and touches no database.
package pipes

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/internal/fastjson"
)

// The environment variables a launched process reads, as dagster-pipes names them. Each holds
// a value encoded with EncodeParam.
const (
	// EnvContext holds where the context is: {"path": file} or {"data": {...}}.
	EnvContext = "DAGSTER_PIPES_CONTEXT"
	// EnvMessages holds where messages go: {"path": file} or {"stdio": "stdout"|"stderr"}.
	EnvMessages = "DAGSTER_PIPES_MESSAGES"
	// EnvIsPipedProcess holds the encoded value true. dagster-pipes releases before 1.6 read it
	// (decoded, not merely present) to tell whether they were launched by an orchestrator;
	// later ones look for EnvContext instead.
	EnvIsPipedProcess = "DAGSTER_PIPES_IS_DAGSTER_PIPED_PROCESS"
)

// Context is what the orchestrator tells the external process: dagster-pipes'
// PipesContextData.
type Context struct {
	RunID     string
	JobName   string
	AssetKeys []plumbline.AssetKey // the run's targets, in order
	// CodeVersions holds code versions by the string form of an asset key. Only targets'
	// versions are sent.
	CodeVersions map[string]string
	PartitionKey string
	// PartitionKeyRange is the first and last partition of a run over several partitions.
	// When it is nil and PartitionKey is set, the range is that one partition, as Dagster sends.
	PartitionKeyRange *[2]string
	RetryNumber       int
	Extras            map[string]any // any JSON values; sent as {} when empty
}

// ContextMode says how the context reaches the process.
type ContextMode int

// Context modes.
const (
	ContextFile ContextMode = iota // a JSON file in the launch directory: {"path": file}
	ContextData                    // inline in the environment variable: {"data": {...}}
)

// MessagesMode says where the process writes its messages.
type MessagesMode int

// Messages modes.
const (
	MessagesFile   MessagesMode = iota // a JSON Lines file in the launch directory: {"path": file}
	MessagesStdout                     // the process's stdout, mixed with its output: {"stdio": "stdout"}
	MessagesStderr                     // the process's stderr, mixed with its output: {"stdio": "stderr"}
)

func (m MessagesMode) String() string {
	switch m {
	case MessagesFile:
		return "file"
	case MessagesStdout:
		return "stdout"
	case MessagesStderr:
		return "stderr"
	}
	return fmt.Sprintf("MessagesMode(%d)", int(m))
}

// Launch is a prepared launch.
type Launch struct {
	// Env holds the variables to add to the process's environment, as "NAME=value". Append
	// them after the inherited environment: os/exec keeps the last value of a name.
	Env []string
	// ContextPath is the context file (ContextFile mode), or "".
	ContextPath string
	// MessagesPath is the messages file to follow with TailFile (MessagesFile mode), or "".
	MessagesPath string
	// Mode is where messages arrive.
	Mode MessagesMode
}

// File names Bootstrap uses in the launch directory.
const (
	ContextFileName  = "context.json"
	MessagesFileName = "messages.jsonl"
)

// maxEnvValue is the most bytes one "NAME=value" string may take on Linux (MAX_ARG_STRLEN,
// counting the terminating NUL); execve fails with E2BIG beyond it.
const maxEnvValue = 128 << 10

// Bootstrap prepares a launch in dir, which it creates if needed: it writes the context file
// (ContextFile), creates the empty messages file (MessagesFile; an existing one is emptied),
// and returns the environment variables that tell the process where both are, encoded as
// dagster-pipes decodes them. Paths are absolute, so the process may run in any directory.
//
// Returns EINVALID for a context without a run id, with a bad asset key or with extras that
// are not JSON, and ETOOLARGE when inline context (ContextData) would not fit in an
// environment variable.
func Bootstrap(dir string, c Context, cm ContextMode, mm MessagesMode) (*Launch, error) {
	data, err := contextData(c)
	if err != nil {
		return nil, err
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, fmt.Errorf("pipes bootstrap: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("pipes bootstrap: %w", err)
	}
	l := &Launch{Mode: mm}

	var contextParam any
	switch cm {
	case ContextFile:
		l.ContextPath = filepath.Join(dir, ContextFileName)
		if err := os.WriteFile(l.ContextPath, data, 0o600); err != nil {
			return nil, fmt.Errorf("pipes bootstrap: write context: %w", err)
		}
		contextParam = map[string]string{"path": l.ContextPath}
	case ContextData:
		contextParam = map[string]json.RawMessage{"data": data}
	default:
		return nil, plumbline.Errorf(plumbline.EINVALID, "unknown Pipes context mode %d", int(cm))
	}

	var messagesParam map[string]string
	switch mm {
	case MessagesFile:
		l.MessagesPath = filepath.Join(dir, MessagesFileName)
		if err := os.WriteFile(l.MessagesPath, nil, 0o600); err != nil {
			return nil, fmt.Errorf("pipes bootstrap: create messages file: %w", err)
		}
		messagesParam = map[string]string{"path": l.MessagesPath}
	case MessagesStdout, MessagesStderr:
		messagesParam = map[string]string{"stdio": mm.String()}
	default:
		return nil, plumbline.Errorf(plumbline.EINVALID, "unknown Pipes messages mode %d", int(mm))
	}

	for _, v := range []struct {
		name  string
		value any
	}{
		{EnvContext, contextParam},
		{EnvMessages, messagesParam},
		{EnvIsPipedProcess, true},
	} {
		enc, err := EncodeParam(v.value)
		if err != nil {
			return nil, err
		}
		if n := len(v.name) + 1 + len(enc) + 1; n > maxEnvValue {
			return nil, plumbline.Errorf(plumbline.ETOOLARGE,
				"Pipes context is %d bytes once encoded, over the %d an environment variable may hold; pass it in a file (ContextFile)",
				n, maxEnvValue)
		}
		l.Env = append(l.Env, v.name+"="+enc)
	}
	return l, nil
}

// wireContext is PipesContextData. Every key is always present; nil pointers, maps and
// slices are written as null.
type wireContext struct {
	AssetKeys             []string             `json:"asset_keys"`
	CodeVersionByAssetKey map[string]*string   `json:"code_version_by_asset_key"`
	ProvenanceByAssetKey  map[string]*struct{} `json:"provenance_by_asset_key"`
	PartitionKey          *string              `json:"partition_key"`
	PartitionKeyRange     *keyRange            `json:"partition_key_range"`
	PartitionTimeWindow   *keyRange            `json:"partition_time_window"`
	RunID                 string               `json:"run_id"`
	JobName               *string              `json:"job_name"`
	RetryNumber           int                  `json:"retry_number"`
	Extras                map[string]any       `json:"extras"`
}

type keyRange struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// contextData encodes the context as PipesContextData. Asset keys are written in their
// escaped string form (a "/" inside a part as `\/`, a backslash as `\\`), which dagster-pipes
// splits back into parts and which it compares, as strings, with the keys a program reports.
func contextData(c Context) ([]byte, error) {
	if c.RunID == "" {
		return nil, plumbline.Errorf(plumbline.EINVALID, "Pipes context has no run id")
	}
	w := wireContext{RunID: c.RunID, RetryNumber: c.RetryNumber, Extras: c.Extras}
	if w.Extras == nil {
		w.Extras = map[string]any{}
	}
	if c.JobName != "" {
		w.JobName = &c.JobName
	}
	if c.AssetKeys != nil {
		w.AssetKeys = make([]string, 0, len(c.AssetKeys))
		w.CodeVersionByAssetKey = make(map[string]*string, len(c.AssetKeys))
		w.ProvenanceByAssetKey = make(map[string]*struct{}, len(c.AssetKeys))
		for _, k := range c.AssetKeys {
			if err := k.Validate(); err != nil {
				return nil, err
			}
			s := k.String()
			w.AssetKeys = append(w.AssetKeys, s)
			w.CodeVersionByAssetKey[s] = nil
			if v, ok := c.CodeVersions[s]; ok {
				w.CodeVersionByAssetKey[s] = &v
			}
			w.ProvenanceByAssetKey[s] = nil
		}
	}
	if c.PartitionKey != "" {
		w.PartitionKey = &c.PartitionKey
		w.PartitionKeyRange = &keyRange{Start: c.PartitionKey, End: c.PartitionKey}
	}
	if r := c.PartitionKeyRange; r != nil {
		w.PartitionKeyRange = &keyRange{Start: r[0], End: r[1]}
	}
	data, err := marshal(w)
	if err != nil {
		return nil, plumbline.Errorf(plumbline.EINVALID, "Pipes context extras are not JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return data, nil
}

// marshal encodes v as compact JSON without escaping <, > and &, so text keeps the bytes
// it was written with.
var marshal = fastjson.MarshalNoEscape

// EncodeParam encodes a bootstrap parameter as dagster-pipes' encode_param does:
// base64(zlib(json(v))), with standard, padded base64.
func EncodeParam(v any) (string, error) {
	data, err := marshal(v)
	if err != nil {
		return "", plumbline.Errorf(plumbline.EINVALID, "Pipes parameter is not JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	zw.Write(data) // writes to a bytes.Buffer do not fail
	zw.Close()
	return base64.StdEncoding.EncodeToString(b.Bytes()), nil
}

// maxParamBytes bounds what DecodeParam decompresses.
const maxParamBytes = 64 << 20

// DecodeParam decodes a value written by EncodeParam or by dagster-pipes' encode_param into
// v, as json.Unmarshal does. Base64 may be padded or not. Returns EINVALID saying which layer
// is broken.
func DecodeParam(s string, v any) error {
	s = strings.TrimSpace(s)
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if raw, err = base64.RawStdEncoding.DecodeString(s); err != nil {
			return plumbline.Errorf(plumbline.EINVALID, "Pipes parameter is not base64: %v", err)
		}
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return plumbline.Errorf(plumbline.EINVALID, "Pipes parameter is not zlib-compressed: %v", err)
	}
	data, err := io.ReadAll(io.LimitReader(zr, maxParamBytes+1))
	if err != nil {
		return plumbline.Errorf(plumbline.EINVALID, "Pipes parameter is not zlib-compressed: %v", err)
	}
	if len(data) > maxParamBytes {
		return plumbline.Errorf(plumbline.ETOOLARGE, "Pipes parameter is over %d bytes once decompressed", maxParamBytes)
	}
	if err := json.Unmarshal(data, v); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return plumbline.Errorf(plumbline.EINVALID, "Pipes parameter is not JSON: %v", err)
		}
		return plumbline.Errorf(plumbline.EINVALID, "Pipes parameter: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}
