//! The Ethereum JSON-RPC API (`eth_`/`net_`/`web3_`) as the execution-apis spec gives it:
//! shapes from `alloy-rpc-types-eth`, errors as geth returns them. It serves the chain's EVM
//! transactions; a block that also holds transactions of other engines is shown as its
//! Ethereum view ([`eth_block::EthBlock`]), which the header's Ethereum roots commit to.
//!
//! One file per concept: `api` declares the methods; `eth_state`, `eth_call`,
//! `access_list`, `eth_blocks`, `eth_transactions`, `eth_fees`, `logs`, `filters`,
//! `subscriptions`, `txpool` and `node_info` implement them; `eth_block`, `block_id`, `convert`, `params` and `call_errors` are their
//! helpers.
//!
//! State queries (and `eth_getProof`) are served at every block whose state the store keeps
//! (`[history] keep_blocks`, see `execution::store::HistoricalState`); below that they are
//! refused with geth's `historical state … is not available`, while blocks, transactions,
//! receipts and logs are served for the whole chain.

mod access_list;
pub(crate) mod api;
mod block_id;
mod call_errors;
mod convert;
mod eth_block;
mod eth_blocks;
mod eth_call;
mod eth_fees;
mod eth_state;
mod eth_transactions;
pub(crate) mod filters;
mod logs;
mod node_info;
pub(crate) mod params;
#[cfg(test)]
mod smoke_tests;
mod subscriptions;
mod txpool;

// The RPC's shared parts, under the names the method files use.
use super::{errors, handler, ids};

pub(crate) use block_id::{head_number, resolve_block, resolve_hash, resolve_tag, state_at};
pub(crate) use eth_block::EthBlock;
pub(crate) use eth_call::call_request;
pub(crate) use filters::FilterRegistry;
