//! The Celestia backend: [`CelestiaDa`] posts batch frames as blobs in one version-0
//! namespace through a celestia-node's JSON-RPC API (with the `celestia-rpc` client) and reads
//! them back by Celestia height.
//!
//! - `backend`: the [`DaBackend`](crate::DaBackend) implementation and why it uses what;
//! - `client`: the celestia-rpc client made from `[da.celestia]` (token, timeouts, lazy dial);
//! - `namespace`: the 29-byte namespace from the configured 10-byte id;
//! - `errors`: how node and transport failures map to [`DaError`](crate::DaError).

mod backend;
mod client;
mod errors;
mod namespace;

pub use backend::CelestiaDa;
