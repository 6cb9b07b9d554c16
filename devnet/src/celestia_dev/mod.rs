//! A local server that speaks the celestia-node JSON-RPC methods Manifold's Celestia backend
//! (`da::CelestiaDa`) uses, so the Celestia DA path runs end to end without a Celestia network.
//!
//! It is a one-validator chain that makes a block every `block_time` with the blobs submitted
//! since, and answers `blob.Submit`, `blob.GetAll`, `blob.Get`, `header.LocalHead`,
//! `header.NetworkHead`, `header.GetByHeight` and `state.AccountAddress` with celestia-node's
//! shapes and error texts:
//! headers are real signed `ExtendedHeader`s (celestia-types' generator) that celestia-rpc
//! decodes and validates, blob commitments are Celestia's share commitments, `blob.Submit`
//! answers once its block is made, and access follows celestia-node's permissions (`write` to
//! submit, `read` to read) with HS256 JWTs in celestia-node's claim format. Everything is kept
//! in a redb file in the data directory, so a restart on the same directory keeps every height
//! and the tokens.
//!
//! ```no_run
//! # async fn run() -> Result<(), devnet::celestia_dev::CelestiaDevError> {
//! use devnet::celestia_dev::{CelestiaDevOptions, start};
//! let server = start(CelestiaDevOptions {
//!     listen: "127.0.0.1:0".parse().unwrap(),
//!     data_dir: "/tmp/celestia-dev".into(),
//!     block_time: std::time::Duration::from_millis(100),
//! })
//! .await?;
//! println!("{} (token {})", server.url(), server.write_token());
//! server.stop().await;
//! # Ok(()) }
//! ```
//!
//! Blobs of share version 1 carry their signer, which must be the server's account
//! (`account`), as Celestia checks it against the account that pays; version-0 blobs are
//! anyone's.
//!
//! Files: `server` (life cycle), `chain` (blocks and headers), `rpc` (the methods), `account`,
//! `http_layer` (tokens and `/health`), `auth` (JWTs and permissions), `store` (redb),
//! `error`.

mod account;
mod auth;
mod chain;
mod error;
mod http_layer;
mod rpc;
mod server;
mod store;

pub use account::dev_account;
pub use chain::MAX_BLOCK_DATA_BYTES;
pub use error::CelestiaDevError;
pub use rpc::MIN_GAS_PRICE;
pub use server::{CelestiaDevOptions, CelestiaDevServer, DEFAULT_PORT, start};
