package v1alpha1

import (
	"fmt"
	"regexp"
	"strings"
)

// TableARN is a parsed DynamoDB table ARN.
type TableARN struct {
	Partition string
	Region    string
	Account   string
	Table     string
}

// String renders the ARN in its canonical form.
func (a TableARN) String() string {
	return fmt.Sprintf("arn:%s:dynamodb:%s:%s:table/%s", a.Partition, a.Region, a.Account, a.Table)
}

var (
	tableNameRE = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)
	accountRE   = regexp.MustCompile(`^[0-9]{12}$`)
	regionRE    = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
)

const tableARNFormat = "arn:aws:dynamodb:<region>:<account-id>:table/<table-name>"

// ParseTableARN parses a DynamoDB table ARN. Its errors say what is wrong and
// what a table ARN looks like, since they are shown to users as they are.
func ParseTableARN(s string) (TableARN, error) {
	if s == "" {
		return TableARN{}, fmt.Errorf("missing table ARN: give the ARN of a DynamoDB table, %s", tableARNFormat)
	}
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return TableARN{}, fmt.Errorf("%q is not an ARN: a table ARN looks like %s", s, tableARNFormat)
	}
	a := TableARN{Partition: parts[1], Region: parts[3], Account: parts[4]}
	switch a.Partition {
	case "aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b":
	default:
		return TableARN{}, fmt.Errorf("ARN %q has an unknown partition %q: a table ARN looks like %s", s, a.Partition, tableARNFormat)
	}
	if parts[2] != "dynamodb" {
		return TableARN{}, fmt.Errorf("ARN %q is of service %q, not dynamodb: give the ARN of a DynamoDB table, %s", s, parts[2], tableARNFormat)
	}
	if !regionRE.MatchString(a.Region) {
		return TableARN{}, fmt.Errorf("ARN %q has no valid region (got %q): a table ARN looks like %s", s, a.Region, tableARNFormat)
	}
	if !accountRE.MatchString(a.Account) {
		return TableARN{}, fmt.Errorf("ARN %q has no valid 12-digit account ID (got %q): a table ARN looks like %s", s, a.Account, tableARNFormat)
	}
	resource := parts[5]
	table, rest, _ := strings.Cut(strings.TrimPrefix(resource, "table/"), "/")
	switch {
	case !strings.HasPrefix(resource, "table/"):
		return TableARN{}, fmt.Errorf("ARN %q is not of a table (resource %q): a table ARN looks like %s", s, resource, tableARNFormat)
	case strings.HasPrefix(rest, "stream/"):
		return TableARN{}, fmt.Errorf("ARN %q is of a stream, not of a table: give the table's ARN, arn:%s:dynamodb:%s:%s:table/%s; the source finds the table's current stream itself",
			s, a.Partition, a.Region, a.Account, table)
	case rest != "":
		return TableARN{}, fmt.Errorf("ARN %q is not of a table (resource %q): a table ARN looks like %s", s, resource, tableARNFormat)
	case !tableNameRE.MatchString(table):
		return TableARN{}, fmt.Errorf("ARN %q has an invalid table name %q: table names are 3 to 255 characters of a-z, A-Z, 0-9, '_', '-' and '.'", s, table)
	}
	a.Table = table
	return a, nil
}

var roleARNRE = regexp.MustCompile(`^arn:aws(-cn|-us-gov|-iso|-iso-b)?:iam::[0-9]{12}:role/.+$`)

// ValidateRoleARN checks that s is the ARN of an IAM role.
func ValidateRoleARN(s string) error {
	if !roleARNRE.MatchString(s) {
		return fmt.Errorf("%q is not an IAM role ARN: it should look like arn:aws:iam::<account-id>:role/<role-name>", s)
	}
	return nil
}
