package v1alpha1

import "testing"

func TestValidateDataFormatAndFilters(t *testing.T) {
	const arn = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
	filters := func(patterns ...string) *FilterCriteria {
		fc := &FilterCriteria{}
		for _, p := range patterns {
			fc.Filters = append(fc.Filters, Filter{Pattern: p})
		}
		return fc
	}
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = `{"eventName":["INSERT"]}`
	}
	cases := []struct {
		name string
		spec AWSDynamoDBSourceSpec
		want string // "" for valid
	}{
		{"no dataFormat is triggermesh", AWSDynamoDBSourceSpec{ARN: arn}, ""},
		{"lambda is a data format", AWSDynamoDBSourceSpec{ARN: arn, DataFormat: "lambda"}, ""},
		{"document is a data format", AWSDynamoDBSourceSpec{ARN: arn, DataFormat: "document"}, ""},
		{"an unknown data format names the three", AWSDynamoDBSourceSpec{ARN: arn, DataFormat: "avro"},
			`dataFormat: unknown value "avro": use triggermesh, lambda or document`},
		{"a good pattern is valid", AWSDynamoDBSourceSpec{ARN: arn, FilterCriteria: filters(`{"eventName":["INSERT"]}`)}, ""},
		{"a pattern that is not JSON is quoted as given", AWSDynamoDBSourceSpec{ARN: arn, FilterCriteria: filters(`{"eventName":`)},
			"filterCriteria.filters: filter pattern 1 of 1 `{\"eventName\":`"},
		{"an unknown operator is refused", AWSDynamoDBSourceSpec{ARN: arn, FilterCriteria: filters(`{"eventName":[{"startsWith":"IN"}]}`)},
			"filterCriteria.filters: filter pattern 1 of 1"},
		{"an eleventh pattern is refused", AWSDynamoDBSourceSpec{ARN: arn, FilterCriteria: filters(eleven...)},
			"at most 10"},
		{"a pattern on eventSourceARN is refused, as it would match all or nothing", AWSDynamoDBSourceSpec{ARN: arn,
			FilterCriteria: filters(`{"eventName":["INSERT"]}`, `{"eventSourceARN":[{"prefix":"arn:"}]}`)},
			"filter pattern 2 of 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { checkValidate(t, tc.spec, tc.want) })
	}
}
