package checkpoint

import (
	"encoding/json"
	"errors"
	"fmt"
)

// CurrentVersion is the schema version of the checkpoint document that this
// build writes. Raise it when a change would make an older build misread a
// document, and keep reading every older version.
const CurrentVersion = 1

// ErrNewerVersion means a checkpoint document was written by a newer
// dynamodb-source, in a schema this build does not know.
var ErrNewerVersion = errors.New("checkpoints written by a newer dynamodb-source")

// encode renders s as the saved document, stamped with CurrentVersion.
func encode(s State) ([]byte, error) {
	s.Version = CurrentVersion
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encoding checkpoints: %w", err)
	}
	return b, nil
}

// decode parses a saved document, found at where (a file, a ConfigMap key),
// refusing what it cannot read rather than starting over from a wrong
// position: a schema version newer than CurrentVersion, a stream saved as
// null. The errors say which document and what to do.
func decode(b []byte, where string) (State, error) {
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return State{}, fmt.Errorf("decoding checkpoints in %s: %w (delete it to start over from the source's startingPosition)", where, err)
	}
	if s.Version > CurrentVersion {
		return State{}, fmt.Errorf("decoding checkpoints in %s: %w: schema version %d, this build reads up to %d: run the newer version, or delete the checkpoints to start over from the source's startingPosition",
			where, ErrNewerVersion, s.Version, CurrentVersion)
	}
	for arn, st := range s.Streams {
		if st == nil {
			return State{}, fmt.Errorf("decoding checkpoints in %s: the progress of stream %s is null: remove that entry from \"streams\" to read the stream again from its oldest record, or delete the checkpoints to start over",
				where, arn)
		}
	}
	if s.Version == 0 {
		// Saved before versions existed: version 1 without the mark, which
		// any saved stream implies.
		s.Version = 1
		s.ReadBefore = s.ReadBefore || len(s.Streams) > 0
	}
	return s, nil
}
