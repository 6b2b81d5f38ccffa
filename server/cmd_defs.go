package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/defs"
	"github.com/plumbline/plumbline/store"
)

func newDefsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "defs",
		Short: "Work with definitions files (plumbline.yaml)",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newDefsApplyCmd())
	return cmd
}

func newDefsApplyCmd() *cobra.Command {
	var file, location string
	cmd := &cobra.Command{
		Use:   "apply -f FILE",
		Short: "Apply a definitions file to the server",
		Long: `Apply a definitions file (plumbline.yaml) to the server: the assets it declares become
exactly those of the location. Applying the same file again changes nothing.

The file is checked here first, so that mistakes are reported with their line and column
before the server is contacted.`,
		Example: `  plumbline defs apply -f plumbline.yaml
  generate-defs | plumbline defs apply -f - --location dbt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			name, data, err := readDefsFile(file, cmd.InOrStdin())
			if err != nil {
				return err
			}
			if _, err := defs.Parse(name, data, defs.Options{}); err != nil {
				return err
			}
			c, err := newClient(cmd)
			if err != nil {
				return err
			}
			ctx, stop := commandContext(cmd)
			defer stop()
			res, err := c.ApplyDefinitions(ctx, string(data), location)
			if err != nil {
				return clientError(err)
			}
			printApplyResult(cmd.OutOrStdout(), name, res)
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", `definitions file to apply ("-" reads standard input)`)
	cmd.Flags().StringVar(&location, "location", store.DefaultLocation, "definitions location the file declares")
	_ = cmd.MarkFlagRequired("file")
	return cmd
}

// readDefsFile reads the file -f names, or standard input for "-", and returns the name
// its problems are reported under.
func readDefsFile(file string, stdin io.Reader) (string, []byte, error) {
	switch file {
	case "":
		return "", nil, errors.New("-f is empty: give the definitions file, or - for standard input")
	case "-":
		data, err := io.ReadAll(stdin)
		if err != nil {
			return "", nil, fmt.Errorf("read standard input: %w", err)
		}
		return "stdin", data, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return "", nil, err
	}
	return file, data, nil
}

// printApplyResult writes a one-line summary, then each asset that changed.
func printApplyResult(w io.Writer, name string, res *plumbline.ApplyResult) {
	fmt.Fprintf(w, "applied %s to location %s: %d added, %d updated, %d removed, %d unchanged\n",
		name, res.Location, len(res.Added), len(res.Updated), len(res.Removed), res.Unchanged)
	for _, group := range []struct {
		what string
		keys []plumbline.AssetKey
	}{{"added", res.Added}, {"updated", res.Updated}, {"removed", res.Removed}} {
		for _, k := range group.keys {
			fmt.Fprintf(w, "  %-8s %s\n", group.what, k)
		}
	}
}
