package document

import (
	"errors"
	"fmt"

	"github.com/dynamodb-source/dynamodb-source/internal/event/v1json"
)

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func asRecordError(err error, re **v1json.RecordError) bool { return errors.As(err, re) }
