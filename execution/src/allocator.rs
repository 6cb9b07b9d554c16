//! Process-wide allocator tuning for a node: keep the memory a block frees for the next one.
//!
//! A block's execution allocates megabytes that live until it is sealed (its transactions'
//! results, its write set: about 20 MB for 10,000 transfers). With glibc's defaults, blocks of
//! that size are `mmap`ed and given back to the kernel when freed, so every block pays for
//! fresh, zeroed pages again — measured at about 5,000 page faults per 10,000-transaction
//! block, a quarter of its execution time. [`keep_freed_memory`] raises glibc's thresholds so
//! that freed memory stays in the process heap and is reused; the process then holds on to
//! up to its largest working set (plus [`TRIM_THRESHOLD`] of free memory at the heap top).
//!
//! Binaries call it once at start (`manifold`, the benchmarks); libraries never do.

/// Allocations served from the heap rather than `mmap`: up to glibc's maximum (32 MiB).
pub const MMAP_THRESHOLD: i32 = 32 * 1024 * 1024;
/// Free memory at the top of the heap that glibc keeps rather than returning (1 GiB).
pub const TRIM_THRESHOLD: i32 = 1 << 30;

/// Tunes glibc's allocator to keep freed memory for reuse (no effect on other platforms).
/// Returns whether the settings took.
pub fn keep_freed_memory() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only changes allocator parameters; it is safe to call at any
        // time, and it is called once, at start, before the node allocates much.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
                && libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}
