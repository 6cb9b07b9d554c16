//! [`NodeConfig::devnet`]: the one-command local devnet config, with the well-known dev
//! accounts and Solana dev keypairs funded at genesis, and a faucet for `requestAirdrop`.

use std::{
    net::{Ipv4Addr, SocketAddr},
    path::PathBuf,
};

use alloy_primitives::{B256, U256};
use serde::{Deserialize, Serialize};

use crate::{
    ConfigError, GenesisAccount, GenesisIdAccount, KeepBlocks, NodeConfig, Secret, dev_accounts,
    dev_solana_faucet, dev_solana_keypairs,
};

/// Balance of the devnet's Solana faucet: 1,000,000 SOL (10^15 lamports = 10^24 wei).
pub fn faucet_balance_wei() -> U256 {
    U256::from(10u64).pow(U256::from(24u64))
}

/// What a devnet may change from the defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DevnetOptions {
    /// Chain id. Default 31337.
    pub chain_id: u64,
    /// Block interval in milliseconds. Default 250.
    pub block_time_ms: u64,
    /// Whether idle intervals seal empty blocks (`chain.empty_blocks`). Default `true`.
    pub empty_blocks: bool,
    /// How many dev accounts ([`crate::dev_accounts`]) to fund. Default 10.
    pub accounts: usize,
    /// Balance of each dev account, in wei. Default 10000 ether.
    pub balance_wei: U256,
    /// Data directory. Default `./manifold-devnet`.
    pub data_dir: PathBuf,
    /// JSON-RPC listen address. Default `127.0.0.1:8545`.
    pub rpc_listen: SocketAddr,
    /// Solana JSON-RPC (HTTP) listen address. Default `127.0.0.1:8899`, or a free port when
    /// `rpc_listen`'s port is 0 (see [`crate::SolanaRpcConfig::addresses`]).
    pub solana_rpc_listen: Option<SocketAddr>,
    /// Solana WebSocket listen address. Default `127.0.0.1:8900`, or a free port as above.
    pub solana_ws_listen: Option<SocketAddr>,
    /// Blocks whose states are kept (`[history] keep_blocks`). Default all: a devnet is an
    /// archive, so forking tools and explorers can pin any block.
    pub keep_blocks: KeepBlocks,
}

impl Default for DevnetOptions {
    fn default() -> Self {
        Self {
            chain_id: 31_337,
            block_time_ms: 250,
            empty_blocks: true,
            accounts: 10,
            balance_wei: U256::from(10_000u128 * 10u128.pow(18)),
            data_dir: PathBuf::from("./manifold-devnet"),
            rpc_listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 8545)),
            solana_rpc_listen: None,
            solana_ws_listen: None,
            keep_blocks: KeepBlocks::All,
        }
    }
}

impl NodeConfig {
    /// The default config with `opts` applied and the first `opts.accounts` dev accounts
    /// funded with `opts.balance_wei` each; genesis timestamp 0 (the time of first start).
    /// The result is validated.
    pub fn devnet(opts: &DevnetOptions) -> Result<Self, ConfigError> {
        let mut config = Self { data_dir: opts.data_dir.clone(), ..Self::default() };
        config.chain.chain_id = opts.chain_id;
        config.chain.block_time_ms = opts.block_time_ms;
        config.chain.empty_blocks = opts.empty_blocks;
        // A devnet's anvil_setBalance & co. are transactions of the dev-state engine.
        config.chain.dev_state_writes = true;
        config.rpc.listen = opts.rpc_listen;
        config.solana_rpc.listen = opts.solana_rpc_listen;
        config.solana_rpc.ws_listen = opts.solana_ws_listen;
        config.genesis.timestamp = 0;
        config.history.keep_blocks = opts.keep_blocks;
        config.genesis.alloc = dev_accounts(opts.accounts)?
            .into_iter()
            .map(|account| {
                (
                    account.address,
                    GenesisAccount { balance: opts.balance_wei, ..Default::default() },
                )
            })
            .collect();
        // The Solana dev keypairs hold the same balance (in whole lamports); the faucet pays
        // `requestAirdrop`.
        let solana = |pubkey: [u8; 32], balance: U256| {
            (B256::from(pubkey), GenesisIdAccount { balance, ..Default::default() })
        };
        let gwei = U256::from(1_000_000_000u64);
        let lamports_wei = opts.balance_wei / gwei * gwei;
        if !lamports_wei.is_zero() {
            config.genesis.accounts = dev_solana_keypairs(opts.accounts)?
                .into_iter()
                .map(|key| solana(key.pubkey_bytes, lamports_wei))
                .collect();
        }
        let faucet = dev_solana_faucet()?;
        let (id, account) = solana(faucet.pubkey_bytes, faucet_balance_wei());
        config.genesis.accounts.insert(id, account);
        config.solana_rpc.faucet_keypair = Some(Secret::new(faucet.secret_base58));
        config.validate()?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use alloy_primitives::address;

    use super::*;

    #[test]
    fn default_devnet_funds_ten_dev_accounts_with_10000_ether() {
        let config = NodeConfig::devnet(&DevnetOptions::default()).unwrap();
        assert_eq!(config.genesis.alloc.len(), 10);
        let first = &config.genesis.alloc[&address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")];
        assert_eq!(first.balance, "10000000000000000000000".parse::<U256>().unwrap());
        assert_eq!(first.nonce, 0);
        assert_eq!(config.genesis.timestamp, 0);
        assert_eq!(config.data_dir, Path::new("./manifold-devnet"));
        assert_eq!(config.chain.chain_id, 31_337);
        assert!(config.chain.dev_state_writes, "a devnet runs the dev-state engine");
        assert!(!NodeConfig::default().chain.dev_state_writes, "no other chain does");
        // Ten Solana keypairs with the same balance, and the faucet.
        let keys = dev_solana_keypairs(10).unwrap();
        assert_eq!(config.genesis.accounts.len(), 11);
        let solana = &config.genesis.accounts[&B256::from(keys[0].pubkey_bytes)];
        assert_eq!(solana.balance, first.balance);
        let faucet = dev_solana_faucet().unwrap();
        assert_eq!(
            config.genesis.accounts[&B256::from(faucet.pubkey_bytes)].balance,
            faucet_balance_wei()
        );
        assert_eq!(
            config.solana_rpc.faucet_keypair.as_ref().map(|k| k.expose().to_owned()),
            Some(faucet.secret_base58)
        );
        let with_no_alloc = NodeConfig {
            data_dir: "./manifold-devnet".into(),
            genesis: Default::default(),
            solana_rpc: Default::default(),
            // The devnet's one chain setting beyond the defaults.
            chain: crate::ChainConfig { dev_state_writes: false, ..config.chain.clone() },
            history: Default::default(),
            ..config.clone()
        };
        assert_eq!(
            with_no_alloc,
            NodeConfig { data_dir: "./manifold-devnet".into(), ..NodeConfig::default() }
        );
    }

    #[test]
    fn devnet_applies_options_and_validates_them() {
        let opts = DevnetOptions {
            chain_id: 7,
            block_time_ms: 1000,
            empty_blocks: false,
            accounts: 2,
            balance_wei: U256::from(1),
            data_dir: "/tmp/dn".into(),
            rpc_listen: "0.0.0.0:9545".parse().unwrap(),
            solana_rpc_listen: None,
            solana_ws_listen: None,
            keep_blocks: KeepBlocks::Recent(500),
        };
        let config = NodeConfig::devnet(&opts).unwrap();
        assert_eq!((config.chain.chain_id, config.chain.block_time_ms), (7, 1000));
        assert!(!config.chain.empty_blocks);
        assert_eq!(config.rpc.listen.port(), 9545);
        assert!(config.genesis.alloc.values().all(|a| a.balance == U256::from(1)));
        assert_eq!(config.genesis.alloc.len(), 2);
        assert_eq!(config.history.keep_blocks, KeepBlocks::Recent(500));
        let archive = NodeConfig::devnet(&DevnetOptions::default()).unwrap();
        assert_eq!(archive.history.keep_blocks, KeepBlocks::All, "a devnet is an archive");

        let bad = DevnetOptions { chain_id: 0, ..DevnetOptions::default() };
        assert_eq!(NodeConfig::devnet(&bad).unwrap_err().key(), Some("chain.chain_id"));
    }
}
