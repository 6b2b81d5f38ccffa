package plumbline

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// AssetSpec declares an asset: what it is, who owns it, what it depends on, how it is
// checked and how fresh it should be. An asset with a Pipes command is launchable; one
// without is external (reported on, never launched here).
type AssetSpec struct {
	Key         AssetKey          `json:"key"`
	Description string            `json:"description,omitempty"`
	Metadata    Metadata          `json:"metadata,omitempty"`
	Owners      []string          `json:"owners,omitempty"`
	Group       string            `json:"group,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	Kinds       []string          `json:"kinds,omitempty"`
	CodeVersion string            `json:"code_version,omitempty"`
	Deps        []AssetKey        `json:"deps,omitempty"`
	Checks      []CheckSpec       `json:"checks,omitempty"`
	Freshness   *FreshnessPolicy  `json:"freshness,omitempty"`
	Pipes       *PipesSpec        `json:"pipes,omitempty"`
}

// CheckSpec declares a data-quality check on an asset.
type CheckSpec struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Blocking    bool   `json:"blocking,omitempty"`
	Severity    string `json:"severity,omitempty"` // WARN or ERROR: the severity a failure is expected to have
}

// FreshnessPolicy says an asset should have a materialization no older than MaxLag,
// optionally measured as of the latest tick of Cron.
type FreshnessPolicy struct {
	MaxLag Duration `json:"max_lag"`
	Cron   string   `json:"cron,omitempty"`
}

// PipesSpec is how to launch an asset's external code.
type PipesSpec struct {
	Command []string          `json:"command"`
	Cwd     string            `json:"cwd,omitempty"`
	Env     map[string]string `json:"env,omitempty"`
	Timeout Duration          `json:"timeout,omitempty"`
	// Context is how the Pipes context reaches the program: "data" (inline in the
	// environment, the default) or "file".
	Context string `json:"context,omitempty"`
	// Messages is where the program writes Pipes messages: "file" (a JSON Lines file,
	// the default), "stdout" or "stderr".
	Messages string `json:"messages,omitempty"`
	// ImplicitMaterialization, when false, stops a successful run from recording a
	// materialization of this asset when the program did not report one.
	ImplicitMaterialization *bool `json:"implicit_materialization,omitempty"`
}

// Pipes context and message channels.
const (
	PipesContextData   = "data"
	PipesContextFile   = "file"
	PipesMessagesFile  = "file"
	PipesMessageStdout = "stdout"
	PipesMessageStderr = "stderr"
)

// Definitions is the declarative content of a definitions file.
type Definitions struct {
	Assets []AssetSpec `json:"assets"`
}

// Duration is a time.Duration written as "24h" or "90m" in files and JSON.
type Duration time.Duration

// ParseDuration reads a Go duration ("1h30m") or a whole or decimal number of days ("7d",
// "1.5d"). Returns EINVALID for anything else, a negative duration, or one over 100 years.
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	bad := Errorf(EINVALID, "%q is not a duration like 30m, 24h or 7d", s)
	if n, ok := strings.CutSuffix(s, "d"); ok && n != "" && strings.Trim(n, "0123456789.") == "" {
		days, err := strconv.ParseFloat(n, 64)
		if err != nil || days > maxDays {
			return 0, bad
		}
		return Duration(days * float64(24*time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || d > maxDays*24*time.Hour {
		return 0, bad
	}
	return Duration(d), nil
}

const maxDays = 100 * 366

func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a duration string or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var n int64
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		if n < 0 {
			return Errorf(EINVALID, "duration %d is negative", n)
		}
		*d = Duration(n)
		return nil
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ValidOwner reports whether s is an owner Dagster accepts: an email address
// (name@domain.tld) or "team:name".
func ValidOwner(s string) bool {
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return false
	}
	if name, ok := strings.CutPrefix(s, "team:"); ok {
		return name != "" && !strings.Contains(name, ":")
	}
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && !strings.Contains(domain, "@") &&
		strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// Launchable reports whether the asset has a command Plumbline can launch.
func (s *AssetSpec) Launchable() bool { return s != nil && s.Pipes != nil && len(s.Pipes.Command) > 0 }
