//! [`SyncState`]: what a node knows about its place in the chain beyond its heads — its
//! role, how far it has read or posted DA, the DA head, and (on a follower) a divergence
//! from the chain on DA. `manifold_syncStatus` and `/metrics` report it.

use std::sync::atomic::{AtomicU64, Ordering};

use alloy_primitives::B256;
use parking_lot::Mutex;
use serde::Serialize;

/// What a node does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeRole {
    /// Orders transactions, seals blocks and posts them to DA.
    Sequencer,
    /// Re-derives the chain from DA; read-only RPC.
    Follower,
    /// A development L1 (`manifold l1`): seals blocks, posts nowhere, every block final.
    DevChain,
}

/// A block a follower re-executed to a different result than the block on DA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Divergence {
    /// Number of the block.
    pub number: u64,
    /// DA height the block was read at.
    pub da_height: u64,
    /// Block hash on DA (as the sequencer sealed it).
    pub expected_hash: B256,
    /// Block hash this node computed, if it got that far.
    pub computed_hash: Option<B256>,
    /// State root on DA.
    pub expected_state_root: B256,
    /// State root this node computed, if it got that far.
    pub computed_state_root: Option<B256>,
    /// What differs, in words.
    pub reason: String,
}

impl Divergence {
    /// A stop before block `number` could be executed (a gap on DA, a batch of a newer
    /// format): no hash or state root to compare, only `reason`.
    pub fn before_execution(number: u64, da_height: u64, reason: String) -> Self {
        Self {
            number,
            da_height,
            expected_hash: B256::ZERO,
            computed_hash: None,
            expected_state_root: B256::ZERO,
            computed_state_root: None,
            reason,
        }
    }
}

/// Role, DA progress and divergence of a node. Cheap to read from any thread.
#[derive(Debug)]
pub struct SyncState {
    role: NodeRole,
    da_height: AtomicU64,
    da_head: AtomicU64,
    divergence: Mutex<Option<Divergence>>,
}

impl SyncState {
    /// A fresh state for a node of `role`.
    pub fn new(role: NodeRole) -> Self {
        Self {
            role,
            da_height: AtomicU64::new(0),
            da_head: AtomicU64::new(0),
            divergence: Mutex::new(None),
        }
    }

    /// The node's role.
    pub fn role(&self) -> NodeRole {
        self.role
    }

    /// Highest DA height this node has posted to (sequencer) or fully read (follower).
    pub fn da_height(&self) -> u64 {
        self.da_height.load(Ordering::Acquire)
    }

    /// Records a DA height reached (never moves back).
    pub fn set_da_height(&self, height: u64) {
        self.da_height.fetch_max(height, Ordering::AcqRel);
    }

    /// Latest DA head this node has seen.
    pub fn da_head(&self) -> u64 {
        self.da_head.load(Ordering::Acquire)
    }

    /// Records the DA head last seen.
    pub fn set_da_head(&self, height: u64) {
        self.da_head.store(height, Ordering::Release);
    }

    /// The divergence that stopped this follower, if any.
    pub fn divergence(&self) -> Option<Divergence> {
        self.divergence.lock().clone()
    }

    /// Records a divergence (the first one stays: it is where the chains split).
    pub fn set_divergence(&self, divergence: Divergence) {
        self.divergence.lock().get_or_insert(divergence);
    }
}
