//! The node's JSON-RPC endpoint: one HTTP and WebSocket port serving each VM's API — the
//! Ethereum API in [`eth`] (room for `svm/` beside it) — the VM-neutral `manifold_*` methods
//! (`manifold`), and `/health` + `/metrics` on the same port.
//!
//! One file per concept: [`server`] starts it; `handler` holds the methods' shared state and
//! assembles them into one module; `errors` and `ids` are shared helpers; `http_endpoints`
//! serves the non-RPC paths.

mod errors;
mod eth;
mod handler;
mod http_endpoints;
mod ids;
mod manifold;
mod server;

pub use server::start_rpc;
