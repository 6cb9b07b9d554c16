//! Solana's JSON-RPC, as agave's validator and `solana-test-validator` serve it, on its own
//! port pair (HTTP 8899, WebSocket 8900) so Solana tools' "localhost" setting works unchanged:
//! shapes and encoders are agave's own crates (`solana-rpc-client-types`,
//! `solana-account-decoder`, `solana-transaction-status`), errors agave's codes and texts.
//!
//! Mapping: slot = block height = block number; a blockhash is a block's hash (valid for 150
//! blocks); `processed` and `confirmed` see the sealed head, `finalized` the finalized head;
//! lamports are the native token's whole gwei.
//!
//! One file per concept: `api` declares the methods; `methods` is their entry point and
//! answers node and chain information; `accounts`, `send`, `history` and `subscriptions`
//! answer the rest; `params`, `errors` and `context` are their shared helpers.

mod accounts;
pub(crate) mod api;
mod context;
mod errors;
mod history;
mod methods;
mod params;
mod send;
mod subscriptions;
