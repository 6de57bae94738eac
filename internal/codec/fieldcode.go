package codec

// FieldName returns the name of the field with the given type code and
// field code (nth), as it appears in a serialised field header.
func (d *Definitions) FieldName(typeCode, nth int) (string, bool) {
	f, ok := d.byHeader[headerKey{typeCode, nth}]
	if !ok {
		return "", false
	}
	return f.name, true
}
