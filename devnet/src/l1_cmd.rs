//! `manifold l1`: a single-node Ethereum dev chain ([`devnet::l1`]) for the Ethereum DA
//! backend to post to, beside an L2 devnet, with the bridge's L1 contracts deployed
//! ([`devnet::l1_bridge`]).

use std::{net::SocketAddr, time::Duration};

use devnet::{
    l1::{self, L1Options},
    l1_bridge,
};
use eyre::WrapErr;

use crate::{cli::L1Args, logging, shutdown};

/// Runs the dev L1 until Ctrl-C or SIGTERM, after printing its URL and accounts.
pub(crate) async fn run(args: L1Args) -> eyre::Result<()> {
    logging::init(&args.log, false);
    let (data_dir, _temp) = crate::data_dir::data_dir_or_temp(&args.data_dir, "manifold-l1-")?;
    let opts = L1Options {
        data_dir: Some(data_dir.clone()),
        listen: SocketAddr::new(args.host, args.port),
        chain_id: args.chain_id,
        block_time: (args.block_time > 0).then(|| Duration::from_millis(args.block_time)),
        accounts: args.accounts,
        ..L1Options::default()
    };
    let node = l1::start(opts).await.wrap_err("could not start the dev L1")?;
    let bridge = match l1_bridge::ensure_bridge(&node, args.challenge_period).await {
        Ok(bridge) => bridge,
        Err(e) => {
            node.shutdown().await;
            return Err(e);
        }
    };
    let rpc_url = node.rpc_url();
    let ws_url = node.ws_url();
    let balance = node.balance_wei();
    let mining = match args.block_time {
        0 => "instant (a block per transaction)".to_owned(),
        ms => format!("every {ms} ms, empty blocks included"),
    };

    eprintln!("\nManifold dev L1 (single-node Ethereum dev chain)");
    eprintln!("  RPC (HTTP): {rpc_url}");
    eprintln!("  RPC (WS):   {ws_url}");
    eprintln!("  Chain id:   {}", node.chain_id());
    eprintln!("  Mining:     {mining}");
    eprintln!("  Data dir:   {}", data_dir.display());
    print_bridge(&bridge);
    let ether = balance / alloy_primitives::U256::from(10u64.pow(18));
    eprintln!(
        "\nAccounts (mnemonic: \"{}\"), {ether} ETH each at genesis (account 0 paid for the \
         bridge's deployment):",
        node_config::DEV_MNEMONIC
    );
    for (i, account) in node.accounts().iter().enumerate() {
        eprintln!("  ({i}) {}  key {}", account.address, account.private_key);
    }
    eprintln!();
    if args.json {
        // Each account's balance now (account 0 paid for the deployment).
        let reader = node.handle().ctx.store.reader()?;
        let mut balances = Vec::new();
        for account in node.accounts() {
            let state = execution::StateView::account(
                &reader,
                execution::AccountId::from(account.address),
            )?;
            balances.push(state.map(|s| s.balance).unwrap_or_default());
        }
        drop(reader);
        let summary = serde_json::json!({
            "rpc_url": rpc_url,
            "ws_url": ws_url,
            "chain_id": node.chain_id(),
            "block_time_ms": args.block_time,
            "data_dir": data_dir,
            "bridge": bridge,
            "mnemonic": node_config::DEV_MNEMONIC,
            "accounts": node.accounts().iter().zip(&balances).map(|(a, balance)| serde_json::json!({
                "address": a.address,
                "private_key": a.private_key,
                "balance": balance.to_string(),
            })).collect::<Vec<_>>(),
        });
        println!("{summary}");
    }
    shutdown::signal().await;
    tracing::info!("shutting down");
    node.shutdown().await;
    Ok(())
}

/// The bridge's lines of a start-up summary.
pub(crate) fn print_bridge(bridge: &l1_bridge::DevBridge) {
    eprintln!("  Bridge:     Portal {}", bridge.addresses.portal);
    eprintln!("              OutputOracle {}", bridge.addresses.output_oracle);
    eprintln!(
        "              proposer {} (account 1), guardian {} (account 2), challenge period {} s",
        bridge.proposer, bridge.guardian, bridge.challenge_period_secs
    );
}
