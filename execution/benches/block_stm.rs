//! Criterion benchmark of block execution (issue 4): for each workload of `workloads` at
//! 1,000 and 10,000 transactions, the plain sequential revm loop over revm's in-memory
//! database, our sequential executor, and our parallel executor (Block-STM) at 1 and 2 threads
//! and at the core count when it is higher, all from the same in-memory genesis state.
//! Throughput is in transactions.
//!
//! `cargo bench -p execution --bench block_stm [-- FILTER]`, e.g. `-- erc20/10000`. The
//! one-run comparison table is `benches/block_stm_table.rs`.

#[path = "workloads/mod.rs"]
mod workloads;

use std::time::Duration;

use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use workloads::{Block, Workload, parallel, revm_loop, sequential};

/// Block sizes of issue 4.
const SIZES: [usize; 2] = [1_000, 10_000];

/// 1 and 2, and the core count when it is higher.
fn thread_counts() -> Vec<usize> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut threads = vec![1, 2];
    if cores > 2 {
        threads.push(cores);
    }
    threads
}

fn block_execution(c: &mut Criterion) {
    // As the node does: blocks reuse the memory earlier blocks freed.
    execution::allocator::keep_freed_memory();
    for workload in Workload::ALL {
        for n in SIZES {
            let block = Block::build(workload, n);
            let state = block.genesis.mem_state();
            let db = block.genesis.in_memory_db();

            let mut group = c.benchmark_group(format!("{}/{n}", workload.name()));
            group
                .throughput(Throughput::Elements(n as u64))
                .sampling_mode(SamplingMode::Flat)
                .sample_size(10)
                .warm_up_time(Duration::from_millis(500))
                .measurement_time(Duration::from_secs(if n >= 10_000 { 4 } else { 2 }));

            // Inputs are cloned and outputs dropped outside the measured time.
            group.bench_function("revm_loop", |b| {
                b.iter_batched(
                    || db.clone(),
                    |mut db| {
                        std::hint::black_box(revm_loop(&mut db, &block));
                        db
                    },
                    BatchSize::PerIteration,
                )
            });
            group.bench_function("sequential", |b| {
                b.iter_batched(
                    || block.txs.clone(),
                    |txs| sequential(&state, &block, txs),
                    BatchSize::PerIteration,
                )
            });
            for threads in thread_counts() {
                group.bench_function(format!("parallel_{threads}"), |b| {
                    b.iter_batched(
                        || block.txs.clone(),
                        |txs| parallel(&state, &block, txs, threads),
                        BatchSize::PerIteration,
                    )
                });
            }
            group.finish();
        }
    }
}

criterion_group!(benches, block_execution);
criterion_main!(benches);
