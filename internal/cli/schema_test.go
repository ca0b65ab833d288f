package cli

import (
	"bytes"
	"io"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	"github.com/dynamodb-source/dynamodb-source/internal/adapterenv"
	"github.com/dynamodb-source/dynamodb-source/internal/schema"
)

const crdFile = "../../config/crd/bases/sources.triggermesh.io_awsdynamodbsources.yaml"

// crdSpec walks the spec of the generated CRD: every node's dotted path,
// and which of them are leaves (no properties of their own).
func crdSpec(t *testing.T) (nodes map[string]bool, leaves []string) {
	t.Helper()
	b, err := os.ReadFile(crdFile)
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(b, &crd); err != nil {
		t.Fatalf("reading %s: %v", crdFile, err)
	}
	spec := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"]
	nodes = map[string]bool{}
	var walk func(prefix string, s apiextensionsv1.JSONSchemaProps)
	walk = func(prefix string, s apiextensionsv1.JSONSchemaProps) {
		if prefix != "" {
			nodes[prefix] = true
		}
		if len(s.Properties) == 0 {
			leaves = append(leaves, prefix)
			return
		}
		for name, p := range s.Properties {
			path := name
			if prefix != "" {
				path = prefix + "." + name
			}
			walk(path, p)
		}
	}
	walk("", spec)
	sort.Strings(leaves)
	return nodes, leaves
}

// commandFlags returns the flags of a command as the binary builds them.
func commandFlags(t *testing.T, path ...string) *pflag.FlagSet {
	t.Helper()
	root := NewRootCommand(Streams{Out: io.Discard, Err: io.Discard})
	cmd, _, err := root.Find(path)
	if err != nil {
		t.Fatal(err)
	}
	return cmd.Flags()
}

// rowOf returns the row whose field is path or holds it (a credential's
// row covers value and valueFromSecret).
func rowOf(path string) *schema.Field {
	for _, f := range schema.Fields() {
		if !f.Process && (path == f.Path || strings.HasPrefix(path, f.Path+".")) {
			return f
		}
	}
	return nil
}

// One schema, enforced: every leaf of the CRD's spec has a flag and an
// adapter variable, unless schema.Exceptions says why not; and no flag or
// variable exists for a field the CRD does not have.
func TestEverySpecFieldHasAFlagAndAVariable(t *testing.T) {
	nodes, leaves := crdSpec(t)
	create := commandFlags(t, "create", "source", "awsdynamodb")
	names := adapterenv.Names()
	for _, leaf := range leaves {
		exc, excepted := schema.ExceptionFor(leaf)
		f := rowOf(leaf)
		hasFlag := f != nil && f.FlagName() != schema.NoFlag && create.Lookup(f.FlagName()) != nil
		hasEnv := f != nil && slices.Contains(names, f.EnvName())
		if !hasFlag && !(excepted && exc.NoFlag) {
			t.Errorf("spec.%s has no flag: add a row to internal/schema/fields.go, or an exception with the reason", leaf)
		}
		if !hasEnv && !(excepted && exc.NoEnv) {
			t.Errorf("spec.%s has no adapter variable: add a row to internal/schema/fields.go, or an exception with the reason", leaf)
		}
		if excepted && (exc.NoFlag && hasFlag || exc.NoEnv && hasEnv) {
			t.Errorf("spec.%s is excepted (%s) but has the flag or variable: drop the stale exception", leaf, exc.Path)
		}
	}
	for _, e := range schema.Exceptions {
		if !nodes[e.Path] {
			t.Errorf("exception %s names no field of the CRD", e.Path)
		}
	}
	for _, f := range schema.Fields() {
		if !f.Process && !nodes[f.Path] {
			t.Errorf("row %s (flag --%s, variable %s) is no field of the CRD", f.Path, f.FlagName(), f.EnvName())
		}
	}
	settings := map[string]bool{"help": true}
	for _, s := range schema.Settings {
		settings[s.Flag] = true
	}
	for _, cmd := range [][]string{{"create", "source", "awsdynamodb"}, {"dump"}} {
		commandFlags(t, cmd...).VisitAll(func(fl *pflag.Flag) {
			if f := rowOf(fl.Name); (f == nil || f.FlagName() != fl.Name) && !settings[fl.Name] {
				t.Errorf("%s --%s is no spec field and no listed setting", strings.Join(cmd, " "), fl.Name)
			}
		})
	}
}

// --help shows every row with its doc and default, and says how to keep a
// credential out of ps.
func TestHelpShowsEveryRow(t *testing.T) {
	for _, cmd := range [][]string{{"create", "source", "awsdynamodb"}, {"dump"}} {
		var out bytes.Buffer
		if code := Execute(t.Context(), append(cmd, "--help"), Streams{Out: &out, Err: &out}); code != 0 {
			t.Fatalf("%v --help exited %d:\n%s", cmd, code, out.String())
		}
		help := out.String()
		for _, f := range schema.SpecFields() {
			line := ""
			for _, l := range strings.Split(help, "\n") {
				if strings.Contains(l, "--"+f.FlagName()+" ") {
					line = l
				}
			}
			if line == "" {
				t.Errorf("%v --help lacks --%s", cmd, f.FlagName())
				continue
			}
			if !strings.Contains(line, f.Usage()) {
				t.Errorf("%v --help shows --%s as\n%s\nwant its usage %q", cmd, f.FlagName(), line, f.Usage())
			}
			if f.Secret() && !strings.Contains(line, "visible to other users in ps: prefer $"+f.EnvName()+" or @file") {
				t.Errorf("%v --help does not warn that --%s shows in ps", cmd, f.FlagName())
			}
		}
	}
}

var backticked = regexp.MustCompile("`([^`]+)`")

// firstCode returns the first `code` of a README cell, "" for none.
func firstCode(cell string) string {
	if m := backticked.FindStringSubmatch(cell); m != nil {
		return m[1]
	}
	return ""
}

// readmeRow renders the README row of f, as TestREADMEReferenceMatchesTable
// expects it.
func readmeRow(f *schema.Field) string {
	key := "—"
	if !f.Process {
		key = "`" + f.Path + "`"
	}
	env := "—"
	if f.EnvName() != schema.NoEnv {
		env = "`" + f.EnvName() + "`"
	}
	def := f.Default
	if f.Required {
		def = "required"
	}
	return "| " + key + " | " + env + " | " + def + " | " + f.Doc + " |"
}

// The README's configuration reference has one row per row of the table,
// with the same variable, default and doc; its other rows are listed
// exceptions or settings.
func TestREADMEReferenceMatchesTable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Configuration reference\n")
	if !ok {
		t.Fatal("README.md has no Configuration reference section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	unbacktick := strings.NewReplacer("`", "").Replace
	seen := map[*schema.Field]int{}
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| spec field") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != 4 {
			t.Errorf("README row of %d cells, want 4: %s", len(cells), line)
			continue
		}
		key, env := firstCode(cells[0]), firstCode(cells[1])
		var row *schema.Field
		for _, f := range schema.Fields() {
			if (key != "" && !f.Process && key == f.Path) || (env != "" && env == f.EnvName()) {
				row = f
			}
		}
		if row == nil {
			if !readmeOnly(key, env) {
				t.Errorf("README row names no row of the table, no exception and no setting: %s", line)
			}
			continue
		}
		seen[row]++
		def := row.Default
		if row.Required {
			def = "required"
		}
		wantEnv := row.EnvName()
		if wantEnv == schema.NoEnv {
			wantEnv = ""
		}
		if env != wantEnv || strings.TrimSpace(unbacktick(cells[2])) != def || strings.TrimSpace(unbacktick(cells[3])) != row.Doc {
			t.Errorf("README row\n%s\ndoes not match the table; want (backticks aside)\n%s", line, readmeRow(row))
		}
	}
	for _, f := range schema.Fields() {
		if (f.FlagName() != schema.NoFlag || f.EnvName() != schema.NoEnv) && seen[f] != 1 {
			t.Errorf("README has %d rows for %s, want 1:\n%s", seen[f], f.Path, readmeRow(f))
		}
	}
}

// readmeOnly reports whether a README row that is no row of the table is a
// listed exception or setting.
func readmeOnly(key, env string) bool {
	if _, ok := schema.ExceptionFor(key); ok && key != "" {
		return true
	}
	for _, s := range schema.Settings {
		if key != "" && key == "--"+s.Flag || env != "" && env == s.Env {
			return true
		}
	}
	return false
}
