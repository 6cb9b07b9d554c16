//! The dev methods' `#[rpc(server)]` traits, one per namespace (`evm_*`, `anvil_*`), with
//! anvil's parameter formats and results.

use alloy_primitives::{Address, B256, Bytes, U64, U256};
use alloy_rpc_types_eth::TransactionRequest;
use jsonrpsee::proc_macros::rpc;
use serde::Deserialize;

use super::node_info::NodeInfo;
use crate::rpc::{
    errors::RpcResult,
    eth::params::{Quantity, StorageKey},
};

/// `evm_mine`'s optional parameter: a timestamp, or `{timestamp, blocks}` (anvil's
/// `MineOptions`).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(untagged)]
pub(crate) enum MineOptions {
    /// The timestamp of the block to mine.
    Timestamp(Quantity),
    /// The first block's timestamp and how many blocks to mine.
    Options {
        /// Timestamp of the first block mined.
        timestamp: Option<Quantity>,
        /// How many blocks (default 1).
        blocks: Option<Quantity>,
    },
}

/// `evm_*`: Hardhat's and anvil's shared dev methods.
#[rpc(server, namespace = "evm")]
pub(crate) trait EvmDevApi {
    /// Seals one block now (with whatever is pending, or empty), or as many as `blocks`, the
    /// first at `timestamp`. Returns `"0x0"`.
    #[method(name = "mine")]
    async fn evm_mine(&self, options: Option<MineOptions>) -> RpcResult<String>;

    /// Moves the block clock `seconds` forward; returns the total offset, in seconds.
    #[method(name = "increaseTime")]
    fn evm_increase_time(&self, seconds: Quantity) -> RpcResult<i64>;

    /// The next block's timestamp (not below the head's).
    #[method(name = "setNextBlockTimestamp")]
    fn evm_set_next_block_timestamp(&self, timestamp: Quantity) -> RpcResult<()>;

    /// `true`: seal a block on every admitted transaction; `false`: stop doing so (blocks
    /// then come only from `evm_mine`, until interval mining is set again).
    #[method(name = "setAutomine")]
    fn evm_set_automine(&self, enabled: bool) -> RpcResult<()>;

    /// Saves the chain as it stands (its head block and the block clock); returns the
    /// snapshot's id: `"0x0"`, then `"0x1"`, and so on.
    #[method(name = "snapshot")]
    async fn evm_snapshot(&self) -> RpcResult<U64>;

    /// Rewinds the chain to snapshot `id` — state, blocks, receipts and block clock as they
    /// were — and deletes that snapshot and every later one. `false` for an unknown id.
    #[method(name = "revert")]
    async fn evm_revert(&self, id: Quantity) -> RpcResult<bool>;
}

/// `anvil_*`: anvil's dev methods.
#[rpc(server, namespace = "anvil")]
pub(crate) trait AnvilDevApi {
    /// Seals `blocks` blocks (default 1), `interval` seconds apart when given.
    #[method(name = "mine")]
    async fn anvil_mine(
        &self,
        blocks: Option<Quantity>,
        interval: Option<Quantity>,
    ) -> RpcResult<()>;

    /// Seals a block every `seconds` seconds, empty or not as `chain.empty_blocks` says;
    /// 0 stops interval mining.
    #[method(name = "setIntervalMining")]
    fn anvil_set_interval_mining(&self, seconds: Quantity) -> RpcResult<()>;

    /// `evm_snapshot`, under anvil's own name.
    #[method(name = "snapshot")]
    async fn anvil_snapshot(&self) -> RpcResult<U64>;

    /// `evm_revert`, under anvil's own name.
    #[method(name = "revert")]
    async fn anvil_revert(&self, id: Quantity) -> RpcResult<bool>;

    /// The head, the chain's environment and the mining setup.
    #[method(name = "nodeInfo")]
    fn anvil_node_info(&self) -> RpcResult<NodeInfo>;

    /// Sets `address`'s balance, in wei. Applied in a block sealed before it returns.
    #[method(name = "setBalance")]
    async fn anvil_set_balance(&self, address: Address, balance: U256) -> RpcResult<()>;

    /// Sets `address`'s code (empty: none). Applied in a block sealed before it returns.
    #[method(name = "setCode")]
    async fn anvil_set_code(&self, address: Address, code: Bytes) -> RpcResult<()>;

    /// Sets `address`'s nonce. Applied in a block sealed before it returns.
    #[method(name = "setNonce")]
    async fn anvil_set_nonce(&self, address: Address, nonce: Quantity) -> RpcResult<()>;

    /// Sets one storage slot of `address` to `value` (hex, at most 32 bytes). Applied in a
    /// block sealed before it returns; `true`.
    #[method(name = "setStorageAt")]
    async fn anvil_set_storage_at(
        &self,
        address: Address,
        slot: StorageKey,
        value: StorageKey,
    ) -> RpcResult<bool>;

    /// Lets `eth_sendTransaction` send from `address` without its key.
    #[method(name = "impersonateAccount")]
    fn anvil_impersonate_account(&self, address: Address) -> RpcResult<()>;

    /// Ends [`anvil_impersonate_account`](Self::anvil_impersonate_account).
    #[method(name = "stopImpersonatingAccount")]
    fn anvil_stop_impersonating_account(&self, address: Address) -> RpcResult<()>;
}

/// `hardhat_*`: Hardhat's names for the impersonation methods.
#[rpc(server, namespace = "hardhat")]
pub(crate) trait HardhatDevApi {
    /// `anvil_impersonateAccount`.
    #[method(name = "impersonateAccount")]
    fn hardhat_impersonate_account(&self, address: Address) -> RpcResult<()>;

    /// `anvil_stopImpersonatingAccount`.
    #[method(name = "stopImpersonatingAccount")]
    fn hardhat_stop_impersonating_account(&self, address: Address) -> RpcResult<()>;
}

/// `eth_sendTransaction` on a devnet: unsigned, from an impersonated account.
#[rpc(server, namespace = "eth")]
pub(crate) trait DevEthApi {
    /// Fills in what is missing (nonce, gas, fees), admits the transaction as sent by
    /// `request.from` — which must be impersonated — and returns its hash.
    #[method(name = "sendTransaction")]
    async fn eth_send_transaction(&self, request: TransactionRequest) -> RpcResult<B256>;
}
