//! `Padded`: a value alone on its cache line(s), so that per-transaction and per-shard locks
//! and counters written by different worker threads do not share lines (false sharing).

/// `T` aligned to 128 bytes (two cache lines: the adjacent-line prefetcher pairs them).
#[derive(Debug, Default)]
#[repr(align(128))]
pub(super) struct Padded<T>(pub(super) T);

impl<T> std::ops::Deref for Padded<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}
