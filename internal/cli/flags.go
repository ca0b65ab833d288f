package cli

import (
	"github.com/spf13/pflag"

	"github.com/dynamodb-source/dynamodb-source/internal/schema"
)

// bindSpecFlags declares one flag per spec field of the schema's table,
// named by the field's dotted JSON path, writing into c.Spec. The flags, the
// adapter's environment and the CRD are one schema: internal/schema holds
// the rows both are derived from.
func bindSpecFlags(fs *pflag.FlagSet, c *schema.Config) {
	for _, f := range schema.SpecFields() {
		fs.Var(&flagValue{f: f, c: c}, f.FlagName(), f.Usage())
	}
}

// flagValue is a pflag.Value that hands the flag's text to its row.
type flagValue struct {
	f *schema.Field
	c *schema.Config
}

func (v *flagValue) Set(s string) error { return v.f.SetFlag(v.c, s) }

// String is empty so that pflag shows no default of its own: the row's
// usage says it.
func (v *flagValue) String() string { return "" }
func (v *flagValue) Type() string   { return v.f.Kind.Name }
