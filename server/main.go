// Command plumbline is the Plumbline server and its command-line client.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "plumbline:", err)
		os.Exit(1)
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "plumbline",
		Short:         "Plumbline: the metadata control plane for data platforms",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return flagsFromEnv(cmd)
		},
	}
	root.PersistentFlags().String("url", "http://localhost:3000", "address of the Plumbline server that client commands talk to")
	root.PersistentFlags().String("token", "", "bearer token sent by client commands")
	root.AddCommand(newServeCmd(), newReportCmd(), newDefsCmd(), newAssetsCmd(), newEventsCmd(), newRunCmd())
	return root
}

// flagsFromEnv gives every flag an environment equivalent: --database-url is read from
// PLUMBLINE_DATABASE_URL when the flag is not on the command line.
func flagsFromEnv(cmd *cobra.Command) error {
	var err error
	set := func(f *pflag.Flag) {
		if f.Changed || err != nil {
			return
		}
		name := "PLUMBLINE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("%s=%q: %v", name, v, e)
			}
			f.Changed = true
		}
	}
	cmd.Flags().VisitAll(set)
	cmd.InheritedFlags().VisitAll(set)
	return err
}
