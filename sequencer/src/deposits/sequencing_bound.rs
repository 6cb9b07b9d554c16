//! [`SequencingBound`]: how far a sequencer's blocks may run ahead of its view of the L1 (the
//! part of OP Stack's `max_sequencer_drift` that forced inclusion needs), and [`StallWatch`],
//! which reports when the bound stops the block builder and when it lets it go on.
//!
//! A follower rejects an L2 block of timestamp `T` that leaves out a deposit whose L1 block
//! has timestamp `t` with `t + W <= T` (`W` = `bridge.sequencing_window_secs`; see `check`).
//! The sequencer's deposit feed has read every deposit up to some confirmed L1 block of
//! timestamp `r` ([`bridge::l1::DepositReader::read_until`]); a deposit it has not read is in
//! a later L1 block, so its `t >= r` (L1 timestamps never decrease) and it is due no earlier
//! than `r + W`. The sequencer therefore seals a block of timestamp `T` only when
//!
//! ```text
//! T < r + W - M        M = min(W / 2, 300 s)   (the margin)
//! ```
//!
//! so `T < r + W <= t + W` for every deposit it has not read: no follower, whatever its own
//! L1 node or confirmation depth, can find such a deposit overdue at `T`. (The deposits it has
//! read are in its inbox and go first into the block.) Otherwise the builder seals nothing
//! and waits, as op-node's sequencer does past `max_sequencer_drift`, until the feed reads
//! further.
//!
//! The inequality holds with `M = 0`; the margin is headroom: a sequencer that stalls and then
//! reads the L1 again within `M` seconds resumes with blocks whose timestamps are still before
//! the first deposit it then reads could be due, so a burst of them (each block takes at most
//! one block gas limit of deposit gas) can spread over the blocks of those `M` seconds; and the
//! operator is told while the chain is still valid to every follower by `M` seconds. It is at
//! most half the window, so a short window (the devnet's 60 s, a test's few seconds) keeps
//! half of it for blocks, and at most five minutes, so an hour's window (the default) stalls
//! only after 55 minutes without reading the L1.
//!
//! Before the feed's first successful read (at start-up, and after a rewind) the sequencer
//! knows nothing of the L1, and seals nothing: a chain whose L1 is reachable reads it at once.

use std::time::{Duration, Instant};

use bridge::l1::ReadUntil;
use parking_lot::Mutex;

use crate::Metrics;

/// The largest margin, in seconds, between the timestamps a sequencer stops sealing at and
/// those a follower would reject.
pub const MAX_MARGIN_SECS: u64 = 300;

/// How long a sequencer may wait for the deposit feed's first read before it warns (the first
/// read normally takes one L1 round trip; it is logged at `debug` until then).
pub const FIRST_READ_WARN_AFTER: Duration = Duration::from_secs(10);

/// The rule: which block timestamps a sequencer may seal, given how far it has read the L1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SequencingBound {
    window_secs: u64,
    margin_secs: u64,
}

impl SequencingBound {
    /// The bound of a chain whose sequencing window is `window_secs`.
    pub fn new(window_secs: u64) -> Self {
        Self { window_secs, margin_secs: (window_secs / 2).min(MAX_MARGIN_SECS) }
    }

    /// The sequencing window, in seconds.
    pub fn window_secs(&self) -> u64 {
        self.window_secs
    }

    /// The margin, in seconds: `min(window / 2, MAX_MARGIN_SECS)`.
    pub fn margin_secs(&self) -> u64 {
        self.margin_secs
    }

    /// The first L2 timestamp a block may not have once the L1 was read up to a block of
    /// timestamp `read_until`: `read_until + window - margin`.
    pub fn limit(&self, read_until: u64) -> u64 {
        read_until.saturating_add(self.window_secs - self.margin_secs)
    }

    /// Whether a block of timestamp `timestamp` may be sealed when the L1 was read up to
    /// `read` (`None`: not read yet); why not, when not.
    pub fn check(&self, read: Option<ReadUntil>, timestamp: u64) -> Result<(), L1Stall> {
        let Some(read) = read else { return Err(L1Stall::NotRead) };
        let limit = self.limit(read.timestamp);
        if timestamp < limit {
            return Ok(());
        }
        Err(L1Stall::Behind {
            timestamp,
            read,
            limit,
            window_secs: self.window_secs,
            margin_secs: self.margin_secs,
        })
    }
}

/// Why the sequencer may not seal a block now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum L1Stall {
    /// The deposit feed has not read the L1 yet (since start-up or the last rewind).
    #[error("the deposit feed has not read the L1 yet: a deposit it has not seen could be due")]
    NotRead,
    /// The block's timestamp is too far past the newest L1 block the feed has read.
    #[error(
        "block timestamp {timestamp} is not before {limit}: the deposit feed has read the L1 \
         only up to block {} (timestamp {}), and a deposit after it may be due from timestamp \
         {} (bridge.sequencing_window_secs = {window_secs}; the sequencer stops {margin_secs} s \
         before)",
        read.block,
        read.timestamp,
        read.timestamp.saturating_add(*window_secs)
    )]
    Behind {
        /// The timestamp of the block that would be sealed.
        timestamp: u64,
        /// How far the feed has read.
        read: ReadUntil,
        /// The first timestamp the rule refuses.
        limit: u64,
        /// The sequencing window, in seconds.
        window_secs: u64,
        /// The margin, in seconds.
        margin_secs: u64,
    },
}

/// The stall the sequencer is in, if any: logs each stall once when it starts (a warning; the
/// wait for the feed's first read only after [`FIRST_READ_WARN_AFTER`]) and once when it ends,
/// and keeps the `manifold_sequencer_l1_stalled` gauge.
#[derive(Debug, Default)]
pub struct StallWatch {
    current: Mutex<Option<Stalled>>,
}

#[derive(Debug)]
struct Stalled {
    reason: L1Stall,
    since: Instant,
    /// Whether this stall was logged as a warning (a wait for the first read is not, at first).
    warned: bool,
}

impl StallWatch {
    /// Records what the rule said of the block about to be sealed.
    pub fn observe(&self, verdict: &Result<(), L1Stall>, metrics: &Metrics) {
        let mut current = self.current.lock();
        match (verdict, current.as_mut()) {
            (Ok(()), None) => {}
            (Ok(()), Some(stalled)) => {
                let secs = stalled.since.elapsed().as_secs();
                if stalled.warned {
                    tracing::info!(
                        stalled_secs = secs,
                        "block building resumes: the deposit feed has read the L1 far enough"
                    );
                } else {
                    tracing::debug!(
                        waited_secs = secs,
                        "the deposit feed read the L1: blocks follow"
                    );
                }
                *current = None;
                metrics.l1_stalled.set(0);
            }
            (Err(stall), None) => {
                let first_read = matches!(stall, L1Stall::NotRead);
                if first_read {
                    // At start-up this lasts one L1 round trip: a warning only if it goes on.
                    tracing::debug!(
                        "block building waits for the deposit feed's first read of the L1"
                    );
                } else {
                    warn_stall(stall);
                }
                *current = Some(Stalled {
                    reason: stall.clone(),
                    since: Instant::now(),
                    warned: !first_read,
                });
                metrics.l1_stalled.set(1);
            }
            (Err(stall), Some(stalled)) => {
                stalled.reason = stall.clone();
                let first_read = matches!(stall, L1Stall::NotRead);
                if !stalled.warned
                    && (!first_read || stalled.since.elapsed() >= FIRST_READ_WARN_AFTER)
                {
                    warn_stall(stall);
                    stalled.warned = true;
                }
            }
        }
    }

    /// Whether the last block the builder tried to seal was refused.
    pub fn is_stalled(&self) -> bool {
        self.current.lock().is_some()
    }

    /// Why the last block the builder tried to seal was refused, if it was.
    pub fn stall(&self) -> Option<L1Stall> {
        self.current.lock().as_ref().map(|stalled| stalled.reason.clone())
    }
}

fn warn_stall(stall: &L1Stall) {
    tracing::warn!(
        reason = %stall,
        "block building stalls: the sequencer seals no block until its deposit feed reads the L1 \
         further (check bridge.l1_rpc_url); followers would reject a block that could leave out a \
         deposit it has not seen"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(timestamp: u64) -> Option<ReadUntil> {
        Some(ReadUntil { block: 7, timestamp })
    }

    /// The follower's rule (`check`): a deposit of L1 timestamp `t` left out of a block of
    /// timestamp `timestamp` is overdue when `t + window <= timestamp`.
    fn follower_rejects(t: u64, window: u64, timestamp: u64) -> bool {
        t + window <= timestamp
    }

    #[test]
    fn the_margin_is_half_the_window_up_to_five_minutes() {
        assert_eq!(SequencingBound::new(3_600).margin_secs(), 300);
        assert_eq!(SequencingBound::new(600).margin_secs(), 300);
        assert_eq!(SequencingBound::new(60).margin_secs(), 30);
        assert_eq!(SequencingBound::new(4).margin_secs(), 2);
        assert_eq!(SequencingBound::new(1).margin_secs(), 0);
    }

    #[test]
    fn blocks_stop_a_margin_before_an_unseen_deposit_could_be_due() {
        let bound = SequencingBound::new(60);
        assert_eq!(bound.check(read(1_000), 1_000), Ok(()));
        assert_eq!(bound.check(read(1_000), 1_029), Ok(()));
        let stall = bound.check(read(1_000), 1_030).unwrap_err();
        assert!(matches!(stall, L1Stall::Behind { limit: 1_030, .. }), "{stall:?}");
        assert!(stall.to_string().contains("up to block 7 (timestamp 1000)"), "{stall}");
        assert!(stall.to_string().contains("due from timestamp 1060"), "{stall}");
        assert!(bound.check(read(1_000), 5_000).is_err());
        assert_eq!(bound.check(None, 0), Err(L1Stall::NotRead), "nothing read yet");
    }

    #[test]
    fn no_block_the_rule_allows_is_one_a_follower_rejects_for_an_unseen_deposit() {
        for window in [1, 2, 3, 5, 60, 601, 3_600] {
            let bound = SequencingBound::new(window);
            let read_until = 10_000;
            for timestamp in read_until..read_until + 2 * window + 2 {
                if bound.check(read(read_until), timestamp).is_err() {
                    continue;
                }
                // An unseen deposit is in a later L1 block: its timestamp is at least ours.
                for t in read_until..read_until + 3 {
                    assert!(
                        !follower_rejects(t, window, timestamp),
                        "window {window}: block {timestamp}, deposit at {t}"
                    );
                }
            }
            // And the rule is no stricter than the margin: it allows up to `limit - 1`.
            let last = read_until + window - bound.margin_secs() - 1;
            assert_eq!(bound.check(read(read_until), last), Ok(()), "window {window}");
        }
    }

    #[test]
    fn a_stall_is_reported_once_and_its_end_clears_the_gauge() {
        let (watch, metrics) = (StallWatch::default(), Metrics::new());
        let bound = SequencingBound::new(60);
        watch.observe(&bound.check(read(1_000), 1_000), &metrics);
        assert!(!watch.is_stalled());
        assert_eq!(metrics.l1_stalled.get(), 0);
        for _ in 0..3 {
            watch.observe(&bound.check(read(1_000), 2_000), &metrics);
            assert!(matches!(watch.stall(), Some(L1Stall::Behind { timestamp: 2_000, .. })));
            assert_eq!(metrics.l1_stalled.get(), 1);
        }
        watch.observe(&bound.check(read(1_990), 2_000), &metrics);
        assert_eq!(watch.stall(), None);
        assert_eq!(metrics.l1_stalled.get(), 0);
    }
}
