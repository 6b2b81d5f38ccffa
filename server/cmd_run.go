package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/client"
)

func newRunCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Launch, follow and cancel runs of launchable assets",
	}
	cmd.AddCommand(newRunLaunchCmd(), newRunLogsCmd(), newRunCancelCmd(), newRunListCmd())
	return cmd
}

// errRunFailed makes the command exit non-zero after it printed why the run failed.
type errRunFailed struct{ run *client.RunInfo }

func (e errRunFailed) Error() string {
	return fmt.Sprintf("run %s ended %s: %s", e.run.ID, e.run.Status, e.run.Message)
}

func newRunLaunchCmd() *cobra.Command {
	var (
		partition string
		tags      []string
		follow    bool
	)
	cmd := &cobra.Command{
		Use:   "launch KEY...",
		Short: "Queue a run of launchable assets (they must share one pipes command)",
		Example: `  plumbline run launch marts/fct_orders
  plumbline run launch marts/fct_revenue_daily --partition 2026-11-20 --follow`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var keys []plumbline.AssetKey
			for _, a := range args {
				k, err := plumbline.ParseAssetKey(a)
				if err != nil {
					return fmt.Errorf("%q: %s", a, plumbline.ErrorMessage(err))
				}
				keys = append(keys, k)
			}
			l := client.Launch{Partition: partition}
			for _, t := range tags {
				k, v, ok := strings.Cut(t, "=")
				if !ok || k == "" {
					return fmt.Errorf("--tag %q: expected key=value", t)
				}
				if l.Tags == nil {
					l.Tags = map[string]string{}
				}
				l.Tags[k] = v
			}
			c, err := newClient(cmd)
			if err != nil {
				return err
			}
			ctx, stop := commandContext(cmd)
			defer stop()
			run, err := c.LaunchRun(ctx, keys, l)
			if err != nil {
				return clientError(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "queued run %s of %s\n", run.ID, joinKeys(run.AssetKeys))
			if !follow {
				return nil
			}
			return followRun(ctx, c, cmd.OutOrStdout(), run.ID, true)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&partition, "partition", "p", "", "the partition to materialize")
	f.StringArrayVar(&tags, "tag", nil, "a tag of the run, key=value (repeatable)")
	f.BoolVarP(&follow, "follow", "f", false, "print the run's log until it ends; exit non-zero unless it succeeds")
	return cmd
}

func newRunLogsCmd() *cobra.Command {
	var (
		follow bool
		output bool
	)
	cmd := &cobra.Command{
		Use:   "logs RUN_ID",
		Short: "Print a run's log: its events, and with --output what it printed",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := newClient(cmd)
			if err != nil {
				return err
			}
			ctx, stop := commandContext(cmd)
			defer stop()
			if follow {
				return followRun(ctx, c, cmd.OutOrStdout(), args[0], output)
			}
			l, err := c.RunLogs(ctx, args[0], "", 0, 0)
			if err != nil {
				return clientError(err)
			}
			for _, e := range l.Events {
				printEvent(cmd.OutOrStdout(), e)
			}
			if output {
				printOutput(cmd.OutOrStdout(), l.Stdout, l.Stderr)
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing until the run ends; exit non-zero unless it succeeds")
	cmd.Flags().BoolVar(&output, "output", false, "also print the run's captured stdout and stderr")
	return cmd
}

func newRunCancelCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "cancel RUN_ID",
		Short: "Cancel a queued run, or stop a running one (SIGTERM, then SIGKILL)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := newClient(cmd)
			if err != nil {
				return err
			}
			ctx, stop := commandContext(cmd)
			defer stop()
			run, err := c.CancelRun(ctx, args[0])
			if err != nil {
				return clientError(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "run %s is %s\n", run.ID, run.Status)
			return nil
		},
	}
}

func newRunListCmd() *cobra.Command {
	var (
		statuses []string
		asset    string
		limit    int
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List runs, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			filter := map[string]any{}
			if len(statuses) > 0 {
				filter["statuses"] = statuses
			}
			if asset != "" {
				k, err := plumbline.ParseAssetKey(asset)
				if err != nil {
					return fmt.Errorf("--asset: %s", plumbline.ErrorMessage(err))
				}
				filter["assetKey"] = map[string]any{"path": []string(k)}
			}
			c, err := newClient(cmd)
			if err != nil {
				return err
			}
			ctx, stop := commandContext(cmd)
			defer stop()
			var out struct {
				Runs struct {
					Nodes []struct {
						ID, Status string
						AssetKeys  []struct{ String string }
						Partition  *string
						CreatedAt  string
						Message    *string
					}
				}
			}
			err = c.Query(ctx, `query($f: RunFilter, $n: Int) { runs(filter: $f, first: $n) { nodes {
				id status assetKeys { string } partition createdAt message } } }`, map[string]any{"f": filter, "n": limit}, &out)
			if err != nil {
				return clientError(err)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "RUN\tSTATUS\tASSETS\tPARTITION\tCREATED\tMESSAGE")
			for _, r := range out.Runs.Nodes {
				var keys []string
				for _, k := range r.AssetKeys {
					keys = append(keys, k.String)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Status, strings.Join(keys, ","), cell(str(r.Partition)),
					formatTime(r.CreatedAt), cell(str(r.Message)))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringArrayVar(&statuses, "status", nil, "only runs in this status (repeatable)")
	cmd.Flags().StringVar(&asset, "asset", "", "only runs of this asset")
	cmd.Flags().IntVarP(&limit, "limit", "n", 20, "how many runs to list")
	return cmd
}

func joinKeys(keys []plumbline.AssetKey) string {
	s := make([]string, len(keys))
	for i, k := range keys {
		s[i] = k.String()
	}
	return strings.Join(s, ", ")
}

func printEvent(w io.Writer, e plumbline.Event) {
	ts := e.Timestamp.Local().Format("15:04:05.000")
	switch {
	case e.Type == plumbline.Log:
		fmt.Fprintf(w, "%s %-8s %s\n", ts, e.Level, e.Message)
	case e.Type == plumbline.AssetCheckEvaluation:
		verdict := "failed"
		if e.Passed != nil && *e.Passed {
			verdict = "passed"
		}
		fmt.Fprintf(w, "%s %-8s check %s on %s %s\n", ts, "CHECK", e.CheckName, e.AssetKey, verdict)
	case e.AssetKey != nil:
		fmt.Fprintf(w, "%s %-8s %s %s\n", ts, "ASSET", strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(string(e.Type), "ASSET_"), "_", " ")), e.AssetKey)
	default:
		fmt.Fprintf(w, "%s %-8s %s\n", ts, strings.TrimPrefix(string(e.Type), "RUN_"), e.Message)
	}
}

func printOutput(w io.Writer, stdout, stderr string) {
	for _, s := range []struct{ name, text string }{{"stdout", stdout}, {"stderr", stderr}} {
		for _, line := range strings.SplitAfter(s.text, "\n") {
			if line != "" {
				fmt.Fprintf(w, "[%s] %s", s.name, line)
				if !strings.HasSuffix(line, "\n") {
					fmt.Fprintln(w)
				}
			}
		}
	}
}

// followRun prints a run's log as it is written, through the runLogs subscription, until
// the run ends; with output, it also tails the run's stdout and stderr. It returns an
// error unless the run succeeded. A dropped connection is resumed from the last event
// printed.
func followRun(ctx context.Context, c *client.Client, w io.Writer, id string, output bool) error {
	var mu sync.Mutex
	print := func(f func()) {
		mu.Lock()
		defer mu.Unlock()
		f()
	}
	stopOutput := func() {}
	var outOff, errOff int
	tail := func() {
		l, err := c.RunLogs(ctx, id, "", outOff, errOff)
		if err != nil || l == nil {
			return
		}
		print(func() { printOutput(w, l.Stdout, l.Stderr) })
		outOff, errOff = outOff+len(l.Stdout), errOff+len(l.Stderr)
	}
	if output {
		tctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-tctx.Done():
					return
				case <-time.After(500 * time.Millisecond):
					tail()
				}
			}
		}()
		stopOutput = func() { cancel(); <-done; tail() }
	}
	err := subscribeResuming(ctx, c, `subscription RunLogs($id: ID!, $after: ID) {
  runLogs(runId: $id, after: $after) { storageId type timestamp level message assetKey { path } checkName passed } }`,
		map[string]any{"id": id}, "runLogs", func(e plumbline.Event) { print(func() { printEvent(w, e) }) })
	stopOutput()
	if err != nil {
		return clientError(err)
	}
	run, err := c.Run(ctx, id)
	if err != nil {
		return clientError(err)
	}
	if run.Status != plumbline.StatusSuccess {
		return errRunFailed{run}
	}
	return nil
}

// subscribeResuming runs a subscription whose results are events under field, calling fn
// with each, and subscribes again after the last event seen when the server cut it off
// for falling behind or the connection dropped (a server restart, say).
func subscribeResuming(ctx context.Context, c *client.Client, query string, vars map[string]any, field string, fn func(plumbline.Event)) error {
	backoff := 250 * time.Millisecond
	for {
		err := c.Subscribe(ctx, query, vars, func(data json.RawMessage) error {
			var d map[string]*eventJSON
			if err := json.Unmarshal(data, &d); err != nil {
				return err
			}
			e := d[field]
			if e == nil {
				return nil
			}
			vars["after"] = e.StorageID
			fn(e.event())
			backoff = 250 * time.Millisecond
			return nil
		})
		if err == nil || ctx.Err() != nil {
			return err
		}
		if after, ok := client.IsResumable(err); ok {
			vars["after"] = after
			continue
		}
		var te *client.TransportError
		if !errors.As(err, &te) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// eventJSON is an event as the subscriptions of the CLI ask for it.
type eventJSON struct {
	StorageID string    `json:"storageId"`
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Level     *string   `json:"level"`
	Message   *string   `json:"message"`
	AssetKey  *struct {
		Path []string `json:"path"`
	} `json:"assetKey"`
	Partition *string `json:"partition"`
	CheckName *string `json:"checkName"`
	Passed    *bool   `json:"passed"`
}

func (j *eventJSON) event() plumbline.Event {
	id, _ := strconv.ParseInt(j.StorageID, 10, 64)
	e := plumbline.Event{StorageID: id, Type: plumbline.EventType(j.Type), Timestamp: j.Timestamp, Passed: j.Passed,
		Level: str(j.Level), Message: str(j.Message), CheckName: str(j.CheckName), Partition: str(j.Partition)}
	if j.AssetKey != nil {
		e.AssetKey = plumbline.AssetKey(j.AssetKey.Path)
	}
	return e
}
