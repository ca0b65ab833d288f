package schema

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// NoEnv and NoFlag, as a row's Env or Flag, mean the field has no variable
// or no flag; exceptions.go says why.
const (
	NoEnv  = "-"
	NoFlag = "-"
)

// Field is one row of the table: one setting, with everything the flags,
// the environment, --help and the README say about it.
type Field struct {
	// Path is the field's dotted JSON path in the spec (delivery.timeout),
	// or for a Process row its path in Config (metricsPort).
	Path string
	// Process rows configure the adapter process, not the source: they are
	// no spec field.
	Process bool
	// Env is the adapter's variable. Empty means the rule, EnvNameOf(Path);
	// TriggerMesh's fields keep TriggerMesh's names.
	Env string
	// Flag is the command-line flag. Empty means Path.
	Flag string
	// Kind is how the value is parsed and written.
	Kind Kind
	// Doc says what the field does, in one line: the flag's help and the
	// README's "meaning" column.
	Doc string
	// Default is the value used when the field is not set, as people read
	// it; empty when there is none.
	Default string
	// Hint, when set, replaces the kind's: what a good value looks like.
	Hint string
	// Required fields must be given in the environment.
	Required bool

	// steps lead from a Config to the field, resolved once from Path.
	steps []int
}

// EnvName is the field's variable, or NoEnv.
func (f *Field) EnvName() string {
	if f.Env == "" {
		return EnvNameOf(f.Path)
	}
	return f.Env
}

// FlagName is the field's flag without its dashes, or NoFlag.
func (f *Field) FlagName() string {
	if f.Flag == "" {
		return f.Path
	}
	return f.Flag
}

// Secret reports whether the value must never be shown.
func (f *Field) Secret() bool { return f.Kind.secret }

// HintText tells a person what a good value looks like.
func (f *Field) HintText() string {
	if f.Hint != "" {
		return f.Hint
	}
	return f.Kind.hint
}

// Usage is the flag's --help text: the doc, how to keep a secret out of
// ps, and the default.
func (f *Field) Usage() string {
	u := f.Doc
	if f.Kind.secret && f.EnvName() != NoEnv {
		u += fmt.Sprintf("; a flag is visible to other users in ps: prefer $%s or @file", f.EnvName())
	} else if f.Kind.atFile {
		u += ", or @file to read it from a file"
	}
	switch {
	case f.Required:
		u += " (required)"
	case f.Default != "":
		u += " (default: " + f.Default + ")"
	}
	return u
}

// Get returns the field's value in c as text, or the Secret it is read
// from; "" and nil when the field is not set.
func (f *Field) Get(c *Config) (string, *corev1.SecretKeySelector) {
	v, ok := f.at(c, false)
	if !ok {
		return "", nil
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return "", nil
		}
		v = v.Elem()
	} else if v.IsZero() {
		return "", nil
	}
	if f.Kind.ref != nil {
		if ref := f.Kind.ref(v); ref != nil {
			return "", ref
		}
	}
	return f.Kind.format(v), nil
}

// Set parses text, as read from the environment, into c. Its error says
// what is wrong, without the value.
func (f *Field) Set(c *Config, text string) error {
	v, err := f.Kind.parse(text)
	if err != nil {
		return err
	}
	f.store(c, v)
	return nil
}

// SetFlag parses text, as given on the command line, into c: @path reads a
// file for the kinds that allow it, and repeatable flags add to the value.
func (f *Field) SetFlag(c *Config, text string) error {
	if path, ok := strings.CutPrefix(text, "@"); ok && f.Kind.atFile {
		b, err := ReadFileCapped(path)
		if err != nil {
			return err
		}
		text = string(b)
	}
	var v reflect.Value
	var err error
	if f.Kind.add != nil {
		old, _ := f.at(c, false)
		if old.IsValid() && old.Kind() == reflect.Pointer {
			old = old.Elem()
		}
		v, err = f.Kind.add(old, text)
	} else {
		v, err = f.Kind.parse(text)
	}
	if err != nil {
		var ve valueError
		if errors.As(err, &ve) && !f.Kind.secret {
			return fmt.Errorf("%q is %s%s", text, err, f.Kind.example)
		}
		return err
	}
	f.store(c, v)
	return nil
}

func (f *Field) store(c *Config, v reflect.Value) {
	dst, _ := f.at(c, true)
	if dst.Kind() == reflect.Pointer && dst.Type().Elem() == f.Kind.typ {
		p := reflect.New(f.Kind.typ)
		p.Elem().Set(v)
		v = p
	}
	dst.Set(v)
}

// at returns the field in c. Structs met on the way through nil pointers
// are allocated when alloc is true; otherwise at reports false.
func (f *Field) at(c *Config, alloc bool) (reflect.Value, bool) {
	v := reflect.ValueOf(c).Elem()
	for i, s := range f.steps {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				if !alloc {
					return reflect.Value{}, false
				}
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(s)
	}
	return v, true
}

// resolve finds the field of f.Path in Config by its JSON names and checks
// that it holds the kind's type.
func (f *Field) resolve() error {
	path := f.Path
	if !f.Process {
		path = "spec." + path
	}
	t := reflect.TypeFor[Config]()
	f.steps = nil
	for _, name := range strings.Split(path, ".") {
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return fmt.Errorf("field %s: %s is not an object", f.Path, name)
		}
		sf, ok := fieldByJSONName(t, name)
		if !ok {
			return fmt.Errorf("field %s: no %q in %s", f.Path, name, t)
		}
		f.steps = append(f.steps, sf.Index[0])
		t = sf.Type
	}
	if t != f.Kind.typ && t != reflect.PointerTo(f.Kind.typ) {
		return fmt.Errorf("field %s is a %s, its kind %s holds %s", f.Path, t, f.Kind.Name, f.Kind.typ)
	}
	return nil
}

func fieldByJSONName(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		sf := t.Field(i)
		if tag, _, _ := strings.Cut(sf.Tag.Get("json"), ","); tag == name {
			return sf, true
		}
	}
	return reflect.StructField{}, false
}

// EnvNameOf returns the variable name of a spec field from its dotted JSON
// path: the rule every extension follows (delivery.timeout ->
// DELIVERY_TIMEOUT, startingPosition -> STARTING_POSITION).
func EnvNameOf(path string) string {
	var b strings.Builder
	prev := rune(0)
	for _, r := range path {
		switch {
		case r == '.':
			b.WriteByte('_')
		case r >= 'A' && r <= 'Z' && prev >= 'a' && prev <= 'z':
			b.WriteByte('_')
			b.WriteRune(r)
		default:
			b.WriteString(strings.ToUpper(string(r)))
		}
		prev = r
	}
	return b.String()
}
