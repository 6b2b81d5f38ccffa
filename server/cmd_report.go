package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"os/user"
	"regexp"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/client"
)

// cliUserAgent is the User-Agent of the command line's requests.
const cliUserAgent = "plumbline-cli"

// newClient returns a client of the server named by the global --url and --token (or
// PLUMBLINE_URL and PLUMBLINE_TOKEN).
func newClient(cmd *cobra.Command) (*client.Client, error) {
	url, err := cmd.Flags().GetString("url")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(url) == "" {
		return nil, errors.New("--url is empty: give the address of the Plumbline server, e.g. http://localhost:3000")
	}
	token, err := cmd.Flags().GetString("token")
	if err != nil {
		return nil, err
	}
	return client.New(url, client.WithToken(token), client.WithUserAgent(cliUserAgent), client.WithUser(cliUser())), nil
}

// cliUser names who runs the command, as user@host, for the server to attribute runs to.
func cliUser() string {
	who := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		who = u.Username
	}
	if host, err := os.Hostname(); err == nil && host != "" {
		who += "@" + host
	}
	return who
}

// commandContext is the command's context, cancelled by Ctrl-C.
func commandContext(cmd *cobra.Command) (context.Context, context.CancelFunc) {
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	return signal.NotifyContext(ctx, os.Interrupt)
}

// clientError words an error of the client for the command line: the server's message as
// it is, or, when the server could not be reached, the request that failed and where to
// set the server's address.
func clientError(err error) error {
	var te *client.TransportError
	if !errors.As(err, &te) {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return errors.New("interrupted")
	}
	return fmt.Errorf("%s %s: %v\n(is the Plumbline server running there? Give its address with --url or PLUMBLINE_URL)", te.Method, te.URL, te.Err)
}

// keyArg is the Args of a command that takes one asset key.
func keyArg(cmd *cobra.Command, args []string) error {
	switch len(args) {
	case 1:
		return nil
	case 0:
		return fmt.Errorf("give the asset key, e.g. %s warehouse/orders", cmd.CommandPath())
	}
	return fmt.Errorf("give one asset key, not %d (a key's parts are separated by \"/\": warehouse/orders)", len(args))
}

func newReportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Report a materialization, an observation or a check result to the server",
		Long: `Report what happened to an asset, through the server's Dagster-compatible REST endpoints.

The asset key is given in its string form: parts separated by "/" (warehouse/orders), a
"/" inside a part written as \/. The server is the one --url (PLUMBLINE_URL) names.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(
		newReportAssetCmd("materialization", "Report that an asset was built",
			(*client.Client).ReportMaterialization),
		newReportAssetCmd("observation", "Report what was seen of an asset without building it (e.g. a source's row count)",
			(*client.Client).ReportObservation),
		newReportCheckCmd(),
	)
	return cmd
}

// metadataFlags are the flags that give metadata.
type metadataFlags struct {
	pairs []string
	json  string
}

// metadataHelp is the --metadata flag's help; metadataLong says more, in commands' Long.
const metadataHelp = `metadata entry key=value (repeatable): 42 is an int, 0.5 or 1e6 a float, ` +
	`true or false a bool, anything else text; key:type=value sets the type (n:int=5, dashboard:url=https://…)`

const metadataLong = `Metadata: --metadata key=value infers the type of the value: a whole number (42, -7) is
an int, a number with a decimal point or an exponent (0.5, 1e6) a float, true or false a
bool, and anything else (hello, 007, an empty value) text. --metadata key:type=value gives
the type instead: dashboard:url=https://…, n:int=5, ratio:float=1,
at:timestamp=2026-01-02T03:04:05Z, schema:json='{"a": 1}'. The types are text, url, path,
json, md, int, float, bool, timestamp, asset, run, table, table_schema,
table_column_lineage, null and notebook. --metadata-json takes a JSON object of key to
value, each a plain JSON value (its type inferred) or {"raw_value": V, "type": T}; keys
holding ":" or "=" go there.`

func (m *metadataFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVarP(&m.pairs, "metadata", "m", nil, metadataHelp)
	cmd.Flags().StringVar(&m.json, "metadata-json", "",
		`metadata as a JSON object of key to value: plain JSON (type inferred) or {"raw_value": V, "type": T}`)
}

// metadata returns the entries of --metadata-json, then those of each --metadata.
// Returns an error naming the flag for a malformed entry or a key given twice.
func (m *metadataFlags) metadata() (plumbline.Metadata, error) {
	var md plumbline.Metadata
	if strings.TrimSpace(m.json) != "" {
		var err error
		if md, err = plumbline.DecodeMetadata([]byte(m.json)); err != nil {
			return nil, fmt.Errorf("--metadata-json: %s", plumbline.ErrorMessage(err))
		}
	}
	for _, pair := range m.pairs {
		e, err := parseMetadataFlag(pair)
		if err != nil {
			return nil, fmt.Errorf("--metadata %q: %s", pair, err)
		}
		if _, dup := md.Get(e.Key); dup {
			return nil, fmt.Errorf("--metadata %q: %q is already given", pair, e.Key)
		}
		md = append(md, e)
	}
	return md, nil
}

var (
	jsonInteger = regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`)
	jsonFloat   = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)
)

// parseMetadataFlag reads one --metadata value: key=value with the type inferred, or
// key:type=value.
func parseMetadataFlag(s string) (plumbline.MetadataEntry, error) {
	name, value, ok := strings.Cut(s, "=")
	if !ok {
		return plumbline.MetadataEntry{}, errors.New("expected key=value (or key:type=value)")
	}
	name = strings.TrimSpace(name)
	key, typ, typed := name, "", false
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		key, typ, typed = strings.TrimSpace(name[:i]), strings.TrimSpace(name[i+1:]), true
	}
	if key == "" {
		return plumbline.MetadataEntry{}, errors.New("the key is empty")
	}
	if !typed {
		return plumbline.MetadataEntry{Key: key, Type: inferType(value), Value: inferredValue(value)}, nil
	}
	if typ == "" {
		return plumbline.MetadataEntry{}, fmt.Errorf("no type after %q: want key:type=value, with a type among %s",
			key+":", strings.Join(plumbline.MetadataTypes, ", "))
	}
	e, err := plumbline.NewMetadataEntry(key, typ, typedValue(typ, value))
	if err != nil {
		return plumbline.MetadataEntry{}, errors.New(plumbline.ErrorMessage(err))
	}
	return e, nil
}

// inferType is the type of a --metadata value without one.
func inferType(v string) string {
	switch {
	case v == "true" || v == "false":
		return plumbline.MetaBool
	case jsonInteger.MatchString(v):
		if _, err := strconv.ParseInt(v, 10, 64); err == nil {
			return plumbline.MetaInt
		}
	case jsonFloat.MatchString(v):
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			return plumbline.MetaFloat
		}
	}
	return plumbline.MetaText
}

func inferredValue(v string) json.RawMessage {
	if inferType(v) == plumbline.MetaText {
		return jsonText(v)
	}
	return json.RawMessage(v)
}

// typedValue is the JSON of a --metadata value of an explicit type: the text itself for
// the types that hold text, else the value as JSON when it is JSON (a string when not,
// so that the type's own check says what it needs).
func typedValue(typ, v string) json.RawMessage {
	switch strings.ToLower(typ) {
	case plumbline.MetaText, plumbline.MetaURL, plumbline.MetaPath, plumbline.MetaMarkdown, "markdown",
		plumbline.MetaNotebook, plumbline.MetaRun, "dagster_run", plumbline.MetaAsset:
		return jsonText(v)
	case plumbline.MetaNull:
		if strings.TrimSpace(v) == "" {
			return json.RawMessage("null")
		}
	case plumbline.MetaTimestamp:
		if !jsonFloat.MatchString(v) {
			return jsonText(v)
		}
	}
	if json.Valid([]byte(v)) {
		return json.RawMessage(v)
	}
	return jsonText(v)
}

func jsonText(s string) json.RawMessage {
	b, _ := json.Marshal(s) // a string always encodes
	return b
}

// reportFunc is a client method that reports a materialization or an observation.
type reportFunc func(*client.Client, context.Context, plumbline.AssetKey, client.Report) (int64, error)

func newReportAssetCmd(kind, short string, report reportFunc) *cobra.Command {
	var (
		r  client.Report
		md metadataFlags
	)
	cmd := &cobra.Command{
		Use:   kind + " KEY",
		Short: short,
		Long:  short + ".\n\nKEY is the asset key in its string form: parts separated by \"/\", a \"/\" inside a part\nwritten as \\/.\n\n" + metadataLong,
		Example: `  plumbline report ` + kind + ` warehouse/orders --data-version v42 -m rows=1200 -m dashboard:url=https://bi.example.com/orders
  plumbline report ` + kind + ` raw/events --partition 2026-11-21 --metadata-json '{"bytes": 1048576}'`,
		Args: keyArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			key, err := plumbline.ParseAssetKey(args[0])
			if err != nil {
				return err
			}
			if r.Metadata, err = md.metadata(); err != nil {
				return err
			}
			c, err := newClient(cmd)
			if err != nil {
				return err
			}
			ctx, stop := commandContext(cmd)
			defer stop()
			id, err := report(c, ctx, key, r)
			if err != nil {
				return clientError(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "reported %s of %s%s\n", kind, key, storageIDSuffix(id))
			return nil
		},
	}
	f := cmd.Flags()
	md.register(cmd)
	f.StringVar(&r.DataVersion, "data-version", "", "data version of the asset (an opaque string, used for staleness)")
	f.StringVar(&r.Partition, "partition", "", "partition key")
	f.StringVar(&r.Description, "description", "", "description of the event")
	return cmd
}

func storageIDSuffix(id int64) string {
	if id == 0 {
		return "" // a server that does not say (dagster-webserver)
	}
	return fmt.Sprintf(": storage id %d", id)
}

func newReportCheckCmd() *cobra.Command {
	var (
		r              client.CheckResult
		md             metadataFlags
		passed, failed bool
	)
	cmd := &cobra.Command{
		Use:   "check KEY --check NAME (--passed | --failed)",
		Short: "Report the result of a data-quality check on an asset",
		Long: `Report the result of a data-quality check on an asset: whether it passed, and when it
failed how badly (--severity ERROR, the default, or WARN).

` + metadataLong,
		Example: `  plumbline report check warehouse/orders --check no_null_ids --passed -m null_ids=0
  plumbline report check warehouse/orders --check row_count_in_range --failed --severity WARN -m rows=12`,
		Args: keyArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			key, err := plumbline.ParseAssetKey(args[0])
			if err != nil {
				return err
			}
			if strings.TrimSpace(r.Name) == "" {
				return errors.New("--check is empty: give the check's name")
			}
			switch {
			case passed && failed:
				return errors.New("give one of --passed and --failed, not both")
			case !passed && !failed:
				return errors.New("give --passed or --failed")
			}
			r.Passed = passed
			if r.Severity, err = plumbline.NormalizeSeverity(r.Severity); err != nil {
				return fmt.Errorf("--severity: %s", plumbline.ErrorMessage(err))
			}
			if r.Metadata, err = md.metadata(); err != nil {
				return err
			}
			c, err := newClient(cmd)
			if err != nil {
				return err
			}
			ctx, stop := commandContext(cmd)
			defer stop()
			id, err := c.ReportCheck(ctx, key, r)
			if err != nil {
				return clientError(err)
			}
			outcome := "passed"
			if !r.Passed {
				outcome = "failed, " + r.Severity
			}
			fmt.Fprintf(cmd.OutOrStdout(), "reported check %s of %s (%s)%s\n", r.Name, key, outcome, storageIDSuffix(id))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&r.Name, "check", "", "name of the check (required)")
	f.BoolVar(&passed, "passed", false, "the check passed")
	f.BoolVar(&failed, "failed", false, "the check failed")
	f.StringVar(&r.Severity, "severity", plumbline.SeverityError, "how bad a failure is: WARN or ERROR")
	f.StringVar(&r.Partition, "partition", "", "partition key the check ran on")
	md.register(cmd)
	_ = cmd.MarkFlagRequired("check")
	return cmd
}
