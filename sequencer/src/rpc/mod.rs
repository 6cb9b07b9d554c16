//! The node's JSON-RPC endpoint: one HTTP and WebSocket port serving each VM's API — the
//! Ethereum API in [`eth`] and geth's `debug_` tracing and raw-data methods (`debug`) — the
//! VM-neutral `manifold_*` methods (`manifold`), a devnet's dev methods (`evm_*`, `anvil_*`:
//! [`dev`], only when the node serves them), and `/health` + `/metrics` on the same port;
//! and Solana's JSON-RPC ([`solana`]) on its own port pair.
//!
//! One file per concept: [`server`] starts it and runs its accept loop; `connections` counts
//! and sheds connections, `fd_limit` raises the open-file limit, `request_gate` reads bodies
//! within limits before jsonrpsee, `request_ids` makes request ids exact, `strict_calls`
//! checks calls as geth does, `durable_batches` lets a batch's submissions share journal
//! commits; `handler` holds the methods' shared state and assembles them
//! into one module; `errors` and `ids` are shared helpers; `http_endpoints` serves the
//! non-RPC paths.

mod connections;
mod debug;
mod dev;
mod durable_batches;
mod errors;
#[cfg(test)]
mod errors_table;
mod eth;
mod fd_limit;
mod geth_params;
pub(crate) mod handler;
mod http_endpoints;
mod ids;
mod manifold;
mod request_gate;
pub(crate) mod request_ids;
mod server;
mod solana;
pub(crate) mod strict_calls;

pub use server::{RpcAddresses, start_rpc};
