//! `manifold devnet`: a local chain in one command, with funded dev accounts.

use std::net::SocketAddr;

use eyre::WrapErr;
use node_config::{DevnetOptions, NodeConfig, dev_accounts, dev_solana_keypairs};
use sequencer::Node;

use crate::{cli::DevnetArgs, devnet_da::DevnetDa, logging, shutdown};

/// File name of the follower config the devnet writes into its data directory.
const FOLLOWER_CONFIG: &str = "follower.toml";

pub(crate) async fn run(args: DevnetArgs) -> eyre::Result<()> {
    logging::init(&args.log, false);
    let (data_dir, _temp) = crate::data_dir::data_dir_or_temp(&args.data_dir, "manifold-devnet-")?;
    let opts = DevnetOptions {
        chain_id: args.chain_id,
        block_time_ms: args.block_time,
        empty_blocks: !args.no_empty_blocks,
        accounts: args.accounts,
        data_dir: data_dir.clone(),
        rpc_listen: SocketAddr::new(args.host, args.rpc_port),
        solana_rpc_listen: args.solana_rpc_port.map(|port| SocketAddr::new(args.host, port)),
        solana_ws_listen: args.solana_ws_port.map(|port| SocketAddr::new(args.host, port)),
        keep_blocks: args.keep_blocks,
        ..DevnetOptions::default()
    };
    let mut config = NodeConfig::devnet(&opts).wrap_err("invalid devnet options")?;
    config.chain.block_gas_limit = args.gas_limit;
    config.validate().wrap_err("invalid --gas-limit")?;
    // Withdrawals to an L1 start at the bridge's system contract, there from genesis.
    bridge::l2::add_predeploys(&mut config.genesis);
    let accounts = dev_accounts(args.accounts)?;
    let solana_keys = dev_solana_keypairs(args.accounts)?;
    let balance = opts.balance_wei;
    let da = DevnetDa::start(args.da, args.challenge_period, &data_dir, &mut config).await?;
    // `--da ethereum` enables the bridge, whose deposits need blocks of at least 10M gas.
    if let Err(e) = config.validate() {
        da.stop().await;
        return Err(e).wrap_err("invalid --gas-limit for this DA backend");
    }
    let node = match Node::start_devnet(config.clone()).await {
        Ok(node) => node,
        Err(e) => {
            da.stop().await;
            return Err(e).wrap_err("could not start the devnet");
        }
    };
    let follower_config = data_dir.join(FOLLOWER_CONFIG);
    let follower = da.follower_config(&config, &node)?;
    std::fs::write(&follower_config, toml::to_string(&follower)?)
        .wrap_err_with(|| format!("writing {}", follower_config.display()))?;
    let rpc_url = format!("http://{}", node.rpc_addr);
    let ws_url = format!("ws://{}", node.rpc_addr);
    let (solana_rpc_url, solana_ws_url) = match node.solana_rpc_addrs {
        Some((http, ws)) => (Some(format!("http://{http}")), Some(format!("ws://{ws}"))),
        None => (None, None),
    };

    eprintln!("\nManifold devnet");
    eprintln!("  RPC (HTTP): {rpc_url}");
    eprintln!("  RPC (WS):   {ws_url}");
    if let (Some(http), Some(ws)) = (&solana_rpc_url, &solana_ws_url) {
        eprintln!("  Solana RPC: {http}  (WebSocket {ws})");
    }
    eprintln!("  Chain id:   {}", args.chain_id);
    let empty = if args.no_empty_blocks { ", only when there are transactions" } else { "" };
    eprintln!("  Block time: {} ms{empty}", args.block_time);
    eprintln!("  Data dir:   {}", data_dir.display());
    eprintln!("  DA:         {}", da.describe(&config));
    eprintln!("  Follower:   manifold follower --config {}", follower_config.display());
    eprintln!("  Withdrawals to L1 start at {}", bridge::contracts::L2_WITHDRAWALS_ADDRESS);
    if let Some((l1, bridge)) = da.l1() {
        eprintln!("\nL1 (dev chain, chain id {})", l1.chain_id());
        eprintln!("  RPC (HTTP): {}", l1.rpc_url());
        crate::l1_cmd::print_bridge(bridge);
        eprintln!(
            "  Proposer:   this devnet posts an output root every {} blocks once on DA",
            config.bridge.output_interval_blocks
        );
        if let Some(funded) = l1.accounts().get(3) {
            eprintln!(
                "  Funded L1 account (3): {}  key {} (0 posts batches, 1 proposes, 2 guards)",
                funded.address, funded.private_key
            );
        }
    }
    let ether = balance / alloy_primitives::U256::from(10u64.pow(18));
    eprintln!("\nAccounts (mnemonic: \"{}\"), {ether} ETH each:", node_config::DEV_MNEMONIC);
    for (i, account) in accounts.iter().enumerate() {
        eprintln!("  ({i}) {}  key {}", account.address, account.private_key);
    }
    let sol = balance / alloy_primitives::U256::from(10u64.pow(18));
    eprintln!(
        "\nSolana keypairs (base58 secret keys, m/44'/501'/i'/0' of the same mnemonic), {sol} SOL each:"
    );
    for (i, key) in solana_keys.iter().enumerate() {
        eprintln!("  ({i}) {}  secret {}", key.pubkey, key.secret_base58);
    }
    eprintln!();
    if args.json {
        let summary = serde_json::json!({
            "rpc_url": rpc_url,
            "ws_url": ws_url,
            "chain_id": args.chain_id,
            "block_time_ms": args.block_time,
            "empty_blocks": !args.no_empty_blocks,
            "data_dir": data_dir,
            "da": args.da.as_str(),
            "da_description": da.describe(&config),
            "l2_withdrawals": bridge::contracts::L2_WITHDRAWALS_ADDRESS,
            "l1": da.l1().map(|(l1, bridge)| serde_json::json!({
                "rpc_url": l1.rpc_url(),
                "chain_id": l1.chain_id(),
                "bridge": bridge,
                "funded_account": l1.accounts().get(3).map(|a| serde_json::json!({
                    "address": a.address,
                    "private_key": a.private_key,
                })),
            })),
            "follower_config": follower_config,
            "mnemonic": node_config::DEV_MNEMONIC,
            "accounts": accounts.iter().map(|a| serde_json::json!({
                "address": a.address,
                "private_key": a.private_key,
                "balance": balance.to_string(),
            })).collect::<Vec<_>>(),
            "solana_rpc_url": solana_rpc_url,
            "solana_ws_url": solana_ws_url,
            "solana_keypairs": solana_keys.iter().map(|k| k.secret_base58.clone()).collect::<Vec<_>>(),
            "solana_pubkeys": solana_keys.iter().map(|k| k.pubkey.clone()).collect::<Vec<_>>(),
        });
        println!("{summary}");
    }
    shutdown::signal().await;
    tracing::info!("shutting down");
    node.shutdown().await;
    da.stop().await;
    Ok(())
}
