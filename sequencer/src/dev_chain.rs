//! Dev-chain mode of the node ([`Node::start_dev_chain`]): the same chain, mempool, block
//! builder and eth JSON-RPC as the sequencer, without batcher or DA, mined the way a
//! single-node Ethereum dev chain (anvil, hardhat) is — on every admitted transaction
//! ([`Mining::Instant`], the builder's automine) or on a fixed interval, empty blocks included
//! ([`Mining::Interval`]), so that an L1 client sees blocks and confirmations advance. Every
//! sealed block is safe and final at once: a dev L1 has no one to reorg it (but its own user,
//! through `evm_revert`).
//!
//! Like anvil and Hardhat's node, a dev chain serves the devnet's dev methods (`evm_mine`,
//! `evm_increaseTime`, `evm_snapshot`/`evm_revert`, `anvil_setBalance`, …): an L1 test moves
//! time past a challenge period, or sets up state, without waiting or deploying.

use std::time::Duration;

use node_config::NodeConfig;
use tokio::sync::{broadcast::error::RecvError, watch};

use crate::{Node, NodeContext, NodeHandle, SequencerError, block_builder, mining::MiningMode};

/// When a dev chain seals blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mining {
    /// As soon as transactions are admitted (one block per admission burst); an idle chain
    /// does not grow.
    Instant,
    /// Every interval, even when no transaction is pending.
    Interval(Duration),
}

impl Node {
    /// Opens (or creates) the chain in `config.data_dir` and serves it as a dev chain: eth
    /// JSON-RPC and the block builder mining as `mining` says; no batcher, no DA. The safe
    /// and finalized heads follow the sealed head.
    pub async fn start_dev_chain(
        mut config: NodeConfig,
        mining: Mining,
    ) -> Result<NodeHandle, SequencerError> {
        let mode = match mining {
            Mining::Instant => MiningMode::Auto,
            Mining::Interval(interval) if interval.is_zero() => {
                return Err(SequencerError::Config(node_config::ConfigError::Invalid {
                    key: "mining interval".into(),
                    value: "0".into(),
                    expected: "must be greater than zero (for a block per transaction, mine \
                               instantly)"
                        .into(),
                    example: "Mining::Interval(Duration::from_secs(1))".into(),
                }));
            }
            Mining::Interval(interval) => MiningMode::Interval(interval),
        };
        // A dev L1 mined on an interval seals empty blocks, so that confirmations advance.
        config.chain.empty_blocks = true;
        // The state setters (`anvil_setBalance`, …) are dev-state transactions.
        config.chain.dev_state_writes = true;
        let mut ctx = Self::open_as(config, crate::NodeRole::DevChain)?;
        ctx.dev_methods = true;
        ctx.mining.set_mode(mode);
        let head = ctx.store.head_number()?.unwrap_or_default();
        mark_final(&ctx, head);
        let (shutdown, shutdown_rx) = watch::channel(false);
        // Subscribed before the builder starts: no sealed block goes unmarked.
        let sealed = ctx.blocks.subscribe();
        let tasks = vec![
            tokio::spawn(finalize_sealed(ctx.clone(), sealed, shutdown_rx.clone())),
            tokio::spawn(block_builder::run_block_builder(ctx.clone(), shutdown_rx)),
        ];
        let (rpc, addrs) = crate::rpc::start_rpc(ctx.clone()).await?;
        tracing::info!(?mining, rpc_addr = %addrs.eth, "dev chain started");
        Ok(NodeHandle {
            ctx,
            rpc_addr: addrs.eth,
            solana_rpc_addrs: addrs.solana,
            rpc,
            shutdown,
            tasks,
        })
    }
}

/// A dev chain's blocks are final as soon as they are sealed.
fn mark_final(ctx: &NodeContext, number: u64) {
    ctx.heads.set_safe(number);
    ctx.heads.set_finalized(number);
    ctx.metrics.safe_head.set(ctx.heads.safe() as i64);
}

/// Marks every block the builder seals safe and final, until `shutdown` turns true.
async fn finalize_sealed(
    ctx: NodeContext,
    mut sealed: tokio::sync::broadcast::Receiver<std::sync::Arc<execution::SealedBlock>>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            received = sealed.recv() => match received {
                Ok(block) => mark_final(&ctx, block.number()),
                // Fell behind: the head is sealed, so it is final too.
                Err(RecvError::Lagged(_)) => {
                    if let Ok(Some(head)) = ctx.store.head_number() {
                        mark_final(&ctx, head);
                    }
                }
                Err(RecvError::Closed) => break,
            },
            _ = shutdown.changed() => {
                if *shutdown.borrow() {
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
    use alloy_eips::eip2718::Encodable2718;
    use alloy_network::TxSignerSync;
    use alloy_primitives::{Address, TxKind, U256};
    use alloy_signer_local::PrivateKeySigner;
    use node_config::{DevnetOptions, dev_accounts};

    use super::*;

    const WAIT: Duration = Duration::from_secs(10);

    fn config(dir: &std::path::Path) -> NodeConfig {
        NodeConfig::devnet(&DevnetOptions {
            data_dir: dir.to_path_buf(),
            accounts: 2,
            rpc_listen: "127.0.0.1:0".parse().unwrap(),
            ..Default::default()
        })
        .unwrap()
    }

    fn transfer(nonce: u64) -> alloy_primitives::Bytes {
        let signer =
            PrivateKeySigner::from_bytes(&dev_accounts(1).unwrap()[0].private_key).unwrap();
        let mut tx = TxEip1559 {
            chain_id: 31337,
            nonce,
            gas_limit: 21_000,
            max_fee_per_gas: 10_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
            to: TxKind::Call(Address::repeat_byte(0x77)),
            value: U256::from(1),
            ..Default::default()
        };
        let sig = signer.sign_transaction_sync(&mut tx).unwrap();
        let env: TxEnvelope = tx.into_signed(sig).into();
        env.encoded_2718().into()
    }

    /// Polls (every 5 ms, at most [`WAIT`]) until the finalized head reaches `number`.
    async fn wait_final(ctx: &NodeContext, number: u64) {
        let deadline = std::time::Instant::now() + WAIT;
        while ctx.heads.finalized() < number {
            assert!(std::time::Instant::now() < deadline, "finalized head stuck below {number}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn instant_mining_seals_each_admission_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let node = Node::start_dev_chain(config(dir.path()), Mining::Instant).await.unwrap();
        let ctx = node.ctx.clone();
        let mut blocks = ctx.blocks.subscribe();
        for nonce in 0..2u64 {
            let hash = ctx
                .mempool
                .submit_payload(execution::EngineKind::Evm, transfer(nonce))
                .await
                .unwrap();
            let block = tokio::time::timeout(WAIT, blocks.recv()).await.unwrap().unwrap();
            assert_eq!(block.number(), nonce + 1);
            assert_eq!(block.transactions.iter().map(|t| t.hash()).collect::<Vec<_>>(), vec![hash]);
            // The heads follow right after the block is announced.
            wait_final(&ctx, nonce + 1).await;
            assert_eq!(ctx.heads.safe(), nonce + 1);
        }
        // An idle instant chain does not grow.
        assert!(tokio::time::timeout(Duration::from_millis(300), blocks.recv()).await.is_err());
        assert_eq!(ctx.store.head_number().unwrap(), Some(2));
        node.shutdown().await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn interval_mining_seals_empty_blocks_that_are_final_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let mining = Mining::Interval(Duration::from_millis(30));
        let node = Node::start_dev_chain(config(dir.path()), mining).await.unwrap();
        let ctx = node.ctx.clone();
        let mut blocks = ctx.blocks.subscribe();
        let mut last = 0;
        for _ in 0..3 {
            let block = tokio::time::timeout(WAIT, blocks.recv()).await.unwrap().unwrap();
            assert!(block.transactions.is_empty());
            assert!(block.number() > last);
            last = block.number();
            wait_final(&ctx, last).await;
        }
        // A transaction goes into one of the next blocks.
        let hash =
            ctx.mempool.submit_payload(execution::EngineKind::Evm, transfer(0)).await.unwrap();
        let included = loop {
            let block = tokio::time::timeout(WAIT, blocks.recv()).await.unwrap().unwrap();
            if !block.transactions.is_empty() {
                break block;
            }
        };
        assert_eq!(included.transactions[0].hash(), hash);
        drop(ctx);
        node.shutdown().await;

        // Restarted on the same directory, the chain goes on from its head.
        let node = Node::start_dev_chain(config(dir.path()), Mining::Instant).await.unwrap();
        let head = node.ctx.store.head_number().unwrap().unwrap();
        assert!(head >= included.number());
        assert_eq!(node.ctx.heads.finalized(), head);
        node.shutdown().await;
    }

    #[tokio::test]
    async fn a_zero_interval_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = Node::start_dev_chain(config(dir.path()), Mining::Interval(Duration::ZERO))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("greater than zero"), "{err}");
    }
}
