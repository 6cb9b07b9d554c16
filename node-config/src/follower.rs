//! The `[follower]` section: where a follower node starts reading DA and how often it looks
//! for new DA heights.

use serde::{Deserialize, Serialize};

/// `[follower]`: settings used only by `manifold follower`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FollowerConfig {
    /// First DA height read (a Celestia height, an L1 block number, a local-DA height):
    /// the height at which the chain's first batch was posted, or earlier (greater than 0).
    /// Default 1.
    pub da_start_height: u64,
    /// How often the follower asks DA for a new head when it has caught up, in
    /// milliseconds (greater than 0). Default 500.
    pub poll_interval_ms: u64,
}

impl Default for FollowerConfig {
    fn default() -> Self {
        Self { da_start_height: 1, poll_interval_ms: 500 }
    }
}
