//! `manifold bridge deposit | withdraw | prove | finalize | status`: a deposit from the L1 to
//! the L2, and a withdrawal back, one step per command, through the two chains' JSON-RPC only
//! (any L1 node, any Manifold L2 node). A withdrawal is named by the L2 transaction that
//! started it. Waits show a spinner
//! on stderr; `--json` prints the result as one JSON line on stdout.
//!
//! One file per step: `deposit`, `withdraw`, `prove`, `finalize`, `status`; `wait` polls with progress.

mod deposit;
mod finalize;
mod prove;
mod status;
mod wait;
mod withdraw;

use alloy::{
    network::EthereumWallet,
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use eyre::WrapErr;

use crate::cli::BridgeCommand;

/// Runs one bridge command.
pub(crate) async fn run(command: BridgeCommand) -> eyre::Result<()> {
    match command {
        BridgeCommand::Deposit(args) => deposit::run(args).await,
        BridgeCommand::Withdraw(args) => withdraw::run(args).await,
        BridgeCommand::Prove(args) => prove::run(args).await,
        BridgeCommand::Finalize(args) => finalize::run(args).await,
        BridgeCommand::Status(args) => status::run(args).await,
    }
}

/// A read-only provider for `url`.
fn reader(url: &str) -> eyre::Result<DynProvider> {
    let url = url.parse().wrap_err_with(|| format!("bad RPC URL {url:?}"))?;
    Ok(ProviderBuilder::new().connect_http(url).erased())
}

/// A provider for `url` that signs with `key`; returns it and the signer's address.
fn signer(url: &str, key: &str) -> eyre::Result<(DynProvider, alloy::primitives::Address)> {
    let signer: PrivateKeySigner =
        key.trim().parse().wrap_err("--key is not a private key (0x and 64 hex digits)")?;
    let address = signer.address();
    let url = url.parse().wrap_err_with(|| format!("bad RPC URL {url:?}"))?;
    let provider =
        ProviderBuilder::new().wallet(EthereumWallet::from(signer)).connect_http(url).erased();
    Ok((provider, address))
}

/// Prints `value` as one JSON line when `json`, else `text` on stderr.
fn report(json: bool, value: serde_json::Value, text: String) {
    if json {
        println!("{value}");
    } else {
        eprintln!("{text}");
    }
}
