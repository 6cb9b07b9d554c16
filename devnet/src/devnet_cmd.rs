//! `manifold devnet`: a local chain in one command, with funded dev accounts.

use std::net::SocketAddr;

use eyre::WrapErr;
use node_config::{DevnetOptions, NodeConfig, dev_accounts};
use sequencer::Node;

use crate::{cli::DevnetArgs, logging, shutdown};

pub(crate) async fn run(args: DevnetArgs) -> eyre::Result<()> {
    logging::init(&args.log, false);
    // A fresh temporary directory unless one is given; dropped (removed) on exit.
    let (data_dir, _temp) = match &args.data_dir {
        Some(dir) => (dir.clone(), None),
        None => {
            let temp = tempfile::Builder::new().prefix("manifold-devnet-").tempdir()?;
            (temp.path().to_path_buf(), Some(temp))
        }
    };
    let opts = DevnetOptions {
        chain_id: args.chain_id,
        block_time_ms: args.block_time,
        accounts: args.accounts,
        data_dir: data_dir.clone(),
        rpc_listen: SocketAddr::new(args.host, args.rpc_port),
        ..DevnetOptions::default()
    };
    let config = NodeConfig::devnet(&opts).wrap_err("invalid devnet options")?;
    let accounts = dev_accounts(args.accounts)?;
    let balance = opts.balance_wei;
    let node = Node::start(config).await.wrap_err("could not start the devnet")?;
    let rpc_url = format!("http://{}", node.rpc_addr);
    let ws_url = format!("ws://{}", node.rpc_addr);

    eprintln!("\nManifold devnet");
    eprintln!("  RPC (HTTP): {rpc_url}");
    eprintln!("  RPC (WS):   {ws_url}");
    eprintln!("  Chain id:   {}", args.chain_id);
    eprintln!("  Block time: {} ms", args.block_time);
    eprintln!("  Data dir:   {}", data_dir.display());
    let ether = balance / alloy_primitives::U256::from(10u64.pow(18));
    eprintln!("\nAccounts (mnemonic: \"{}\"), {ether} ETH each:", node_config::DEV_MNEMONIC);
    for (i, account) in accounts.iter().enumerate() {
        eprintln!("  ({i}) {}  key {}", account.address, account.private_key);
    }
    eprintln!();
    if args.json {
        let summary = serde_json::json!({
            "rpc_url": rpc_url,
            "ws_url": ws_url,
            "chain_id": args.chain_id,
            "block_time_ms": args.block_time,
            "data_dir": data_dir,
            "mnemonic": node_config::DEV_MNEMONIC,
            "accounts": accounts.iter().map(|a| serde_json::json!({
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
