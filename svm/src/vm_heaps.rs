//! The heaps in agave's per-thread VM memory pool, sized to the transaction's heap frame.
//!
//! Agave 4.2 keeps, per thread, a pool of nine stacks and nine heaps for the VMs of nested
//! invocations (`solana_program_runtime::vm::MEMORY_POOL`), and zeroes a buffer whole each
//! time it returns to the pool. Its heaps are 256 KiB — the largest heap frame a transaction
//! may request — though a VM maps only the transaction's frame (32 KiB unless it asks for
//! more through ComputeBudget). Zeroing the unmapped 224 KiB after every instruction was the
//! largest single cost of a token transfer. Before each transaction, [`fit`] makes the pooled
//! heaps exactly the transaction's frame; a VM sees the same zeroed heap of the same size as
//! under agave, at an eighth of the zeroing for a default frame.
//!
//! The pool belongs to the thread: another agave-based runtime executing on a thread after
//! ours (LiteSVM in our tests and benchmarks) finds heaps of the last frame ours used, and
//! must not ask for a larger one there.

use std::cell::Cell;

use solana_program_runtime::{
    execution_budget::{MAX_HEAP_FRAME_BYTES, MIN_HEAP_FRAME_BYTES},
    vm::MEMORY_POOL,
};
use solana_sbpf::{aligned_memory::AlignedMemory, ebpf::HOST_ALIGN};

thread_local! {
    /// The size of every heap in this thread's pool: agave fills it with the largest frame.
    static POOLED_HEAP_BYTES: Cell<u32> = const { Cell::new(MAX_HEAP_FRAME_BYTES) };
}

/// Makes every heap in this thread's VM memory pool `heap_bytes` long (a valid heap frame:
/// a multiple of 1 KiB from 32 KiB to 256 KiB, as ComputeBudget sanitizes it). Call it
/// before executing a transaction, outside any invocation: the pool is full then.
pub(crate) fn fit(heap_bytes: u32) {
    debug_assert!((MIN_HEAP_FRAME_BYTES..=MAX_HEAP_FRAME_BYTES).contains(&heap_bytes));
    if POOLED_HEAP_BYTES.get() == heap_bytes {
        return;
    }
    MEMORY_POOL.with_borrow_mut(|pool| {
        // Between transactions every heap is in the pool: taking `heap_len` of them empties
        // it, and as many new ones of the new size fill it again.
        let slots = pool.heap_len();
        for _ in 0..slots {
            drop(pool.get_heap(heap_bytes));
        }
        for _ in 0..slots {
            pool.put_heap(AlignedMemory::<{ HOST_ALIGN }>::zero_filled(heap_bytes as usize));
        }
    });
    POOLED_HEAP_BYTES.set(heap_bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// After fitting, the VM is handed heaps of exactly the frame, zeroed, and fitting back
    /// to the largest frame restores agave's buffers.
    #[test]
    fn pooled_heaps_take_the_frame_size_and_come_back_zeroed() {
        fit(64 * 1024);
        MEMORY_POOL.with_borrow_mut(|pool| {
            let mut heap = pool.get_heap(64 * 1024);
            assert_eq!(heap.as_slice().len(), 64 * 1024);
            assert!(heap.as_slice().iter().all(|b| *b == 0));
            heap.as_slice_mut().fill(7);
            pool.put_heap(heap);
            let heap = pool.get_heap(64 * 1024);
            assert!(heap.as_slice().iter().all(|b| *b == 0), "a returned heap is zeroed");
            pool.put_heap(heap);
        });
        fit(MAX_HEAP_FRAME_BYTES);
        MEMORY_POOL.with_borrow_mut(|pool| {
            let heaps: Vec<_> = (0..pool.heap_len()).map(|_| pool.get_heap(32 * 1024)).collect();
            assert!(heaps.iter().all(|h| h.as_slice().len() == MAX_HEAP_FRAME_BYTES as usize));
            for heap in heaps {
                pool.put_heap(heap);
            }
        });
    }
}
