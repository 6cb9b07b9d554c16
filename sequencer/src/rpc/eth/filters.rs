//! Polling filters (`eth_newFilter`, `eth_newBlockFilter`, `eth_getFilterChanges`,
//! `eth_getFilterLogs`, `eth_uninstallFilter`) and `eth_getLogs`.
//!
//! Filters live in memory, keyed by a random hex id, and expire after [`FILTER_TTL`]
//! without a poll (expired filters are swept whenever filters are used). At most
//! [`MAX_FILTERS`] exist at once. Each remembers the next block it has not reported; a poll
//! reports blocks from there to the head, at most `rpc.get_logs_max_block_range` (log
//! filters) or [`MAX_HASHES_PER_POLL`] (block filters) blocks at a time; the rest comes with
//! the next poll. A log filter's poll whose blocks hold more matching logs than a query may
//! return answers the `-32005` limit error and still moves past those blocks (see
//! [`poll_logs`]), so one huge block cannot wedge a filter.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use alloy_eips::BlockNumberOrTag;
use alloy_primitives::B256;
use alloy_rpc_types_eth::{Filter, FilterBlockOption, FilterChanges, Log, Transaction};
use execution::StoreReader;
use parking_lot::Mutex;

use super::{
    api::EthFiltersApiServer,
    block_id::{head_number, tag_number},
    errors::{LIMIT_EXCEEDED, RpcResult, internal, limit_exceeded, server_error},
    handler::RpcHandler,
    ids::random_id,
    logs::{check_filter_range, logs_in_range},
};
use crate::Heads;

/// How long a filter lives without being polled.
pub(crate) const FILTER_TTL: Duration = Duration::from_secs(5 * 60);
/// Most filters installed at once.
pub(crate) const MAX_FILTERS: usize = 10_000;
/// Most block hashes one poll of a block filter returns.
pub(crate) const MAX_HASHES_PER_POLL: u64 = 1024;

/// What a filter watches.
#[derive(Debug, Clone)]
pub(crate) enum FilterKind {
    /// New block hashes.
    Blocks,
    /// Logs matching the filter.
    Logs(Box<Filter>),
}

#[derive(Debug)]
struct Installed {
    kind: FilterKind,
    /// First block not yet reported.
    next_block: u64,
    last_poll: Instant,
}

/// The installed filters.
#[derive(Debug, Default)]
pub(crate) struct FilterRegistry {
    filters: Mutex<HashMap<String, Installed>>,
}

fn not_found() -> jsonrpsee::types::ErrorObjectOwned {
    server_error("filter not found")
}

impl FilterRegistry {
    fn sweep(filters: &mut HashMap<String, Installed>, now: Instant) {
        filters.retain(|_, f| now.saturating_duration_since(f.last_poll) < FILTER_TTL);
    }

    /// Installs a filter that reports from `next_block` on; returns its id.
    pub(crate) fn install(
        &self,
        kind: FilterKind,
        next_block: u64,
        now: Instant,
    ) -> RpcResult<String> {
        let mut filters = self.filters.lock();
        Self::sweep(&mut filters, now);
        if filters.len() >= MAX_FILTERS {
            return Err(limit_exceeded(format!(
                "too many filters installed (limit {MAX_FILTERS}); uninstall some or let them \
                 expire"
            )));
        }
        let id = random_id();
        filters.insert(id.clone(), Installed { kind, next_block, last_poll: now });
        Ok(id)
    }

    /// The filter `id` and its cursor, marking it polled.
    pub(crate) fn poll(&self, id: &str, now: Instant) -> RpcResult<(FilterKind, u64)> {
        let mut filters = self.filters.lock();
        Self::sweep(&mut filters, now);
        let filter = filters.get_mut(&id.to_ascii_lowercase()).ok_or_else(not_found)?;
        filter.last_poll = now;
        Ok((filter.kind.clone(), filter.next_block))
    }

    /// Moves filter `id`'s cursor forward to `next_block` (never back).
    pub(crate) fn advance(&self, id: &str, next_block: u64) {
        if let Some(filter) = self.filters.lock().get_mut(&id.to_ascii_lowercase()) {
            filter.next_block = filter.next_block.max(next_block);
        }
    }

    /// After the chain was rewound to block `to` (a devnet's `evm_revert`): every cursor past
    /// it moves back to the block after it, so the blocks sealed anew there are reported.
    pub(crate) fn rewound(&self, to: u64) {
        for filter in self.filters.lock().values_mut() {
            filter.next_block = filter.next_block.min(to.saturating_add(1));
        }
    }

    /// Removes filter `id`; whether it existed.
    pub(crate) fn uninstall(&self, id: &str) -> bool {
        self.filters.lock().remove(&id.to_ascii_lowercase()).is_some()
    }

    /// Number of installed filters (expired ones included until the next sweep).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.filters.lock().len()
    }
}

/// New block hashes from `next` on; returns them and the new cursor.
fn block_changes(reader: &StoreReader, next: u64) -> RpcResult<(Vec<B256>, u64)> {
    let head = head_number(reader)?;
    if next > head {
        return Ok((vec![], next));
    }
    let last = head.min(next.saturating_add(MAX_HASHES_PER_POLL - 1));
    let mut hashes = Vec::with_capacity((last - next + 1) as usize);
    for number in next..=last {
        let header = reader
            .header(number)
            .map_err(internal)?
            .ok_or_else(|| internal(format!("block {number} has no header")))?;
        hashes.push(header.hash_slow());
    }
    Ok((hashes, last + 1))
}

/// The block window a log filter's poll covers: from its cursor (or its `fromBlock`, if
/// later) to its `toBlock` (or the head, if earlier), at most `max_range` blocks. Returns the
/// window (if any) and the new cursor.
pub(crate) fn log_poll_window(
    filter: &Filter,
    next: u64,
    head: u64,
    heads: (u64, u64),
    max_range: u64,
) -> (Option<(u64, u64)>, u64) {
    let (from_tag, to_tag) = match filter.block_option {
        FilterBlockOption::Range { from_block, to_block } => (from_block, to_block),
        FilterBlockOption::AtBlockHash(_) => return (None, next),
    };
    let resolve = |tag: Option<BlockNumberOrTag>| {
        tag_number(tag.unwrap_or(BlockNumberOrTag::Latest), head, heads.0, heads.1)
    };
    let from = match from_tag {
        Some(BlockNumberOrTag::Number(n)) => n.max(next),
        _ => next,
    };
    let to = resolve(to_tag).min(head);
    if from > to {
        return (None, next);
    }
    let to = match max_range {
        0 => to,
        max => to.min(from.saturating_add(max - 1)),
    };
    (Some((from, to)), to + 1)
}

/// One poll of a log filter whose cursor is `next`: the logs of its window (see
/// [`log_poll_window`]), which `collect` appends for a block range (the store's
/// `logs_in_range`), and the cursor to keep.
///
/// A window over a query limit (`-32005`, more than `MAX_LOGS` matching logs) answers that
/// error and the cursor still moves past the window. That is what geth's polling filters
/// amount to: geth feeds a log filter the matching logs of each block as it is imported, and
/// `eth_getFilterChanges` hands over what is buffered and empties the buffer, so every poll
/// consumes what it covers and no block is ever reported twice (geth puts no cap on that
/// answer). We serve a poll from the store with a cap instead of buffering; keeping the
/// cursor on an over-cap window would make every later poll meet the same window and fail for
/// good. The error tells the client those blocks' logs were not delivered. Any other failure
/// (storage) keeps the cursor, so the next poll retries the same window.
pub(crate) fn poll_logs(
    filter: &Filter,
    next: u64,
    head: u64,
    heads: (u64, u64),
    max_range: u64,
    collect: impl FnOnce(u64, u64, &mut Vec<Log>) -> RpcResult<()>,
) -> (RpcResult<Vec<Log>>, u64) {
    let (window, after) = log_poll_window(filter, next, head, heads, max_range);
    let Some((from, to)) = window else { return (Ok(vec![]), after) };
    let mut logs = Vec::new();
    match collect(from, to, &mut logs) {
        Ok(()) => (Ok(logs), after),
        Err(err) if err.code() == LIMIT_EXCEEDED => (Err(err), after),
        Err(err) => (Err(err), next),
    }
}

impl RpcHandler {
    fn head(&self) -> RpcResult<u64> {
        head_number(&self.reader()?)
    }

    fn heads_pair(heads: &Heads) -> (u64, u64) {
        (heads.safe(), heads.finalized())
    }
}

#[jsonrpsee::core::async_trait]
impl EthFiltersApiServer for RpcHandler {
    async fn logs(&self, filter: Filter) -> RpcResult<Vec<Log>> {
        self.get_logs(filter).await
    }

    async fn new_filter(&self, filter: Filter) -> RpcResult<String> {
        check_filter_range(&filter)?;
        let head = self.head()?;
        self.filters.install(FilterKind::Logs(Box::new(filter)), head + 1, Instant::now())
    }

    async fn new_block_filter(&self) -> RpcResult<String> {
        let head = self.head()?;
        self.filters.install(FilterKind::Blocks, head + 1, Instant::now())
    }

    async fn filter_changes(&self, id: String) -> RpcResult<FilterChanges<Transaction, Log>> {
        let (kind, next) = self.filters.poll(&id, Instant::now())?;
        // The answer, and the cursor to keep whether or not the answer is an error.
        let (changes, next) = self
            .blocking(move |this| {
                let reader = this.reader()?;
                match kind {
                    FilterKind::Blocks => {
                        let (hashes, next) = block_changes(&reader, next)?;
                        Ok((Ok(FilterChanges::Hashes(hashes)), next))
                    }
                    FilterKind::Logs(filter) => {
                        let head = head_number(&reader)?;
                        let (logs, next) = poll_logs(
                            &filter,
                            next,
                            head,
                            Self::heads_pair(&this.ctx.heads),
                            this.ctx.config.rpc.get_logs_max_block_range,
                            |from, to, out| logs_in_range(&reader, &filter, from, to, out),
                        );
                        Ok((logs.map(FilterChanges::Logs), next))
                    }
                }
            })
            .await?;
        self.filters.advance(&id, next);
        Ok(match changes? {
            FilterChanges::Hashes(h) if h.is_empty() => FilterChanges::Empty,
            FilterChanges::Logs(l) if l.is_empty() => FilterChanges::Empty,
            other => other,
        })
    }

    async fn filter_logs(&self, id: String) -> RpcResult<Vec<Log>> {
        let (kind, _) = self.filters.poll(&id, Instant::now())?;
        let FilterKind::Logs(filter) = kind else { return Err(not_found()) };
        self.get_logs(*filter).await
    }

    async fn uninstall_filter(&self, id: String) -> RpcResult<bool> {
        Ok(self.filters.uninstall(&id))
    }
}

#[cfg(test)]
mod tests {
    use super::super::logs::MAX_LOGS;
    use super::*;

    #[test]
    fn filters_expire_after_idle_time() {
        let registry = FilterRegistry::default();
        let t0 = Instant::now();
        let id = registry.install(FilterKind::Blocks, 5, t0).unwrap();
        assert!(id.starts_with("0x"));
        let (_, next) = registry.poll(&id, t0 + Duration::from_secs(200)).unwrap();
        assert_eq!(next, 5);
        // Polled at 200 s: still alive at 200 + 299 s.
        registry.poll(&id, t0 + Duration::from_secs(499)).unwrap();
        let err = registry.poll(&id, t0 + Duration::from_secs(499 + 300)).unwrap_err();
        assert_eq!(err.message(), "filter not found");
        assert_eq!(registry.len(), 0);
    }

    #[test]
    fn cursor_only_moves_forward_and_uninstall_reports() {
        let registry = FilterRegistry::default();
        let now = Instant::now();
        let id = registry.install(FilterKind::Blocks, 5, now).unwrap();
        registry.advance(&id, 9);
        registry.advance(&id, 7);
        assert_eq!(registry.poll(&id.to_uppercase().replacen("0X", "0x", 1), now).unwrap().1, 9);
        assert!(registry.uninstall(&id));
        assert!(!registry.uninstall(&id));
    }

    #[test]
    fn filter_count_is_capped() {
        let registry = FilterRegistry::default();
        let now = Instant::now();
        for _ in 0..MAX_FILTERS {
            registry.install(FilterKind::Blocks, 0, now).unwrap();
        }
        let err = registry.install(FilterKind::Blocks, 0, now).unwrap_err();
        assert_eq!(err.code(), -32005);
        // Once they expire, there is room again.
        registry.install(FilterKind::Blocks, 0, now + FILTER_TTL).unwrap();
        assert_eq!(registry.len(), 1);
    }

    #[test]
    fn log_poll_windows() {
        let latest = Filter::new();
        // New blocks 6..=10 since the cursor at 6.
        assert_eq!(log_poll_window(&latest, 6, 10, (0, 0), 100), (Some((6, 10)), 11));
        // Nothing new.
        assert_eq!(log_poll_window(&latest, 11, 10, (0, 0), 100), (None, 11));
        // Capped at 3 blocks per poll.
        assert_eq!(log_poll_window(&latest, 6, 10, (0, 0), 3), (Some((6, 8)), 9));
        // Explicit range ending before the cursor: nothing, ever.
        let ended = Filter::new().from_block(1u64).to_block(4u64);
        assert_eq!(log_poll_window(&ended, 6, 10, (0, 0), 100).0, None);
        // Explicit start after the cursor.
        let later = Filter::new().from_block(8u64);
        assert_eq!(log_poll_window(&later, 6, 10, (0, 0), 100), (Some((8, 10)), 11));
    }

    /// `logs_in_range` over a chain where block `n` holds `logs(n)` matching logs: appends
    /// them and stops with the result-cap error once there are more than `MAX_LOGS`.
    fn chain(logs: impl Fn(u64) -> usize) -> impl Fn(u64, u64, &mut Vec<Log>) -> RpcResult<()> {
        move |from, to, out| {
            for number in from..=to {
                let log = Log { block_number: Some(number), ..Default::default() };
                out.extend(std::iter::repeat_n(log, logs(number)));
                if out.len() > MAX_LOGS {
                    return Err(limit_exceeded(format!(
                        "query returned more than {MAX_LOGS} results"
                    )));
                }
            }
            Ok(())
        }
    }

    #[test]
    fn over_cap_poll_errs_once_and_the_filter_keeps_delivering() {
        // Block 7 holds 30,000 logs; every other block one.
        let collect = chain(|n| if n == 7 { 30_000 } else { 1 });
        let registry = FilterRegistry::default();
        let now = Instant::now();
        let filter = Filter::new();
        let id = registry.install(FilterKind::Logs(Box::new(filter.clone())), 7, now).unwrap();

        // Polled with block 7 sealed: the bounded error, and the cursor moves past block 7.
        let (_, next) = registry.poll(&id, now).unwrap();
        let (logs, next) = poll_logs(&filter, next, 7, (0, 0), 100, &collect);
        let err = logs.unwrap_err();
        assert_eq!(err.code(), -32005);
        assert_eq!(err.message(), "query returned more than 10000 results");
        registry.advance(&id, next);

        // Blocks 8 and 9 sealed since: the next poll delivers their logs, and only those.
        let (_, next) = registry.poll(&id, now).unwrap();
        assert_eq!(next, 8);
        let (logs, next) = poll_logs(&filter, next, 9, (0, 0), 100, &collect);
        let blocks: Vec<_> = logs.unwrap().iter().map(|l| l.block_number).collect();
        assert_eq!(blocks, vec![Some(8), Some(9)]);
        registry.advance(&id, next);

        // Nothing new: an empty answer, the cursor stays.
        let (_, next) = registry.poll(&id, now).unwrap();
        assert_eq!(poll_logs(&filter, next, 9, (0, 0), 100, &collect), (Ok(vec![]), 10));
    }

    #[test]
    fn failed_poll_keeps_the_cursor() {
        let broken = |_: u64, _: u64, _: &mut Vec<Log>| Err(internal("disk on fire"));
        let (logs, next) = poll_logs(&Filter::new(), 6, 10, (0, 0), 100, broken);
        assert_eq!(logs.unwrap_err().code(), -32603);
        assert_eq!(next, 6);
    }
}
