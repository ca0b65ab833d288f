package netcount

import (
	"context"
	"net"
	"sync/atomic"
)

// Conn counts the writes made on a connection.
type Conn struct {
	net.Conn
	Writes *atomic.Int64
}

func (c Conn) Write(p []byte) (int, error) {
	c.Writes.Add(1)
	return c.Conn.Write(p)
}

// Dial returns a DialContext whose connections count their writes in
// writes.
func Dial(writes *atomic.Int64) func(ctx context.Context, network, addr string) (net.Conn, error) {
	dial := (&net.Dialer{}).DialContext
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return Conn{Conn: c, Writes: writes}, nil
	}
}
