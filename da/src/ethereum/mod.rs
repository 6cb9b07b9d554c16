//! The Ethereum calldata DA backend ([`EthereumDa`]): batches are the calldata of EIP-1559
//! transactions from the batcher's account to a batch-inbox address, on any L1 that speaks
//! Ethereum JSON-RPC (geth, Hardhat, `manifold l1`, …).
//!
//! One concept per file:
//! - [`backend`]: [`EthereumDa`], the [`DaBackend`](crate::DaBackend) implementation;
//! - [`connection`]: the lazily connected, chain-id-checked JSON-RPC endpoint;
//! - [`submitter`]: sending a blob, nonce keeping, waiting for inclusion, fee bumping;
//! - [`fees`]: gas limit (with the EIP-7623 calldata floor) and fee arithmetic;
//! - [`reader`]: which transactions of an L1 block are batches;
//! - [`wire`]: the JSON-RPC answer fields the backend reads.

mod backend;
mod connection;
mod fees;
mod reader;
mod submitter;
mod wire;

pub use backend::EthereumDa;

/// Backend name reported by [`DaBackend::name`](crate::DaBackend::name).
const NAME: &str = "ethereum";
