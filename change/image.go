package change

import "slices"

// Normalize returns an image (a row as the outbox or a snapshot read holds
// it) with each value in its column's envelope form, and the row's key, as
// FromRow would put them in an event: the key is byte for byte the Kafka
// message key. The returned slices are the caller's. Every error is a
// *ValueError.
func Normalize(t *Table, image []byte) (normalized, key []byte, err error) {
	c := convPool.Get().(*conv)
	defer c.release()
	c.t, c.seq = t, 0
	span, err := c.image(image, "row", OpRead)
	if err != nil {
		return nil, nil, err
	}
	img, k := span.slices(c.buf)
	return slices.Clone(img), slices.Clone(k), nil
}
