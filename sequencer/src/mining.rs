//! [`MiningControl`]: when the block builder seals a block and which timestamp it gives it —
//! the mining mode (every block time, on every admission, or only on demand), the devnet's
//! clock offset and a pinned next timestamp — and the lock that keeps two seals apart, so the
//! builder's ticks and the devnet's `evm_mine` never build on the same parent.
//!
//! Nothing here reaches the state: the mode decides *when* a block is sealed and the clock
//! only *which timestamp* it carries, and a block's timestamp travels to DA with the block, so
//! a follower derives the same chain whatever the devnet's dev methods did.

use std::{
    sync::atomic::{AtomicI64, Ordering},
    time::Duration,
};

use parking_lot::Mutex;
use tokio::sync::watch;

/// When the block builder seals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MiningMode {
    /// Every `period`; whether an idle tick seals an empty block is `chain.empty_blocks`.
    Interval(Duration),
    /// As soon as transactions are admitted (anvil's and Hardhat's automine).
    Auto,
    /// Only when asked (`evm_mine`, `anvil_mine`).
    Manual,
}

/// The block clock's settings at one moment: what a devnet snapshot saves of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockClock {
    /// Seconds added to the wall clock.
    pub offset_secs: i64,
    /// The next block's timestamp, when pinned.
    pub next_timestamp: Option<u64>,
}

/// The mining mode, the block clock and the sealing lock of one node. Shared by the block
/// builder and the devnet's dev methods.
#[derive(Debug)]
pub struct MiningControl {
    mode: watch::Sender<MiningMode>,
    /// Seconds added to the wall clock (`evm_increaseTime`).
    offset_secs: AtomicI64,
    /// The timestamp of the next block, when pinned (`evm_setNextBlockTimestamp`).
    next_timestamp: Mutex<Option<u64>>,
    seal: tokio::sync::Mutex<()>,
}

impl MiningControl {
    /// A control in `mode`, on the wall clock.
    pub fn new(mode: MiningMode) -> Self {
        Self {
            mode: watch::Sender::new(mode),
            offset_secs: AtomicI64::new(0),
            next_timestamp: Mutex::new(None),
            seal: tokio::sync::Mutex::new(()),
        }
    }

    /// The current mode.
    pub fn mode(&self) -> MiningMode {
        *self.mode.borrow()
    }

    /// Switches the builder to `mode` (it follows at once).
    pub fn set_mode(&self, mode: MiningMode) {
        self.mode.send_replace(mode);
    }

    /// A receiver that sees every mode change.
    pub fn subscribe(&self) -> watch::Receiver<MiningMode> {
        self.mode.subscribe()
    }

    /// Moves the block clock `secs` seconds forward; returns the total offset from the wall
    /// clock, in seconds.
    pub fn increase_time(&self, secs: i64) -> i64 {
        self.offset_secs.fetch_add(secs, Ordering::AcqRel).saturating_add(secs)
    }

    /// The block clock's offset from the wall clock, in seconds.
    pub fn offset_secs(&self) -> i64 {
        self.offset_secs.load(Ordering::Acquire)
    }

    /// Pins the timestamp of the next block (it is still never below its parent's).
    pub fn set_next_timestamp(&self, timestamp: u64) {
        *self.next_timestamp.lock() = Some(timestamp);
    }

    /// The timestamp the next block asks for when the wall clock reads `now_secs`.
    pub fn timestamp(&self, now_secs: u64) -> u64 {
        match *self.next_timestamp.lock() {
            Some(pinned) => pinned,
            None => now_secs.saturating_add_signed(self.offset_secs()),
        }
    }

    /// Records that a block that asked for timestamp `asked` (what [`timestamp`](Self::timestamp)
    /// gave its builder) was sealed at `timestamp` when the wall clock read `now_secs`: the
    /// pinned timestamp it asked for is used up, and the clock goes on from it (as anvil's
    /// does). A timestamp pinned while the block was being built is another, and is left for
    /// the next block.
    pub fn sealed(&self, asked: u64, timestamp: u64, now_secs: u64) {
        let mut pinned = self.next_timestamp.lock();
        if *pinned == Some(asked) {
            *pinned = None;
            drop(pinned);
            let offset = i128::from(timestamp) - i128::from(now_secs);
            let offset = offset.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
            self.offset_secs.store(offset, Ordering::Release);
        }
    }

    /// The block clock as it stands: its offset and pinned next timestamp (for a snapshot).
    pub fn clock(&self) -> BlockClock {
        BlockClock { offset_secs: self.offset_secs(), next_timestamp: *self.next_timestamp.lock() }
    }

    /// Sets the block clock back to `clock` (`evm_revert` restores the snapshot's).
    pub fn restore_clock(&self, clock: BlockClock) {
        *self.next_timestamp.lock() = clock.next_timestamp;
        self.offset_secs.store(clock.offset_secs, Ordering::Release);
    }

    /// Held while a block is built and sealed: one seal at a time.
    pub async fn lock_sealing(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.seal.lock().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_moves_by_offsets_and_pinned_timestamps() {
        let clock = MiningControl::new(MiningMode::Manual);
        assert_eq!(clock.timestamp(1_000), 1_000);
        assert_eq!(clock.increase_time(60), 60);
        assert_eq!(clock.increase_time(40), 100);
        assert_eq!(clock.timestamp(1_000), 1_100);
        clock.set_next_timestamp(5_000);
        assert_eq!(clock.timestamp(1_000), 5_000);
        clock.sealed(5_000, 5_000, 1_000);
        // Used up; time goes on from the pinned block.
        assert_eq!(clock.timestamp(1_002), 5_002);
        assert_eq!(clock.offset_secs(), 4_000);
    }

    #[test]
    fn a_timestamp_pinned_while_a_block_is_built_is_left_for_the_next_block() {
        let clock = MiningControl::new(MiningMode::Manual);
        let asked = clock.timestamp(1_000);
        clock.set_next_timestamp(5_000);
        clock.sealed(asked, asked, 1_000);
        assert_eq!(clock.timestamp(1_000), 5_000);
        assert_eq!(clock.offset_secs(), 0);
    }

    #[test]
    fn a_restored_clock_forgets_what_moved_it_since() {
        let clock = MiningControl::new(MiningMode::Manual);
        clock.increase_time(30);
        let saved = clock.clock();
        clock.increase_time(3_600);
        clock.set_next_timestamp(9_000);
        clock.restore_clock(saved);
        assert_eq!(clock.timestamp(1_000), 1_030);
        assert_eq!(clock.clock(), BlockClock { offset_secs: 30, next_timestamp: None });
    }

    #[test]
    fn mode_changes_reach_subscribers() {
        let control = MiningControl::new(MiningMode::Interval(Duration::from_millis(250)));
        let mut rx = control.subscribe();
        control.set_mode(MiningMode::Auto);
        assert!(rx.has_changed().unwrap());
        assert_eq!(*rx.borrow_and_update(), MiningMode::Auto);
        assert_eq!(control.mode(), MiningMode::Auto);
    }
}
