package stream_test

import (
	"os"
	"testing"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/kubetest"
)

// The envtest control plane starts only when a test asks for it (the
// checkpoint conflict test), so the other tests do not wait for it.
func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }
