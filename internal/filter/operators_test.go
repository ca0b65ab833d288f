package filter

import "testing"

func TestExactValues(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"string equals itself", `{"eventName":["INSERT"]}`, top(`"eventName":"INSERT"`), true},
		{"string differs", `{"eventName":["INSERT"]}`, top(`"eventName":"MODIFY"`), false},
		{"strings compare without case folding", `{"eventName":["insert"]}`, top(`"eventName":"INSERT"`), false},
		{"values of one array are ORed", `{"eventName":["INSERT","REMOVE"]}`, top(`"eventName":"REMOVE"`), true},
		{"escaped record string is compared unescaped", `{"a":["é\"x"]}`, top(`"a":"\u00e9\"x"`), true},
		{"escaped record key is compared unescaped", `{"kéy":["😀"]}`, top(`"k\u00e9y":"\ud83d\ude00"`), true},
		{"empty string matches empty string", `{"a":[""]}`, top(`"a":""`), true},
		{"empty string does not match a missing field", `{"a":[""]}`, top(`"b":""`), false},
		{"null matches null", `{"a":[null]}`, top(`"a":null`), true},
		{"null does not match a missing field", `{"a":[null]}`, top(`"b":1`), false},
		{"null does not match empty string", `{"a":[null]}`, top(`"a":""`), false},
		{"number equals the same literal", `{"a":[300]}`, top(`"a":300`), true},
		{"300 and 300.0 are different exact values", `{"a":[300]}`, top(`"a":300.0`), false},
		{"300 and 3.0e2 are different exact values", `{"a":[3.0e2]}`, top(`"a":300`), false},
		{"number does not match the same digits as a string", `{"a":[101]}`, top(`"a":"101"`), false},
		{"DynamoDB N is matched as a string", `{"dynamodb":{"Keys":{"Id":{"N":["101"]}}}}`,
			`{"dynamodb":{"Keys":{"Id":{"N":"101"}}}}`, true},
		{"boolean matches boolean", newImagePattern("active", "BOOL", `[true]`), newImage(`"active":{"BOOL":true}`), true},
		{"boolean does not match the other", newImagePattern("active", "BOOL", `[true]`), newImage(`"active":{"BOOL":false}`), false},
		{"table key filter from Lambda's docs", `{"dynamodb":{"Keys":{"CustomerName":{"S":["AnyCompany Industries"]}}}}`, newImage(``), true},
		{"fields of one pattern are ANDed", `{"eventName":["MODIFY"],"awsRegion":["us-east-1"]}`, newImage(``), false},
		{"AND holds when every field matches", `{"eventName":["MODIFY"],"awsRegion":["eu-west-1"],"eventSource":["aws:dynamodb"]}`, newImage(``), true},
		{"fields not in the pattern are ignored", `{"dynamodb":{"StreamViewType":["NEW_IMAGE"]}}`, newImage(`"x":{"S":"y"}`), true},
		{"metadata numbers match by literal", `{"dynamodb":{"SizeBytes":[26]}}`, newImage(``), true},
		{"a value on an object path does not match", `{"dynamodb":["x"]}`, newImage(``), false},
	})
}

func TestPrefixAndSuffix(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"prefix matches the start", `{"awsRegion":[{"prefix":"eu-"}]}`, newImage(``), true},
		{"prefix does not match elsewhere", `{"awsRegion":[{"prefix":"west"}]}`, newImage(``), false},
		{"prefix is case sensitive", `{"awsRegion":[{"prefix":"EU-"}]}`, newImage(``), false},
		{"prefix with equals-ignore-case folds case", `{"awsRegion":[{"prefix":{"equals-ignore-case":"EU-"}}]}`, newImage(``), true},
		{"prefix matches strings only", `{"a":[{"prefix":"1"}]}`, top(`"a":123`), false},
		{"prefix on a NewImage S", newImagePattern("sku", "S", `[{"prefix":"BOOK-"}]`), newImage(`"sku":{"S":"BOOK-42"}`), true},
		{"suffix matches the end", `{"a":[{"suffix":".png"}]}`, top(`"a":"img/cat.png"`), true},
		{"suffix does not match the start", `{"a":[{"suffix":"img"}]}`, top(`"a":"img/cat.png"`), false},
		{"suffix with equals-ignore-case folds case", `{"a":[{"suffix":{"equals-ignore-case":".PNG"}}]}`, top(`"a":"cat.png"`), true},
		{"ignore-case suffix with multibyte runes", `{"a":[{"suffix":{"equals-ignore-case":"ÉTÉ"}}]}`, top(`"a":"bel été"`), true},
		{"prefix on a missing field does not match", `{"a":[{"prefix":""}]}`, top(`"b":"x"`), false},
		{"empty prefix matches any string", `{"a":[{"prefix":""}]}`, top(`"a":"x"`), true},
	})
}

func TestEqualsIgnoreCase(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"same letters other case", `{"eventName":[{"equals-ignore-case":"insert"}]}`, top(`"eventName":"INSERT"`), true},
		{"different letters", `{"eventName":[{"equals-ignore-case":"insert"}]}`, top(`"eventName":"INSERTS"`), false},
		{"unicode folding", `{"a":[{"equals-ignore-case":"straße"}]}`, top(`"a":"STRAßE"`), true},
		{"strings only", `{"a":[{"equals-ignore-case":"true"}]}`, top(`"a":true`), false},
	})
}

func TestAnythingBut(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"list: a value not listed matches", `{"eventName":[{"anything-but":["REMOVE","MODIFY"]}]}`, top(`"eventName":"INSERT"`), true},
		{"list: a listed value does not match", `{"eventName":[{"anything-but":["REMOVE","MODIFY"]}]}`, top(`"eventName":"REMOVE"`), false},
		{"single string", `{"eventName":[{"anything-but":"REMOVE"}]}`, top(`"eventName":"INSERT"`), true},
		{"single string listed", `{"eventName":[{"anything-but":"REMOVE"}]}`, top(`"eventName":"REMOVE"`), false},
		{"single number", `{"a":[{"anything-but":100}]}`, top(`"a":100`), false},
		{"numbers compare by literal like exact values", `{"a":[{"anything-but":[100]}]}`, top(`"a":100.0`), true},
		{"a string is not one of the numbers", `{"a":[{"anything-but":[100]}]}`, top(`"a":"100"`), true},
		{"missing field does not match", `{"a":[{"anything-but":["x"]}]}`, top(`"b":"y"`), false},
		{"null is a value other than the listed", `{"a":[{"anything-but":["x"]}]}`, top(`"a":null`), true},
		{"prefix: a string without it matches", `{"a":[{"anything-but":{"prefix":"tmp-"}}]}`, top(`"a":"keep"`), true},
		{"prefix: a string with it does not", `{"a":[{"anything-but":{"prefix":"tmp-"}}]}`, top(`"a":"tmp-1"`), false},
		{"prefix: non-strings do not match", `{"a":[{"anything-but":{"prefix":"tmp-"}}]}`, top(`"a":5`), false},
		{"suffix: a string without it matches", `{"a":[{"anything-but":{"suffix":".tmp"}}]}`, top(`"a":"a.txt"`), true},
		{"suffix: a string with it does not", `{"a":[{"anything-but":{"suffix":".tmp"}}]}`, top(`"a":"a.tmp"`), false},
		{"equals-ignore-case inside", `{"a":[{"anything-but":{"equals-ignore-case":"x"}}]}`, top(`"a":"X"`), false},
		{"wildcard inside", `{"a":[{"anything-but":{"wildcard":"*.tmp"}}]}`, top(`"a":"a.txt"`), true},
		{"array in record: one element not listed matches", `{"a":[{"anything-but":["x"]}]}`, top(`"a":["x","y"]`), true},
		{"array in record: all elements listed", `{"a":[{"anything-but":["x","y"]}]}`, top(`"a":["x","y"]`), false},
	})
}

func TestNumeric(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"equals compares values not text", `{"a":[{"numeric":["=",300]}]}`, top(`"a":3.0e2`), true},
		{"equals differs", `{"a":[{"numeric":["=",300]}]}`, top(`"a":301`), false},
		{"greater than excludes the bound", `{"a":[{"numeric":[">",10]}]}`, top(`"a":10`), false},
		{"greater or equal includes the bound", `{"a":[{"numeric":[">=",10]}]}`, top(`"a":10`), true},
		{"less than", `{"a":[{"numeric":["<",0]}]}`, top(`"a":-0.5`), true},
		{"less or equal includes the bound", `{"a":[{"numeric":["<=",-1]}]}`, top(`"a":-1`), true},
		{"range: inside", `{"a":[{"numeric":[">",0,"<=",5]}]}`, top(`"a":5`), true},
		{"range: lower bound excluded", `{"a":[{"numeric":[">",0,"<=",5]}]}`, top(`"a":0`), false},
		{"range: above", `{"a":[{"numeric":[">",0,"<=",5]}]}`, top(`"a":5.0000001`), false},
		{"range: bounds in either order", `{"a":[{"numeric":["<",10,">=",1]}]}`, top(`"a":1`), true},
		{"Lambda's price example: 150.50 in range", `{"price":[{"numeric":[">",0,"<=",150.50]}]}`, top(`"price":150.5`), true},
		{"a JSON string is not a number", `{"a":[{"numeric":[">",0]}]}`, top(`"a":"5"`), false},
		{"DynamoDB N is compared as a number", newImagePattern("qty", "N", `[{"numeric":[">",0,"<=",5]}]`), newImage(`"qty":{"N":"3"}`), true},
		{"DynamoDB N outside the range", newImagePattern("qty", "N", `[{"numeric":[">",0,"<=",5]}]`), newImage(`"qty":{"N":"50"}`), false},
		{"DynamoDB N compared exactly at 38 digits", newImagePattern("big", "N", `[{"numeric":[">",12345678901234567890123456789012345677]}]`),
			newImage(`"big":{"N":"12345678901234567890123456789012345678"}`), true},
		{"38-digit N equal to the bound is not greater", newImagePattern("big", "N", `[{"numeric":[">",12345678901234567890123456789012345678]}]`),
			newImage(`"big":{"N":"12345678901234567890123456789012345678"}`), false},
		{"DynamoDB NS: any element in range", newImagePattern("s", "NS", `[{"numeric":[">",100]}]`), newImage(`"s":{"NS":["1","200"]}`), true},
		{"an S that holds digits is not a number", newImagePattern("code", "S", `[{"numeric":[">",0]}]`), newImage(`"code":{"S":"7"}`), false},
		{"N that is not a number does not match", newImagePattern("q", "N", `[{"numeric":[">",0]}]`), newImage(`"q":{"N":"abc"}`), false},
		{"booleans are not numbers", `{"a":[{"numeric":[">",0]}]}`, top(`"a":true`), false},
		{"missing field does not match", `{"a":[{"numeric":[">",0]}]}`, top(`"b":1`), false},
		{"ApproximateCreationDateTime range", `{"dynamodb":{"ApproximateCreationDateTime":[{"numeric":[">=",1678831218]}]}}`, newImage(``), true},
		{"negative exponents compare exactly", `{"a":[{"numeric":["<",1e-7]}]}`, top(`"a":0.00000009`), true},
	})
}

func TestExists(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"exists true: leaf present", newImagePattern("OrderNumber", "S", `[{"exists":true}]`), newImage(`"OrderNumber":{"S":"1"}`), true},
		{"exists true: leaf missing", newImagePattern("OrderNumber", "S", `[{"exists":true}]`), newImage(`"x":{"S":"1"}`), false},
		{"exists false: leaf missing", newImagePattern("OrderNumber", "S", `[{"exists":false}]`), newImage(`"x":{"S":"1"}`), true},
		{"exists false: leaf present", newImagePattern("OrderNumber", "S", `[{"exists":false}]`), newImage(`"OrderNumber":{"S":"1"}`), false},
		{"exists false: whole image missing", newImagePattern("OrderNumber", "S", `[{"exists":false}]`),
			`{"eventName":"REMOVE","dynamodb":{"Keys":{"k":{"S":"1"}}}}`, true},
		{"exists true works on leaf nodes only", `{"dynamodb":{"NewImage":{"OrderNumber":[{"exists":true}]}}}`, newImage(`"OrderNumber":{"S":"1"}`), false},
		{"exists false on a present non-leaf node does not match", `{"dynamodb":{"NewImage":{"OrderNumber":[{"exists":false}]}}}`, newImage(`"OrderNumber":{"S":"1"}`), false},
		{"exists false on a missing non-leaf node matches", `{"dynamodb":{"NewImage":{"OrderNumber":[{"exists":false}]}}}`, newImage(`"x":{"S":"1"}`), true},
		{"a value on a non-leaf node does not match", `{"dynamodb":{"NewImage":{"OrderNumber":[{"anything-but":"x"}]}}}`, newImage(`"OrderNumber":{"S":"1"}`), false},
		{"exists true on null", `{"a":[{"exists":true}]}`, top(`"a":null`), true},
		{"empty array in record is no value", `{"a":[{"exists":true}]}`, top(`"a":[]`), false},
		{"exists false ORed with a value: value matches", `{"a":[{"exists":false},"x"]}`, top(`"a":"x"`), true},
		{"exists false ORed with a value: neither", `{"a":[{"exists":false},"x"]}`, top(`"a":"y"`), false},
	})
}

func TestWildcard(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"star matches any run", `{"a":[{"wildcard":"dir/*.png"}]}`, top(`"a":"dir/cat.png"`), true},
		{"star matches the empty run", `{"a":[{"wildcard":"dir/*.png"}]}`, top(`"a":"dir/.png"`), true},
		{"literal parts must match", `{"a":[{"wildcard":"dir/*.png"}]}`, top(`"a":"dir/cat.jpg"`), false},
		{"several stars in order", `{"a":[{"wildcard":"*a*b*"}]}`, top(`"a":"xxaYYbzz"`), true},
		{"several stars out of order", `{"a":[{"wildcard":"*a*b*"}]}`, top(`"a":"xxbYYazz"`), false},
		{"no star is an exact match", `{"a":[{"wildcard":"abc"}]}`, top(`"a":"abcd"`), false},
		{"escaped star is literal", `{"a":[{"wildcard":"a\\*"}]}`, top(`"a":"a*"`), true},
		{"escaped star is not a wildcard", `{"a":[{"wildcard":"a\\*"}]}`, top(`"a":"ab"`), false},
		{"prefix and suffix may overlap only once", `{"a":[{"wildcard":"ab*ba"}]}`, top(`"a":"aba"`), false},
		{"strings only", `{"a":[{"wildcard":"*"}]}`, top(`"a":1`), false},
	})
}

func TestOrAndArrays(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"$or: first alternative", `{"$or":[{"eventName":["INSERT"]},{"awsRegion":["eu-west-1"]}]}`, newImage(``), true},
		{"$or: no alternative", `{"$or":[{"eventName":["INSERT"]},{"awsRegion":["us-east-1"]}]}`, newImage(``), false},
		{"$or nested under a field is relative to it", `{"dynamodb":{"$or":[{"StreamViewType":["KEYS_ONLY"]},{"SizeBytes":[26]}]}}`, newImage(``), true},
		{"$or ANDed with sibling fields", `{"eventName":["INSERT"],"$or":[{"awsRegion":["eu-west-1"]}]}`, newImage(``), false},
		{"record array: any element matches", `{"a":["y"]}`, top(`"a":["x","y"]`), true},
		{"record array: no element matches", `{"a":["z"]}`, top(`"a":["x","y"]`), false},
		{"nested record arrays are flattened", `{"a":["z"]}`, top(`"a":[["x"],["z"]]`), true},
		{"objects in record arrays continue the path", `{"a":{"b":["z"]}}`, top(`"a":[{"b":"x"},{"b":"z"}]`), true},
		{"DynamoDB SS: any element", newImagePattern("tags", "SS", `["red"]`), newImage(`"tags":{"SS":["blue","red"]}`), true},
		{"DynamoDB L of maps", `{"dynamodb":{"NewImage":{"l":{"L":{"M":{"k":{"S":["v"]}}}}}}}`, newImage(`"l":{"L":[{"M":{"k":{"S":"v"}}}]}`), true},
		{"not JSON matches nothing", `{"a":["x"]}`, `{"a":"x"`, false},
		{"a JSON array record matches nothing", `{"a":["x"]}`, `[{"a":"x"}]`, false},
	})
}

func TestPatternsAreORed(t *testing.T) {
	f := mustCompile(t, `{"eventName":["INSERT"]}`, `{"eventName":["REMOVE"]}`)
	for rec, want := range map[string]bool{
		top(`"eventName":"INSERT"`): true,
		top(`"eventName":"REMOVE"`): true,
		top(`"eventName":"MODIFY"`): false,
	} {
		if got := f.Match([]byte(rec)); got != want {
			t.Errorf("Match(%s) = %v, want %v", rec, got, want)
		}
	}
}

func TestNoPatternsMatchEverything(t *testing.T) {
	var nilFilter *Filter
	empty := mustCompile(t)
	for _, f := range []*Filter{nilFilter, empty} {
		if !f.Match([]byte(`{"eventName":"INSERT"}`)) || f.Len() != 0 {
			t.Errorf("a filter without patterns must match every record")
		}
	}
}
