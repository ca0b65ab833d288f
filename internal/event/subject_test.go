package event

import (
	"encoding/base64"
	"maps"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

func strAttr(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func numAttr(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
func binAttr(v []byte) types.AttributeValue { return &types.AttributeValueMemberB{Value: v} }

type keyMap = map[string]types.AttributeValue

func TestSubject(t *testing.T) {
	for _, c := range []struct {
		rule string
		keys keyMap
		want string
	}{
		{"partition and sort key are name=value joined by comma", keyMap{"pk": strAttr("user#1"), "sk": numAttr("2024")}, "pk=user#1,sk=2024"},
		{"keys are sorted by attribute name", keyMap{"zeta": strAttr("1"), "alpha": strAttr("2")}, "alpha=2,zeta=1"},
		{"sorting is by bytes, so upper case comes first", keyMap{"a": strAttr("1"), "B": strAttr("2")}, "B=2,a=1"},
		{"a partition key alone has no comma", keyMap{"id": strAttr("x")}, "id=x"},
		{"S value is written as is", keyMap{"id": strAttr("Zoë <z> #1 /a?b")}, "id=Zoë <z> #1 /a?b"},
		{"N value is its decimal string as DynamoDB sends it", keyMap{"n": numAttr("-1.5E+10")}, "n=-1.5E+10"},
		{"B value is standard padded base64", keyMap{"b": binAttr([]byte{0xfb, 0xff})}, "b=+/8="},
		{"empty B value is empty", keyMap{"b": binAttr(nil)}, "b="},
		{"empty S value is empty", keyMap{"id": strAttr("")}, "id="},
		{"comma in a value is escaped", keyMap{"id": strAttr("a,b")}, `id=a\,b`},
		{"equals sign in a value is escaped", keyMap{"id": strAttr("a=b")}, `id=a\=b`},
		{"backslash in a value is escaped", keyMap{"id": strAttr(`a\b`)}, `id=a\\b`},
		{"separators in a name are escaped", keyMap{`k=,\`: strAttr("v")}, `k\=\,\\=v`},
		{"control characters are written as \\xHH", keyMap{"id": strAttr("a\nb\tc\x00\x7f")}, `id=a\x0ab\x09c\x00\x7f`},
		{"a trailing space is written \\x20", keyMap{"id": strAttr("x ")}, `id=x\x20`},
		{"only the outermost trailing space is escaped", keyMap{"id": strAttr("x  ")}, `id=x \x20`},
		{"a leading space is written \\x20", keyMap{" id": strAttr("x")}, `\x20id=x`},
		{"trailing Unicode whitespace is written as its UTF-8 bytes", keyMap{"id": strAttr("x\u00a0")}, `id=x\xc2\xa0`},
		{"leading Unicode whitespace is written as its UTF-8 bytes", keyMap{"\u3000id": strAttr("x")}, `\xe3\x80\x80id=x`},
		{"inner spaces are kept", keyMap{"id": strAttr(" a b ")}, "id= a b\\x20"},
		{"non-ASCII is kept as UTF-8", keyMap{"名前": strAttr("日本")}, "名前=日本"},
		{"no keys gives no subject", keyMap{}, ""},
		{"nil keys give no subject", nil, ""},
		{"a non-key type renders as an empty value", keyMap{"x": &types.AttributeValueMemberBOOL{Value: true}, "y": nil}, "x=,y="},
		{"more than two keys are all rendered", keyMap{"d": numAttr("4"), "c": numAttr("3"), "b": numAttr("2"), "a": numAttr("1")}, "a=1,b=2,c=3,d=4"},
	} {
		t.Run(c.rule, func(t *testing.T) {
			if got := Subject(c.keys); got != c.want {
				t.Errorf("Subject() = %q, want %q", got, c.want)
			}
		})
	}
}

// TriggerMesh's subject depended on map iteration order; ours must not.
func TestSubjectIsTheSameOnEveryCall(t *testing.T) {
	keys := keyMap{"pk": strAttr("p"), "sk": strAttr("s"), "gsi": strAttr("g"), "other": numAttr("1")}
	want := Subject(keys)
	for range 200 {
		if got := Subject(maps.Clone(keys)); got != want {
			t.Fatalf("Subject() = %q, earlier %q", got, want)
		}
	}
}

// parseSubject reads a subject back with the rules documented on Subject; it
// exists to prove those rules are unambiguous.
func parseSubject(t testing.TB, subject string) map[string]string {
	t.Helper()
	out := map[string]string{}
	if subject == "" {
		return out
	}
	var name, cur strings.Builder
	inValue := false
	flush := func() {
		if !inValue {
			t.Fatalf("pair without '=' in %q", subject)
		}
		if _, dup := out[name.String()]; dup {
			t.Fatalf("duplicate name %q in %q", name.String(), subject)
		}
		out[name.String()] = cur.String()
		name.Reset()
		cur.Reset()
		inValue = false
	}
	for i := 0; i < len(subject); i++ {
		c := subject[i]
		switch {
		case c == '\\' && i+1 < len(subject) && subject[i+1] == 'x':
			v, err := strconv.ParseUint(subject[i+2:i+4], 16, 8)
			if err != nil {
				t.Fatalf("bad \\x escape in %q: %v", subject, err)
			}
			cur.WriteByte(byte(v))
			i += 3
		case c == '\\':
			if i+1 == len(subject) {
				t.Fatalf("dangling backslash in %q", subject)
			}
			i++
			cur.WriteByte(subject[i])
		case c == '=' && !inValue:
			name.WriteString(cur.String())
			cur.Reset()
			inValue = true
		case c == ',':
			flush()
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return out
}

func keyStrings(keys keyMap) map[string]string {
	out := map[string]string{}
	for k, v := range keys {
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			out[k] = v.Value
		case *types.AttributeValueMemberN:
			out[k] = v.Value
		case *types.AttributeValueMemberB:
			out[k] = base64.StdEncoding.EncodeToString(v.Value)
		}
	}
	return out
}

func TestSubjectSplitsBackIntoTheExactKey(t *testing.T) {
	for _, keys := range []keyMap{
		{"pk": strAttr("a,b=c"), "sk": strAttr(`d\,e`)},
		{"p=k": strAttr("="), "s,k": strAttr(",")},
		{`\`: strAttr(`\`), `\\`: strAttr(`\\x41`)},
		{"a": strAttr("x,b=y")}, // must not read as two keys
		{" pk ": strAttr(" spaced "), "sk": strAttr("\ttab\n")},
		{"\u2028pk": strAttr("x"), "sk": strAttr("y\u00a0")},
		{"": strAttr(""), "x": numAttr("0")},
		{"bin": binAttr([]byte{0, 1, 2, 0xff}), "num": numAttr("3.14")},
	} {
		subject := Subject(keys)
		if got, want := parseSubject(t, subject), keyStrings(keys); !maps.Equal(got, want) {
			t.Errorf("Subject %q splits into %q, want %q", subject, got, want)
		}
		if subject != strings.TrimSpace(subject) {
			t.Errorf("Subject %q would be changed by trimming", subject)
		}
	}
}

func FuzzSubjectSplitsBackIntoTheExactKey(f *testing.F) {
	f.Add("pk", "a,b", "sk", "c=d")
	f.Add(" ", " ", "\\", "\x00")
	f.Add("k", "\\x41", "k2", "x ")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		if k1 == k2 {
			return
		}
		keys := keyMap{k1: strAttr(v1), k2: strAttr(v2)}
		subject := Subject(keys)
		if got, want := parseSubject(t, subject), keyStrings(keys); !maps.Equal(got, want) {
			t.Errorf("Subject %q splits into %q, want %q", subject, got, want)
		}
		if subject != strings.TrimSpace(subject) {
			t.Errorf("Subject %q would be changed by trimming", subject)
		}
		for i := 0; i < len(subject); i++ {
			if c := subject[i]; c < 0x20 || c == 0x7f {
				t.Errorf("Subject %q contains control character %#x", subject, c)
			}
		}
	})
}
