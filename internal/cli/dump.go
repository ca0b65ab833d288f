package cli

import (
	"github.com/spf13/cobra"
)

func newDumpCommand(s Streams) *cobra.Command {
	return &cobra.Command{Use: "dump", Short: "Print the Kubernetes manifests for the same flags as create source awsdynamodb", Hidden: true,
		RunE: func(*cobra.Command, []string) error { return nil }}
}
