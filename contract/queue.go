package contract

import (
	"context"
	"sync"
)

// queue is a bounded FIFO filled by the connection's reader, which must never block on a
// slow consumer: when full, the oldest item is dropped.
type queue[T any] struct {
	mu      sync.Mutex
	items   []T
	max     int
	dropped int
	notify  chan struct{}
}

func newQueue[T any](max int) *queue[T] {
	return &queue[T]{max: max, notify: make(chan struct{}, 1)}
}

func (q *queue[T]) push(v T) {
	q.mu.Lock()
	if len(q.items) >= q.max {
		var zero T
		q.items[0] = zero
		q.items = q.items[1:]
		q.dropped++
	}
	q.items = append(q.items, v)
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

func (q *queue[T]) tryPop() (T, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var zero T
	if len(q.items) == 0 {
		return zero, false
	}
	v := q.items[0]
	q.items[0] = zero
	q.items = q.items[1:]
	if len(q.items) > 0 {
		select {
		case q.notify <- struct{}{}:
		default:
		}
	}
	return v, true
}

// pop waits for an item; after done is closed it returns the remaining items, then errDone.
func (q *queue[T]) pop(ctx context.Context, done <-chan struct{}, errDone func() error) (T, error) {
	for {
		if v, ok := q.tryPop(); ok {
			return v, nil
		}
		select {
		case <-q.notify:
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		case <-done:
			if v, ok := q.tryPop(); ok {
				return v, nil
			}
			var zero T
			return zero, errDone()
		}
	}
}
