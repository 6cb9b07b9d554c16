//! `anvil_nodeInfo`: the head block, the chain's environment and how blocks are mined, in
//! anvil's shape (no fork: `forkConfig`'s fields are `null`).

use alloy_primitives::{B256, U64};
use serde::Serialize;

use crate::{
    MiningMode,
    rpc::{
        errors::{RpcResult, internal},
        eth::head_number,
        handler::RpcHandler,
    },
};

/// `anvil_nodeInfo`'s result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NodeInfo {
    /// The head's number.
    pub(crate) current_block_number: U64,
    /// The head's timestamp.
    pub(crate) current_block_timestamp: u64,
    /// The head's hash.
    pub(crate) current_block_hash: B256,
    /// The EVM's hard fork, lowercase.
    pub(crate) hard_fork: String,
    /// How the pool orders transactions: by fee.
    pub(crate) transaction_order: &'static str,
    /// The chain's environment.
    pub(crate) environment: NodeEnvironment,
    /// Always empty: a devnet is not a fork.
    pub(crate) fork_config: ForkConfig,
    /// How blocks are mined now: `interval`, `auto` or `manual` (Manifold's addition).
    pub(crate) mining_mode: &'static str,
    /// The interval of interval mining, in milliseconds (Manifold's addition).
    pub(crate) block_time_ms: Option<u64>,
    /// The block clock's offset from the wall clock, in seconds (Manifold's addition).
    pub(crate) time_offset: i64,
}

/// `anvil_nodeInfo`'s `environment`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NodeEnvironment {
    /// The next block's base fee, in wei.
    pub(crate) base_fee: u128,
    /// The chain id.
    pub(crate) chain_id: u64,
    /// The block gas limit.
    pub(crate) gas_limit: u64,
    /// The suggested gas price (the next base fee), in wei.
    pub(crate) gas_price: u128,
}

/// `anvil_nodeInfo`'s `forkConfig`: no fork.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ForkConfig {
    /// Always `null`.
    pub(crate) fork_url: Option<String>,
    /// Always `null`.
    pub(crate) fork_block_number: Option<u64>,
    /// Always `null`.
    pub(crate) fork_retry_backoff: Option<u64>,
}

impl NodeInfo {
    /// The node info of `handler`'s node now.
    pub(crate) fn of(handler: &RpcHandler) -> RpcResult<Self> {
        let ctx = &handler.ctx;
        let reader = handler.reader()?;
        let head = head_number(&reader)?;
        let block = reader.block(head).map_err(internal)?.ok_or_else(|| internal("no head"))?;
        let next = ctx.chain.next_block_env(&block.header, block.header.timestamp);
        let (mining_mode, block_time_ms) = match ctx.mining.mode() {
            MiningMode::Interval(period) => ("interval", Some(period.as_millis() as u64)),
            MiningMode::Auto => ("auto", None),
            MiningMode::Manual => ("manual", None),
        };
        Ok(Self {
            current_block_number: U64::from(head),
            current_block_timestamp: block.header.timestamp,
            current_block_hash: block.hash,
            hard_fork: format!("{:?}", ctx.chain.evm_spec).to_lowercase(),
            transaction_order: "fees",
            environment: NodeEnvironment {
                base_fee: u128::from(next.base_fee_per_gas),
                chain_id: ctx.config.chain.chain_id,
                gas_limit: next.gas_limit,
                gas_price: u128::from(next.base_fee_per_gas),
            },
            fork_config: ForkConfig {
                fork_url: None,
                fork_block_number: None,
                fork_retry_backoff: None,
            },
            mining_mode,
            block_time_ms,
            time_offset: ctx.mining.offset_secs(),
        })
    }
}
