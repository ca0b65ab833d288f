// Package netcount counts the writes made on network connections, for
// tests that hold a request to one write (one syscall) on the wire.
package netcount
