//! Declared access, partitioned (Sealevel-style): a block whose transactions all declare
//! their access is split into independent parts — transactions that share no key, except
//! for credits, which commute — and workers take parts from a shared queue, each running
//! the transactions of a part in block order over its own overlay of the base state.
//! Nothing is shared between workers while they run; their writes are disjoint and are
//! merged at the end, credits summed.
//!
//! The parts are the connected components of the block's conflict graph: two transactions
//! conflict when they access a key and one of them writes it, or when one reads an account
//! another credited before it (it must see the credit). Neighbouring small components are
//! grouped into parts of a sixteenth of a worker's share (neighbouring transactions on one
//! core); a larger component is a part of its own, queued first. A worker takes the next
//! part when it is done with one, so a core slowed by other work on the machine takes fewer
//! parts rather than holding up the block. When one component holds most of the block,
//! partitioning cannot pay and the scheduler uses the dependency graph instead.

use alloy_primitives::map::HashMap;
use parking_lot::Mutex;

use super::{
    block_run::{BlockRun, RunStats, Stop, outputs},
    declared_access::{Access, DeclaredAccess},
    dependency_graph::allows,
    overlay_view::{OverlayShare, OverlayView},
    state_key::StateKey,
    thread_pool::run_workers,
    vm::{BlockVm, TxWrites, VmWorker},
    write_fold::FoldError,
};
use crate::{ExecutionError, StateView};

/// Union-find over transaction indices.
struct Components(Vec<u32>);

impl Components {
    fn root(&mut self, mut i: u32) -> u32 {
        while self.0[i as usize] != i {
            let parent = self.0[i as usize];
            self.0[i as usize] = self.0[parent as usize];
            i = parent;
        }
        i
    }

    fn union(&mut self, a: u32, b: u32) {
        let (a, b) = (self.root(a), self.root(b));
        if a != b {
            // The lower index is the root: roots stay in block order.
            let (low, high) = if a < b { (a, b) } else { (b, a) };
            self.0[high as usize] = low;
        }
    }
}

/// A block split into independent parts for workers to take.
#[derive(Debug)]
pub(super) struct Partition {
    /// The parts, in the order workers take them; each holds whole components, its
    /// transactions in block order.
    pub(super) parts: Vec<Vec<u32>>,
    /// How many workers take parts.
    pub(super) workers: usize,
    /// The transactions of the largest component.
    largest: usize,
    /// Accounts credited more than once, or credited in one component and read or written
    /// in another (the parts may run on different workers, in any order): their credits are
    /// summed across workers at the end. Every other credit is settled by the worker that
    /// makes it.
    pub(super) shared_credits: std::collections::HashSet<crate::AccountId>,
}

/// Per key, while partitioning (`NONE`: no such transaction).
#[derive(Clone, Copy)]
struct KeyUse {
    /// A transaction that read or wrote the key.
    user: u32,
    /// Head of the list (in `Partition::new`'s `links`) of the transactions that credited
    /// the key since it was last read or written.
    crediters: u32,
    /// The first transaction that credited the key, and how many did.
    first_crediter: u32,
    credits: u32,
}

const NONE: u32 = u32::MAX;

/// Parts per worker's share of the block: small enough that a slowed worker's last part is
/// a small delay, large enough to keep neighbouring transactions together.
const PARTS_PER_WORKER: usize = 16;

impl Default for KeyUse {
    fn default() -> Self {
        Self { user: NONE, crediters: NONE, first_crediter: NONE, credits: 0 }
    }
}

impl Partition {
    /// Splits transactions declaring `access` (in block order) among `workers`.
    pub(super) fn new(access: &[&DeclaredAccess], workers: usize) -> Self {
        let n = access.len();
        let workers = workers.max(1);
        let mut components = Components((0..n as u32).collect());
        let mut keys: HashMap<StateKey, KeyUse> = HashMap::default();
        keys.reserve(n * 2);
        // Linked lists of crediters: (transaction, next).
        let mut links: Vec<(u32, u32)> = Vec::with_capacity(n);
        for (txn, declared) in access.iter().enumerate() {
            let txn = txn as u32;
            for (key, kind) in declared.keys() {
                let entry = keys.entry(*key).or_default();
                match kind {
                    Access::Read | Access::Write => {
                        if entry.user != NONE {
                            components.union(txn, entry.user);
                        }
                        let mut next = std::mem::replace(&mut entry.crediters, NONE);
                        while next != NONE {
                            let (crediter, following) = links[next as usize];
                            components.union(txn, crediter);
                            next = following;
                        }
                        entry.user = txn;
                    }
                    // A credit after a read or write needs no order: the earlier reader must
                    // not see it, and the account's final value adds it.
                    Access::Credit => {
                        links.push((txn, entry.crediters));
                        entry.crediters = links.len() as u32 - 1;
                        if entry.credits == 0 {
                            entry.first_crediter = txn;
                        }
                        entry.credits += 1;
                    }
                }
            }
        }
        // Component sizes; then the parts: a component of a part's size or more alone, the
        // smaller ones grouped in block order until a part has that size.
        let roots: Vec<u32> = (0..n as u32).map(|t| components.root(t)).collect();
        let mut sizes = vec![0u32; n];
        for root in &roots {
            sizes[*root as usize] += 1;
        }
        let part_size = (n.div_ceil(workers) / PARTS_PER_WORKER).max(1) as u32;
        let mut part_of = vec![0u32; n];
        let (mut large, mut small): (Vec<u32>, Vec<u32>) = (Vec::new(), Vec::new());
        let mut filling = 0u32;
        let mut part_count = 0u32;
        for root in (0..n as u32).filter(|r| sizes[*r as usize] > 0) {
            let size = sizes[root as usize];
            if size >= part_size {
                large.push(root);
                continue;
            }
            if filling == 0 {
                part_count += 1;
            }
            small.push(root);
            part_of[root as usize] = part_count - 1;
            filling += size;
            if filling >= part_size {
                filling = 0;
            }
        }
        // Large components first, largest first, so that no worker starts one late.
        large.sort_unstable_by(|a, b| sizes[*b as usize].cmp(&sizes[*a as usize]).then(a.cmp(b)));
        let offset = large.len() as u32;
        for root in &small {
            part_of[*root as usize] += offset;
        }
        for (i, root) in large.iter().enumerate() {
            part_of[*root as usize] = i as u32;
        }
        let mut parts: Vec<Vec<u32>> = vec![Vec::new(); (offset + part_count) as usize];
        for (txn, root) in roots.iter().enumerate() {
            parts[part_of[*root as usize] as usize].push(txn as u32);
        }
        let largest = sizes.iter().copied().max().unwrap_or(0) as usize;
        // Credits summed across workers: an account credited more than once (conservatively),
        // or credited in one component and read or written in another.
        let shared_credits = keys
            .iter()
            .filter(|(_, using)| {
                using.credits > 1
                    || (using.credits == 1
                        && using.user != NONE
                        && roots[using.user as usize] != roots[using.first_crediter as usize])
            })
            .filter_map(|(key, _)| match key {
                StateKey::Account(address) => Some(*address),
                _ => None,
            })
            .collect();
        Self { parts, workers, largest, shared_credits }
    }

    /// The speed-up the split allows: transactions over the most one worker must run (its
    /// share, or the largest component if that is more).
    pub(super) fn parallelism(&self) -> f64 {
        let total: usize = self.parts.iter().map(Vec::len).sum();
        let heaviest = self.largest.max(total.div_ceil(self.workers)).max(1);
        total as f64 / heaviest as f64
    }
}

/// Runs `txs`, all declaring their access, split by `partition`: each worker takes the next
/// part until none is left.
/// Stops with `Stop::Undeclared` (and no results) when a transaction strays outside its
/// declaration or wipes storage.
pub(super) fn run_partitioned<Vm: BlockVm, V: StateView + Sync>(
    vm: &Vm,
    base: &V,
    txs: &[Vm::Tx],
    access: &[&DeclaredAccess],
    partition: &Partition,
) -> Result<BlockRun<Vm::Output>, ExecutionError> {
    let n = txs.len();
    let outputs = outputs::<Vm::Output>(n);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let shares: Mutex<Vec<Result<OverlayShare, FoldError>>> = Mutex::new(Vec::new());
    let stats = Mutex::new(RunStats::default());
    let next_part = std::sync::atomic::AtomicUsize::new(0);
    let take_part = || {
        let part = next_part.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        partition.parts.get(part)
    };
    run_workers(partition.workers.min(partition.parts.len()), |_| {
        let view = OverlayView::new(base, &partition.shared_credits, n * 2 / partition.workers);
        let mut executor = vm.worker(&view);
        let mut writes = TxWrites::default();
        let mut executions = 0;
        for &txn in std::iter::from_fn(take_part).flatten() {
            if stop.load(std::sync::atomic::Ordering::Relaxed) {
                break;
            }
            let declared = access[txn as usize];
            view.begin(declared);
            writes.clear();
            let result = executor.execute(&txs[txn as usize], &mut writes);
            executions += 1;
            let applied = !view.read_undeclared()
                && allows(declared, &writes)
                && !matches!(result, Err(ExecutionError::ReadEstimate { .. }))
                && view.apply(&writes).unwrap_or(false);
            if !applied {
                stop.store(true, std::sync::atomic::Ordering::Relaxed);
                break;
            }
            *outputs[txn as usize].lock() = Some(result);
        }
        drop(executor);
        stats.lock().executions += executions;
        if !stop.load(std::sync::atomic::Ordering::Relaxed) {
            shares.lock().push(view.into_changes());
        }
    });
    let stats = stats.into_inner();
    if stop.into_inner() {
        return BlockRun::without_memory(outputs, 0, None, stats, Some(Stop::Undeclared));
    }
    match shares.into_inner().into_iter().collect::<Result<Vec<_>, _>>() {
        Ok(shares) => BlockRun::without_memory(outputs, n, Some(shares), stats, None),
        Err(FoldError::Execution(e)) => Err(e),
        Err(FoldError::NotExact(why)) => Err(ExecutionError::Invariant(why.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use alloy_primitives::Address;

    use crate::AccountId;

    fn id(i: u8) -> AccountId {
        AccountId::from(Address::repeat_byte(i))
    }

    fn account(i: u8) -> StateKey {
        StateKey::Account(id(i))
    }

    #[test]
    fn components_split_and_balance() {
        // 0 and 2 share key 1; 1 and 3 share key 2; 4 only credits what 0 writes.
        let a = DeclaredAccess::new([], [account(1)]);
        let b = DeclaredAccess::new([], [account(2)]);
        let c = DeclaredAccess::new([account(1)], []);
        let d = DeclaredAccess::new([account(2)], [account(3)]);
        let e = DeclaredAccess::default().credit(id(1));
        let partition = Partition::new(&[&a, &b, &c, &d, &e], 2);
        let mut parts = partition.parts.clone();
        parts.sort();
        assert_eq!(parts, vec![vec![0, 2], vec![1, 3], vec![4]]);
        // 4's credit needs no order after 0 and 2, but its part may run on their worker
        // before them, or on another: summed at the end.
        assert!(partition.shared_credits.contains(&id(1)));
        // Most one worker must run: its share (3 of 5), the largest component being smaller.
        assert_eq!(partition.parallelism(), 5.0 / 3.0);
        // 64 independent transactions for 2 workers: parts of 32 / 16 = 2, in block order.
        let lone: Vec<DeclaredAccess> =
            (0..64).map(|i| DeclaredAccess::new([], [account(10 + i)])).collect();
        let lone: Vec<&DeclaredAccess> = lone.iter().collect();
        let partition = Partition::new(&lone, 2);
        let expected: Vec<Vec<u32>> = (0..32).map(|p| vec![2 * p, 2 * p + 1]).collect();
        assert_eq!(partition.parts, expected);
        assert_eq!(partition.parallelism(), 2.0);
    }

    #[test]
    fn large_components_are_parts_of_their_own_queued_first() {
        // Transactions 0..40 chain on key 1 (one component of 40); 40..64 stand alone.
        let chained = DeclaredAccess::new([], [account(1)]);
        let mut access: Vec<DeclaredAccess> = vec![chained; 40];
        access.extend((0..24).map(|i| DeclaredAccess::new([], [account(100 + i)])));
        let access: Vec<&DeclaredAccess> = access.iter().collect();
        let partition = Partition::new(&access, 2);
        assert_eq!(partition.parts[0], (0..40).collect::<Vec<u32>>());
        assert!(partition.parts[1..].iter().all(|part| part.len() == 2));
        assert_eq!(partition.parts.iter().map(Vec::len).sum::<usize>(), 64);
        // The chain bounds the speed-up: 64 over 40.
        assert_eq!(partition.parallelism(), 64.0 / 40.0);
    }

    #[test]
    fn a_credit_read_in_another_component_is_shared() {
        // 0 reads account 1; 1 credits it after (no order needed: another component); 2
        // credits account 2 that nobody reads.
        let read = DeclaredAccess::new([account(1)], []);
        let credit = DeclaredAccess::default().credit(id(1));
        let lone_credit = DeclaredAccess::default().credit(id(2));
        let partition = Partition::new(&[&read, &credit, &lone_credit], 2);
        assert!(partition.shared_credits.contains(&id(1)));
        assert!(!partition.shared_credits.contains(&id(2)));
    }

    #[test]
    fn a_reader_joins_the_creditors_before_it() {
        let credit = DeclaredAccess::default().credit(id(1));
        let read = DeclaredAccess::new([account(1)], []);
        let other = DeclaredAccess::new([], [account(9)]);
        let partition = Partition::new(&[&credit, &credit, &read, &credit, &other], 2);
        assert!(partition.parts.contains(&vec![0, 1, 2]), "{:?}", partition.parts);
    }
}
