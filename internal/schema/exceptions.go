package schema

// Exception is a part of the spec that deliberately has no flag or no
// variable, with the reason. This is the one list of them: the schema test
// refuses any other spec field without both.
type Exception struct {
	// Path is a dotted spec path; it covers everything below it.
	Path string
	// NoFlag and NoEnv say which form the part lacks.
	NoFlag, NoEnv bool
	Reason        string
}

// Exceptions lists the spec fields without a flag or a variable.
var Exceptions = []Exception{
	{Path: "sink.ref", NoEnv: true,
		Reason: "the controller resolves the object to its URL and gives the adapter that as K_SINK; the flags exist for dump"},
	{Path: "delivery.deadLetterSink.ref", NoFlag: true, NoEnv: true,
		Reason: "the controller resolves the object to its URL and gives the adapter that as DELIVERY_DEAD_LETTER_SINK_URI; the command line takes a uri"},
	{Path: "auth.iam", NoFlag: true, NoEnv: true,
		Reason: "IAM roles for service accounts: the controller puts the role on the adapter's ServiceAccount, and the SDK's chain picks it up"},
	{Path: "auth.iamRole", NoFlag: true, NoEnv: true,
		Reason: "the deprecated form of auth.iam.roleArn, handled by the controller the same way"},
	{Path: "adapterOverrides", NoFlag: true, NoEnv: true,
		Reason: "shapes the adapter's Kubernetes Deployment (labels, resources, scheduling); nothing the process reads"},
}

// Setting is a flag or variable that configures the process rather than
// the source, so it is no spec field. Process rows of the table (NAME,
// NAMESPACE, METRICS_PORT) are settings too; these are the ones the table
// does not carry.
type Setting struct {
	// Flag is a command-line flag without its dashes, Env a variable; one
	// of them may be empty.
	Flag, Env string
	Reason    string
}

// Settings lists the flags and variables that are no spec field and no row.
var Settings = []Setting{
	{Flag: "log-level", Env: "LOG_LEVEL", Reason: "how much the process logs"},
	{Flag: "metrics-port", Reason: "the command line's metrics server; the adapter's is the METRICS_PORT row, with the same meaning of 0"},
	{Flag: "metrics-address", Reason: "the interface the command line's metrics server listens on"},
	{Flag: "pprof", Reason: "a tool for performance work on the command line"},
	{Flag: "progress", Reason: "whether the command line writes progress lines on a terminal"},
	{Flag: "progress-interval", Reason: "the time between progress lines (hidden, for tests)"},
	{Flag: "shutdown-grace", Reason: "how the process stops"},
	{Flag: "name", Reason: "dump: the name of the object it prints"},
	{Flag: "namespace", Reason: "dump: the namespace of the objects it prints"},
	{Env: "GOGC", Reason: "the Go runtime's"},
	{Env: "HTTPS_PROXY", Reason: "Go's HTTP client's"},
}

// ExceptionFor returns the exception covering the spec path, if any.
func ExceptionFor(path string) (Exception, bool) {
	for _, e := range Exceptions {
		if path == e.Path || len(path) > len(e.Path) && path[:len(e.Path)+1] == e.Path+"." {
			return e, true
		}
	}
	return Exception{}, false
}
