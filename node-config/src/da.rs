//! The `[da]` section: which data-availability backend batches are posted to, its
//! settings, and the batcher that posts them.

use std::{fmt, path::PathBuf};

use alloy_primitives::{Address, FixedBytes, address};
use serde::{Deserialize, Serialize};

use crate::Secret;

/// `[da]`: the DA backend and the batcher.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DaConfig {
    /// Which backend batches are posted to. Default [`DaBackendKind::Local`].
    pub backend: DaBackendKind,
    /// `[da.local]`: settings of the local (on-disk) backend.
    pub local: LocalDaConfig,
    /// `[da.celestia]`: settings of the Celestia backend (a celestia-node's JSON-RPC).
    pub celestia: CelestiaDaConfig,
    /// `[da.ethereum]`: settings of the Ethereum calldata backend (any L1 JSON-RPC node).
    pub ethereum: EthereumDaConfig,
    /// `[da.batcher]`: how sealed blocks are grouped and posted.
    pub batcher: BatcherConfig,
}

/// The DA backend, chosen by `backend = "..."` in `[da]` (lowercase in TOML).
///
/// An unknown name is rejected with serde's `unknown variant` message, which lists the
/// known backends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DaBackendKind {
    /// Batches are stored in files on this machine (devnets, tests).
    #[default]
    Local,
    /// Batches are Celestia blobs in one namespace, through a celestia-node's JSON-RPC.
    Celestia,
    /// Batches are the calldata of L1 transactions sent to a batch-inbox address.
    Ethereum,
}

impl DaBackendKind {
    /// Every backend this build knows.
    pub const ALL: &'static [Self] = &[Self::Local, Self::Celestia, Self::Ethereum];

    /// The name used in TOML.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Celestia => "celestia",
            Self::Ethereum => "ethereum",
        }
    }
}

impl std::str::FromStr for DaBackendKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s).ok_or_else(|| {
            let known: Vec<_> = Self::ALL.iter().map(|k| k.as_str()).collect();
            format!("unknown DA backend {s:?}; known backends: {}", known.join(", "))
        })
    }
}

impl fmt::Display for DaBackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `[da.local]`: the local file-based DA backend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LocalDaConfig {
    /// Directory the blobs are written to; `None` means `<data_dir>/da`
    /// (see [`crate::NodeConfig::local_da_path`]). A relative path is relative to the
    /// working directory, like `data_dir`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// Largest blob the backend accepts, in bytes (at least 1024). Default 1966080,
    /// Celestia's limit; larger batches are split.
    pub max_blob_bytes: usize,
}

impl Default for LocalDaConfig {
    fn default() -> Self {
        Self { path: None, max_blob_bytes: 1_966_080 }
    }
}

/// The 10-byte id of Manifold's default Celestia namespace: "manifold" left-padded with zeros.
pub const DEFAULT_CELESTIA_NAMESPACE_ID: FixedBytes<10> = FixedBytes(*b"\0\0manifold");

/// `[da.celestia]`: the Celestia backend, through a celestia-node (bridge, full or light)
/// JSON-RPC endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CelestiaDaConfig {
    /// celestia-node JSON-RPC endpoint, `http://` or `ws://`. Default
    /// `http://127.0.0.1:26658`, celestia-node's default RPC port.
    pub url: String,
    /// Auth token (JWT) of the node, sent as `Authorization: Bearer …`. Posting batches needs
    /// a token with write permission (`celestia <type> auth write`); a follower needs read.
    /// Prefer the environment variable `MANIFOLD_DA__CELESTIA__AUTH_TOKEN` to the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_token: Option<Secret>,
    /// The 10-byte id of the version-0 namespace the batches are posted in, 0x-hex.
    /// Default `0x00006d616e69666f6c64` ("manifold").
    pub namespace: FixedBytes<10>,
    /// Gas price of `blob.Submit`, in utia per gas (greater than 0). Default 0.004.
    pub gas_price: f64,
    /// Largest blob, in bytes (1024..=1966080). Default 1966080, the blob limit of
    /// Celestia mainnet; larger batches are split.
    pub max_blob_bytes: usize,
    /// Timeout of one JSON-RPC request, in milliseconds (greater than 0). Default 60000:
    /// `blob.Submit` waits for inclusion in a Celestia block.
    pub request_timeout_ms: u64,
    /// The Celestia account (`celestia1…`) whose blobs carry the batches: the sequencer's
    /// celestia-node account, which signs every blob it posts (share version 1). A follower
    /// reads only blobs signed by it — anyone may post to a namespace — and requires it; a
    /// sequencer checks that its node's account is this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batcher_address: Option<String>,
}

impl Default for CelestiaDaConfig {
    fn default() -> Self {
        Self {
            url: "http://127.0.0.1:26658".to_owned(),
            auth_token: None,
            namespace: DEFAULT_CELESTIA_NAMESPACE_ID,
            gas_price: 0.004,
            max_blob_bytes: 1_966_080,
            request_timeout_ms: 60_000,
            batcher_address: None,
        }
    }
}

/// The default batch-inbox address on L1: an address nobody holds a key for, so calldata
/// sent there only records data.
pub const DEFAULT_BATCH_INBOX: Address = address!("0xff00000000000000000000000000000000000901");

/// `[da.ethereum]`: the Ethereum calldata backend. Batches are the calldata of EIP-1559
/// transactions from the batcher's account to `batch_inbox`, on any Ethereum JSON-RPC node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EthereumDaConfig {
    /// L1 JSON-RPC endpoint. Default `http://127.0.0.1:8545`.
    pub rpc_url: String,
    /// Address the batch transactions are sent to. Default
    /// `0xff00000000000000000000000000000000000901`.
    pub batch_inbox: Address,
    /// Private key of the batcher account (0x + 64 hex digits), which pays for the batch
    /// transactions. Required to post batches; prefer the environment variable
    /// `MANIFOLD_DA__ETHEREUM__BATCHER_KEY` to the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batcher_key: Option<Secret>,
    /// Address of the batcher account. Followers accept only batch transactions from it.
    /// Required when `batcher_key` is not set; must match it when both are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batcher_address: Option<Address>,
    /// Chain id of the L1; when set, the node refuses to start against an L1 with another.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub l1_chain_id: Option<u64>,
    /// A batch is final once its L1 block has this many blocks on top, counting its own
    /// (1 = final when included). 1..=1000. Default 2.
    pub confirmations: u64,
    /// Largest calldata of one batch transaction, in bytes (1024..=130000: geth's pool
    /// refuses transactions whose encoding is over 128 KiB, and the envelope takes some 120
    /// bytes of it). Default 120000.
    pub max_blob_bytes: usize,
    /// How often the L1 is polled for receipts and new blocks, in milliseconds (greater
    /// than 0). Default 1000.
    pub poll_interval_ms: u64,
    /// A batch transaction not included after this many milliseconds is re-sent with higher
    /// fees (greater than 0). Default 30000.
    pub fee_bump_after_ms: u64,
    /// Percent by which each re-send raises both fees (10..=1000; nodes refuse a
    /// replacement under 10%). Default 15.
    pub fee_bump_percent: u64,
    /// Highest `maxFeePerGas` the batcher will pay, in gwei (greater than 0). Default 1000.
    pub max_fee_per_gas_gwei: u64,
}

impl Default for EthereumDaConfig {
    fn default() -> Self {
        Self {
            rpc_url: "http://127.0.0.1:8545".to_owned(),
            batch_inbox: DEFAULT_BATCH_INBOX,
            batcher_key: None,
            batcher_address: None,
            l1_chain_id: None,
            confirmations: 2,
            max_blob_bytes: 120_000,
            poll_interval_ms: 1000,
            fee_bump_after_ms: 30_000,
            fee_bump_percent: 15,
            max_fee_per_gas_gwei: 1000,
        }
    }
}

/// `[da.batcher]`: grouping of sealed blocks into batches and retrying failed posts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BatcherConfig {
    /// Most blocks in one batch (greater than 0). Default 100.
    pub max_blocks_per_batch: usize,
    /// How often the batcher looks for newly sealed blocks, in milliseconds (greater
    /// than 0). Default 500.
    pub poll_interval_ms: u64,
    /// How long blocks without transactions (the empty blocks of an idle chain) may wait
    /// for company before they are posted, in milliseconds (0..=600000; 0 posts them at
    /// once): an idle chain then posts one batch per this interval (or per
    /// `max_blocks_per_batch` empty blocks), not one per block. A block with transactions
    /// is posted at once, with the empty ones before it. Default 2000.
    pub empty_batch_delay_ms: u64,
    /// First delay before retrying a failed post, in milliseconds (greater than 0, at
    /// most `retry_max_ms`). Default 200.
    pub retry_initial_ms: u64,
    /// Cap of the exponential retry delay, in milliseconds. Default 10000.
    pub retry_max_ms: u64,
}

impl Default for BatcherConfig {
    fn default() -> Self {
        Self {
            max_blocks_per_batch: 100,
            poll_interval_ms: 500,
            empty_batch_delay_ms: 2_000,
            retry_initial_ms: 200,
            retry_max_ms: 10_000,
        }
    }
}
