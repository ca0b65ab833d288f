package schema

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
)

func fieldOf(t *testing.T, path string) *Field {
	t.Helper()
	for _, f := range Fields() {
		if f.Path == path {
			return f
		}
	}
	t.Fatalf("no row %s", path)
	return nil
}

// Each kind reads back what it writes, so what the controller renders the
// adapter reads unchanged.
func TestKindsReadBackWhatTheyWrite(t *testing.T) {
	for path, text := range map[string]string{
		"arn":                          "arn:aws:dynamodb:us-west-2:123456789012:table/orders",
		"sink.CACerts":                 "-----BEGIN CERTIFICATE-----\n",
		"ceOverrides.extensions":       `{"extensions":{"env":"prod","team":"data"}}`,
		"auth.credentials.accessKeyID": "AKID",
		"startingTimestamp":            "2024-05-01T12:00:00.5Z",
		"delivery.parallelism":         "-8",
		"delivery.timeout":             "1m30s",
		"metricsPort":                  "65535",
	} {
		f := fieldOf(t, path)
		var c Config
		if err := f.Set(&c, text); err != nil {
			t.Errorf("%s: Set(%q) = %v", path, text, err)
			continue
		}
		if got, _ := f.Get(&c); got != text {
			t.Errorf("%s: Set(%q) then Get() = %q", path, text, got)
		}
	}
}

// Reading a field of an empty config must not create its parents, or an
// unset delivery would render as "delivery: {}".
func TestGetAllocatesNothing(t *testing.T) {
	var c Config
	for _, f := range Fields() {
		if v, ref := f.Get(&c); v != "" || ref != nil {
			t.Errorf("%s of an empty config = %q, %v", f.Path, v, ref)
		}
	}
	if !equality.Semantic.DeepEqual(c, Config{}) {
		t.Errorf("Get changed the config: %+v", c)
	}
}

// A repeated name=value flag adds an attribute rather than replacing them.
func TestExtensionFlagsAccumulate(t *testing.T) {
	f := fieldOf(t, "ceOverrides.extensions")
	var c Config
	for _, v := range []string{"team=data", "env=prod", "team=ops"} {
		if err := f.SetFlag(&c, v); err != nil {
			t.Fatal(err)
		}
	}
	got := c.Spec.CloudEventOverrides.Extensions
	if len(got) != 2 || got["team"] != "ops" || got["env"] != "prod" {
		t.Errorf("extensions = %v, want team=ops env=prod", got)
	}
	if err := f.SetFlag(&c, "team"); err == nil || !strings.Contains(err.Error(), `"team" is not name=value`) {
		t.Errorf("SetFlag(team) = %v, want it refused as not name=value", err)
	}
}

// Flag errors quote the value and show good ones; environment errors leave
// the quoting to the caller, which knows whether the value is a secret.
func TestMalformedValuesSayWhatIsWrong(t *testing.T) {
	cases := []struct{ path, text, flagErr, envErr string }{
		{"polling.idleInterval", "fast", `"fast" is not a duration such as 250ms, 10s or 1m`, "not a duration"},
		{"startingTimestamp", "yesterday", `"yesterday" is not an RFC 3339 time such as 2024-05-01T12:00:00Z`, "not an RFC 3339 time"},
		{"delivery.retries", "9999999999", `"9999999999" is not a whole number`, "not a whole number"},
		{"metricsPort", "99999", `"99999" is not a TCP port`, "not a TCP port"},
	}
	for _, tc := range cases {
		f := fieldOf(t, tc.path)
		var c Config
		if err := f.SetFlag(&c, tc.text); err == nil || err.Error() != tc.flagErr {
			t.Errorf("%s: SetFlag(%q) = %v, want %q", tc.path, tc.text, err, tc.flagErr)
		}
		if err := f.Set(&c, tc.text); err == nil || err.Error() != tc.envErr {
			t.Errorf("%s: Set(%q) = %v, want %q", tc.path, tc.text, err, tc.envErr)
		}
	}
}

// The environment never reads @file: a variable is its value.
func TestAtFileIsForFlagsOnly(t *testing.T) {
	f := fieldOf(t, "sink.CACerts")
	var c Config
	if err := f.Set(&c, "@/etc/passwd"); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.Get(&c); got != "@/etc/passwd" {
		t.Errorf("K_CA_CERTS=@/etc/passwd read as %q", got)
	}
}

// A row whose path is no field, or whose field the kind cannot hold, is
// refused when the table is built.
func TestRowsMustMatchTheTypes(t *testing.T) {
	for name, f := range map[string]Field{
		"a path that is no field":     {Path: "delivery.speed", Kind: String},
		"a path through a non-object": {Path: "arn.value", Kind: String},
		"a kind of another type":      {Path: "delivery.timeout", Kind: Int32},
	} {
		if err := f.resolve(); err == nil {
			t.Errorf("%s: row %s with kind %s resolved", name, f.Path, f.Kind.Name)
		}
	}
}
