package ops

import (
	"os"
	"testing"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/kubetest"
)

// TestMain stops the envtest control plane that the chart and controller
// tests start on first use.
func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }
