package hook

import "unsafe"

// reverseHex maps a byte to its hex digit value, 0xff if it is none. A
// string constant, so that decoding state needs no package variable.
const reverseHex = "" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\xff\xff\xff\xff\xff\xff" +
	"\xff\x0a\x0b\x0c\x0d\x0e\x0f\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\x0a\x0b\x0c\x0d\x0e\x0f\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"

// decodeHexString decodes hex text of either case into dst, returning the
// bytes written. It reads the string in place: account_namespace answers
// hold thousands of entries and encoding/hex would need a []byte copy of
// each.
func decodeHexString(dst []byte, s string) (int, bool) {
	if len(s)%2 != 0 || len(s)/2 > len(dst) {
		return 0, false
	}
	n := len(s) / 2
	dst = dst[:n]
	var bad byte
	for i := range dst {
		hi, lo := reverseHex[s[2*i]], reverseHex[s[2*i+1]]
		bad |= hi | lo
		dst[i] = hi<<4 | lo
	}
	// One check at the end keeps the loop free of branches.
	return n, bad <= 0x0f
}

// textArena hands out strings carved from large shared blocks, so that
// listing thousands of hosts costs a few allocations instead of five per
// host. Bytes are only ever appended within a block's capacity and never
// changed afterwards, which is what makes the strings immutable.
type textArena struct {
	block []byte
}

const arenaBlock = 64 << 10

// str returns b as a string. A nil arena allocates normally.
func (a *textArena) str(b []byte) string {
	if a == nil || len(b) == 0 {
		return string(b)
	}
	if len(b) > arenaBlock/4 {
		return string(b)
	}
	if cap(a.block)-len(a.block) < len(b) {
		a.block = make([]byte, 0, arenaBlock)
	}
	start := len(a.block)
	a.block = append(a.block, b...)
	return unsafe.String(&a.block[start], len(b))
}

// trim is trimNUL through the arena.
func (a *textArena) trim(b []byte) string {
	n := len(b)
	for n > 0 && b[n-1] == 0 {
		n--
	}
	return a.str(b[:n])
}
