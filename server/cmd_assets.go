package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/client"
)

// assetsPage is how many assets one request of `plumbline assets` asks for.
const assetsPage = 1000

const assetsQuery = `query Assets($selection: String, $first: Int, $after: String) {
  assets(selection: $selection, first: $first, after: $after) {
    nodes {
      key { path string }
      declared
      definition { group }
      latestMaterialization { storageId timestamp }
      checkStatus
    }
    pageInfo { hasNextPage endCursor }
  }
}`

// assetRow is what `plumbline assets` reads of an asset.
type assetRow struct {
	Key        struct{ String string } `json:"key"`
	Declared   bool                    `json:"declared"`
	Definition *struct {
		Group *string `json:"group"`
	} `json:"definition"`
	LatestMaterialization *struct {
		Timestamp string `json:"timestamp"`
	} `json:"latestMaterialization"`
	CheckStatus string `json:"checkStatus"`
}

func newAssetsCmd() *cobra.Command {
	var (
		sel      string
		asJSON   bool
		pageSize = assetsPage
	)
	cmd := &cobra.Command{
		Use:   "assets",
		Short: "List assets: key, group, whether declared, last materialization, check status",
		Long: `List the server's assets in key order, optionally those of an asset selection (Dagster's
syntax: group:raw, key:"warehouse/*", owner:team:data, kind:dbt, +sel, sel*, and, or, not, …).

--json prints one JSON object per asset and line, with the fields of the GraphQL Asset type
the table shows: key { path string }, declared, definition { group },
latestMaterialization { storageId timestamp } and checkStatus.`,
		Example: `  plumbline assets
  plumbline assets --selection 'group:marts and kind:dbt'
  plumbline assets --json | jq -r 'select(.checkStatus == "FAILED") | .key.string'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := newClient(cmd)
			if err != nil {
				return err
			}
			ctx, stop := commandContext(cmd)
			defer stop()
			out := cmd.OutOrStdout()
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			if !asJSON {
				fmt.Fprintln(tw, "KEY\tGROUP\tDECLARED\tLAST MATERIALIZATION\tCHECKS")
			}
			if pageSize < 1 {
				return fmt.Errorf("--page-size must be at least 1, got %d", pageSize)
			}
			vars := map[string]any{"first": pageSize}
			if s := strings.TrimSpace(sel); s != "" {
				vars["selection"] = s
			}
			for {
				var page struct {
					Assets struct {
						Nodes    []json.RawMessage
						PageInfo pageInfo
					}
				}
				if err := c.Query(ctx, assetsQuery, vars, &page); err != nil {
					return clientError(err)
				}
				for _, raw := range page.Assets.Nodes {
					if asJSON {
						if err := writeJSONLine(out, raw); err != nil {
							return err
						}
						continue
					}
					var a assetRow
					if err := json.Unmarshal(raw, &a); err != nil {
						return fmt.Errorf("read asset: %w", err)
					}
					group := "-"
					if a.Definition != nil && a.Definition.Group != nil {
						group = *a.Definition.Group
					}
					declared := "no"
					if a.Declared {
						declared = "yes"
					}
					last := "-"
					if a.LatestMaterialization != nil {
						last = formatTime(a.LatestMaterialization.Timestamp)
					}
					checks := a.CheckStatus
					if checks == plumbline.CheckNotEvaluated {
						checks = "-"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", cell(a.Key.String), cell(group), declared, last, checks)
				}
				if !page.Assets.PageInfo.HasNextPage || page.Assets.PageInfo.EndCursor == nil {
					break
				}
				vars["after"] = *page.Assets.PageInfo.EndCursor
			}
			if asJSON {
				return nil
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVarP(&sel, "selection", "s", "", "asset selection, e.g. group:raw or key:\"warehouse/*\"")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON lines instead of a table")
	cmd.Flags().IntVar(&pageSize, "page-size", assetsPage, "assets asked for per request")
	_ = cmd.Flags().MarkHidden("page-size") // for tests of paging
	return cmd
}

type pageInfo struct {
	HasNextPage bool    `json:"hasNextPage"`
	EndCursor   *string `json:"endCursor"`
}

// writeJSONLine writes a JSON value compacted onto one line.
func writeJSONLine(w io.Writer, raw json.RawMessage) error {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return err
	}
	b.WriteByte('\n')
	_, err := w.Write(b.Bytes())
	return err
}

// formatTime shortens a Time of the API to seconds, in UTC.
func formatTime(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.UTC().Format(time.RFC3339)
}

// cell makes text fit one cell of a table: one line, no tabs, at most 100 characters.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > 100 {
		r := []rune(s)
		s = string(r[:99]) + "…"
	}
	if s == "" {
		return "-"
	}
	return s
}

const eventFields = `storageId type timestamp runId assetKey { path string } partition dataVersion
description checkName passed severity level message metadata { key type value }`

// eventRow is what `plumbline events` reads of an event.
type eventRow struct {
	StorageID string `json:"storageId"`
	Type      string `json:"type"`
	Timestamp string `json:"timestamp"`
	AssetKey  *struct {
		String string `json:"string"`
	} `json:"assetKey"`
	Partition   *string `json:"partition"`
	DataVersion *string `json:"dataVersion"`
	Description *string `json:"description"`
	CheckName   *string `json:"checkName"`
	Passed      *bool   `json:"passed"`
	Severity    *string `json:"severity"`
	Level       *string `json:"level"`
	Message     *string `json:"message"`
}

func newEventsCmd() *cobra.Command {
	var (
		sel    string
		types  []string
		runID  string
		limit  int
		asJSON bool
		follow bool
	)
	cmd := &cobra.Command{
		Use:   "events",
		Short: "Print the most recent events of the event log, oldest first",
		Long: `Print the most recent events of the event log (--limit of them), oldest first: storage
id, time, type, asset key, partition and a message.

--json prints one JSON object per event and line, with every field of the GraphQL Event
type (metadata included, each value as the server holds it).`,
		Example: `  plumbline events --limit 50
  plumbline events --selection group:marts --type ASSET_CHECK_EVALUATION
  plumbline events --run 3f2a… --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 1 {
				return fmt.Errorf("--limit must be at least 1, got %d", limit)
			}
			filter := map[string]any{}
			if s := strings.TrimSpace(sel); s != "" {
				filter["selection"] = s
			}
			if len(types) > 0 {
				var ts []string
				for _, arg := range types {
					for _, s := range strings.Split(arg, ",") {
						t, err := plumbline.ParseEventType(s)
						if err != nil {
							return fmt.Errorf("--type: %s", plumbline.ErrorMessage(err))
						}
						ts = append(ts, string(t))
					}
				}
				filter["types"] = ts
			}
			if runID != "" {
				filter["runId"] = runID
			}
			c, err := newClient(cmd)
			if err != nil {
				return err
			}
			ctx, stop := commandContext(cmd)
			defer stop()
			events, err := recentEvents(ctx, c, filter, limit)
			if err != nil {
				return clientError(err)
			}
			out := cmd.OutOrStdout()
			if follow {
				return followEvents(ctx, c, out, filter, events, asJSON)
			}
			if asJSON {
				for _, e := range events {
					if err := writeJSONLine(out, e.raw); err != nil {
						return err
					}
				}
				return nil
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tTIME\tTYPE\tKEY\tPARTITION\tMESSAGE")
			for _, e := range events {
				var r eventRow
				if err := json.Unmarshal(e.raw, &r); err != nil {
					return fmt.Errorf("read event: %w", err)
				}
				key := "-"
				if r.AssetKey != nil {
					key = r.AssetKey.String
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.StorageID, formatTime(r.Timestamp), r.Type,
					cell(key), cell(str(r.Partition)), cell(r.summary()))
			}
			return tw.Flush()
		},
	}
	f := cmd.Flags()
	f.StringVarP(&sel, "selection", "s", "", "only events of the assets of this asset selection, e.g. group:raw")
	f.StringArrayVarP(&types, "type", "t", nil, "only events of this type, e.g. ASSET_MATERIALIZATION (repeatable)")
	f.StringVar(&runID, "run", "", "only events of this run")
	f.IntVarP(&limit, "limit", "n", 20, "how many of the most recent events to print")
	f.BoolVar(&asJSON, "json", false, "print JSON lines instead of a table")
	f.BoolVarP(&follow, "follow", "f", false, "keep printing events as they are committed (Ctrl-C stops)")
	return cmd
}

// followEvents prints the recent events, then every new one as it is committed, through
// the events subscription; it resumes after the last event printed when cut off.
func followEvents(ctx context.Context, c *client.Client, out io.Writer, filter map[string]any, recent []event, asJSON bool) error {
	after := "-1"
	print := func(raw json.RawMessage) error {
		var r eventRow
		if err := json.Unmarshal(raw, &r); err != nil {
			return fmt.Errorf("read event: %w", err)
		}
		after = r.StorageID
		if asJSON {
			return writeJSONLine(out, raw)
		}
		key := "-"
		if r.AssetKey != nil {
			key = r.AssetKey.String
		}
		_, err := fmt.Fprintf(out, "%-8s %s  %-26s %-30s %-12s %s\n", r.StorageID, formatTime(r.Timestamp), r.Type, cell(key),
			cell(str(r.Partition)), cell(r.summary()))
		return err
	}
	if !asJSON {
		fmt.Fprintf(out, "%-8s %-20s  %-26s %-30s %-12s %s\n", "ID", "TIME", "TYPE", "KEY", "PARTITION", "MESSAGE")
	}
	for _, e := range recent {
		if err := print(e.raw); err != nil {
			return err
		}
	}
	vars := map[string]any{"filter": filter}
	if after != "-1" {
		vars["after"] = after
	}
	const q = `subscription Follow($filter: EventFilter, $after: ID) { events(filter: $filter, after: $after) { ` + eventFields + ` } }`
	backoff := 250 * time.Millisecond
	for {
		err := c.Subscribe(ctx, q, vars, func(data json.RawMessage) error {
			var d struct{ Events json.RawMessage }
			if err := json.Unmarshal(data, &d); err != nil {
				return err
			}
			backoff = 250 * time.Millisecond
			if err := print(d.Events); err != nil {
				return err
			}
			vars["after"] = after
			return nil
		})
		switch {
		case ctx.Err() != nil:
			return nil
		case err == nil:
			return nil
		}
		if resume, ok := client.IsResumable(err); ok {
			vars["after"] = resume
			continue
		}
		var te *client.TransportError
		if !errors.As(err, &te) {
			return clientError(err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// summary is the MESSAGE column: what the event says, in a few words.
func (r *eventRow) summary() string {
	switch {
	case r.CheckName != nil:
		s := "check " + *r.CheckName
		switch {
		case r.Passed == nil:
		case *r.Passed:
			s += " passed"
		default:
			s += " failed"
			if r.Severity != nil {
				s += " (" + *r.Severity + ")"
			}
		}
		return s
	case r.Message != nil && r.Level != nil:
		return *r.Level + ": " + *r.Message
	case r.Message != nil:
		return *r.Message
	case r.Description != nil:
		return *r.Description
	case r.DataVersion != nil:
		return "data version " + *r.DataVersion
	}
	return ""
}

// event is one event as the API wrote it.
type event struct {
	raw json.RawMessage
}

// recentEvents returns the last limit events matching filter, oldest first, reading the
// log backwards a page at a time.
func recentEvents(ctx context.Context, c *client.Client, filter map[string]any, limit int) ([]event, error) {
	const q = `query Events($filter: EventFilter, $last: Int, $before: ID) {
  events(filter: $filter, last: $last, before: $before) { nodes { ` + eventFields + ` } pageInfo { hasPreviousPage startCursor } }
}`
	var (
		pages  [][]json.RawMessage // newest page first
		n      int
		before any
	)
	for n < limit {
		var page struct {
			Events struct {
				Nodes    []json.RawMessage
				PageInfo struct {
					HasPreviousPage bool
					StartCursor     string
				}
			}
		}
		vars := map[string]any{"filter": filter, "last": min(limit-n, 1000), "before": before}
		if err := c.Query(ctx, q, vars, &page); err != nil {
			return nil, err
		}
		pages = append(pages, page.Events.Nodes)
		n += len(page.Events.Nodes)
		if !page.Events.PageInfo.HasPreviousPage || len(page.Events.Nodes) == 0 {
			break
		}
		before = page.Events.PageInfo.StartCursor
	}
	out := make([]event, 0, n)
	for i := len(pages) - 1; i >= 0; i-- {
		for _, raw := range pages[i] {
			out = append(out, event{raw: raw})
		}
	}
	return out, nil
}
