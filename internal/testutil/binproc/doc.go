// Package binproc runs the real dynamodb-source binary as a child process
// in tests: the test-harness core that the integration, reliability and
// benchmark suites and the controller's end-to-end test share.
//
// Build compiles cmd/dynamodb-source with a plain go build (no -race, no
// coverage, as released); BuildTemp does so into a fresh temp folder and
// suits TestMain, which has no testing.TB. CleanEnv is the machine's
// environment without AWS_* settings (a profile, AWS_CA_BUNDLE or real
// credentials must not change a run) and without XDG_STATE_HOME (the
// machine's checkpoint folder). Start runs the binary, collecting stdout and
// stderr in goroutine-safe SyncBuffers; a Proc is waited for, signalled
// (Stop) or killed (Kill) with a timeout that fails the test, and on
// tb.Cleanup it is killed if still running and, when the test failed, the
// tail of its stderr is logged.
//
// Typical use:
//
//	func TestMain(m *testing.M) {
//		bin, remove, err := binproc.BuildTemp("dynamodb-source-it")
//		if err != nil {
//			fmt.Fprintln(os.Stderr, err)
//			os.Exit(1)
//		}
//		binary = bin
//		code := m.Run()
//		remove()
//		os.Exit(code)
//	}
//
//	p := binproc.Start(t, binproc.CleanEnv("XDG_STATE_HOME="+t.TempDir()), binary, args...)
//	p.WaitLog("reading shard", 30*time.Second)
//	if code := p.Stop(syscall.SIGTERM, 20*time.Second); code != 0 {
//		t.Fatalf("exit code %d", code)
//	}
//
// Memory reads a running Proc's resident set and its high-water mark from
// /proc, for the reliability soak and the benchmarks. FreePort is the one
// free-port helper of the test helpers (ddblocal uses it too). What one
// suite alone needs (CPU time, resource usage) stays in that suite, usually
// in a type that embeds *Proc; metrics scraping is internal/testutil/promtext.
package binproc
