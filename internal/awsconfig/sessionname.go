package awsconfig

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Limits of an AssumeRole RoleSessionName: 2 to 64 characters of
// [\w+=,.@-]. A longer or invalid name fails every AssumeRole call.
const (
	maxSessionName  = 64
	sessionHashSize = 8
)

// SessionName makes name fit for RoleSessionName: characters outside the
// allowed set become '-', and a name over 64 characters keeps its start
// (readable in CloudTrail) and ends with a hash of the whole name, so that
// two long names with the same start stay apart and the same name always
// gives the same session name.
func SessionName(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("_+=,.@-", r):
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	s := b.String()
	if len(s) < 2 {
		s = "dynamodb-source" + s
	}
	if len(s) <= maxSessionName {
		return s
	}
	sum := sha256.Sum256([]byte(name))
	h := hex.EncodeToString(sum[:])[:sessionHashSize]
	return s[:maxSessionName-len(h)-1] + "-" + h
}
