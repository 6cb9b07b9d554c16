//! The node's JSON-RPC endpoint: the Ethereum `eth_`/`net_`/`web3_` API as the
//! execution-apis spec gives it (shapes from `alloy-rpc-types-eth`, errors as geth returns
//! them), `manifold_syncStatus`, WebSocket subscriptions, and `/health` + `/metrics` on the
//! same port.
//!
//! One file per concept: [`server`] starts it; `api` declares the methods; `handler` holds
//! their shared state; `eth_state`, `eth_call`, `eth_blocks`, `eth_transactions`,
//! `eth_fees`, `logs`, `filters`, `subscriptions` and `node_info` implement them;
//! `block_id`, `convert`, `params`, `ids` and `errors` are their helpers; `http_endpoints`
//! serves the non-RPC paths.
//!
//! The node keeps only the latest state: state queries at an older block are refused with
//! a clear error, while blocks, transactions, receipts and logs are served for the whole
//! chain.

mod api;
mod block_id;
mod convert;
mod errors;
mod eth_blocks;
mod eth_call;
mod eth_fees;
mod eth_state;
mod eth_transactions;
mod filters;
mod handler;
mod http_endpoints;
mod ids;
mod logs;
mod node_info;
mod params;
mod server;
#[cfg(test)]
mod smoke_tests;
mod subscriptions;

pub use server::start_rpc;
