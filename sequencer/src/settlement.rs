//! Settlement on an L1 (`[bridge] enabled`): the sequencer runs the bridge's proposer over
//! its own state. A block's output root is computed here from the store — the header's state
//! root and hash, and the withdrawal root read from the `L2Withdrawals` contract's storage at
//! that block (its frontier, slots 0–31, and its count, slot 32), or, once the store no
//! longer keeps that block's state, rebuilt from the chain's own withdrawal logs
//! ([`WithdrawalLogTree`]) — never taken from anywhere else. The proposer reports which blocks an output past its challenge period covers: that
//! is the node's `finalized` head (the batcher then leaves it alone).
//!
//! A follower of such a chain runs the bridge's output verifier instead: every posted output
//! is checked against the root of the state the follower derived, and its `finalized` head is
//! the newest block covered by an output both past its challenge period and verified.

use alloy::{
    network::EthereumWallet,
    primitives::{B256, U256},
    providers::{Provider, ProviderBuilder},
};
use bridge::{
    BridgeError, OutputRoot,
    contracts::L2_WITHDRAWALS_ADDRESS,
    frontier_root,
    l1::{OutputSource, OutputVerifier, Proposer, ProposerConfig},
    withdrawal_tree::DEPTH,
};
use execution::{AccountId, ExecutionError, StateView, Store};
use tokio::{sync::watch, task::JoinHandle};

use crate::{NodeContext, SequencerError, withdrawal_log_tree::WithdrawalLogTree};

/// The output root of block `number`, from `store` alone: the withdrawal root from the
/// contract's storage while the store keeps the block's state (`[history] keep_blocks`), else
/// from the chain's withdrawal logs, with `logs` (a tree built on between calls).
pub fn output_root(
    store: &Store,
    number: u64,
    logs: &mut WithdrawalLogTree,
) -> Result<OutputRoot, ExecutionError> {
    let reader = store.reader()?;
    let head = reader.head_number()?.ok_or(ExecutionError::NoGenesis)?;
    let header = reader.header(number)?.ok_or(ExecutionError::UnknownBlock { number, head })?;
    let state = match reader.state_at(number) {
        Ok(state) => state,
        Err(ExecutionError::StatePruned { .. }) => {
            let withdrawal_root = logs.root_after(&reader, number)?;
            return Ok(OutputRoot::v0(header.state_root, withdrawal_root, header.hash_slow()));
        }
        Err(e) => return Err(e),
    };
    let mut frontier = [B256::ZERO; DEPTH];
    for (slot, node) in frontier.iter_mut().enumerate() {
        *node = B256::from(state.storage(L2_WITHDRAWALS_ADDRESS, U256::from(slot))?);
    }
    let count = state.storage(L2_WITHDRAWALS_ADDRESS, U256::from(DEPTH))?;
    let count = u64::try_from(count).unwrap_or(u64::MAX);
    Ok(OutputRoot::v0(header.state_root, frontier_root(&frontier, count), header.hash_slow()))
}

/// The node, as the proposer and the output verifier see it.
struct NodeOutputs {
    ctx: NodeContext,
    /// The withdrawal tree from the chain's logs, for blocks whose state is no longer kept.
    logs: parking_lot::Mutex<WithdrawalLogTree>,
}

impl NodeOutputs {
    fn new(ctx: &NodeContext) -> Self {
        Self { ctx: ctx.clone(), logs: Default::default() }
    }
}

impl OutputSource for NodeOutputs {
    fn safe_head(&self) -> u64 {
        self.ctx.heads.safe()
    }

    fn output_at(&self, number: u64) -> Result<OutputRoot, BridgeError> {
        output_root(&self.ctx.store, number, &mut self.logs.lock())
            .map_err(|e| BridgeError::Proposer(format!("the output root of block {number}: {e}")))
    }

    fn finalized(&self, number: u64) {
        self.ctx.heads.set_finalized(number);
    }
}

/// Starts the proposer of a sequencer whose config enables the bridge; `None` otherwise.
/// Refuses a chain without the withdrawal contract (its outputs could prove nothing).
pub fn start_proposer(
    ctx: &NodeContext,
    shutdown: watch::Receiver<bool>,
) -> Result<Option<JoinHandle<()>>, SequencerError> {
    let bridge = &ctx.config.bridge;
    if !bridge.enabled {
        return Ok(None);
    }
    let contract = ctx.store.reader()?.account(AccountId::from(L2_WITHDRAWALS_ADDRESS))?;
    if contract.is_none_or(|a| a.code_hash == alloy::primitives::KECCAK256_EMPTY) {
        return Err(SequencerError::Config(node_config::ConfigError::Invalid {
            key: "bridge.enabled".into(),
            value: "true".into(),
            expected: format!(
                "a chain with the bridge's L2Withdrawals contract at {L2_WITHDRAWALS_ADDRESS} \
                 from genesis"
            ),
            example: "genesis.alloc with the contract's runtime code (bridge::l2::add_predeploys)"
                .into(),
        }));
    }
    let signer = bridge.proposer()?.ok_or_else(|| {
        SequencerError::Config(node_config::ConfigError::Invalid {
            key: "bridge.proposer_key".into(),
            value: "<missing>".into(),
            expected: "the oracle's proposer key".into(),
            example: "MANIFOLD_BRIDGE__PROPOSER_KEY=0x…".into(),
        })
    })?;
    let from = signer.address();
    let l1 = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(l1_url(bridge)?)
        .erased();
    let (poll, retry_initial, retry_max) = timings(bridge);
    let config = ProposerConfig {
        oracle: bridge.output_oracle,
        interval_blocks: bridge.output_interval_blocks,
        l1_chain_id: bridge.l1_chain_id,
        poll,
        retry_initial,
        retry_max,
    };
    tracing::info!(oracle = %config.oracle, proposer = %from, interval = config.interval_blocks, "proposer started");
    let proposer = Proposer::new(l1, from, config, NodeOutputs::new(ctx));
    Ok(Some(tokio::spawn(proposer.run(shutdown))))
}

/// Starts the output verifier of a follower whose config enables the bridge; `None`
/// otherwise. Needs no key: it only reads the L1.
pub fn start_output_verifier(
    ctx: &NodeContext,
    shutdown: watch::Receiver<bool>,
) -> Result<Option<JoinHandle<()>>, SequencerError> {
    let bridge = &ctx.config.bridge;
    if !bridge.enabled {
        return Ok(None);
    }
    let l1 = ProviderBuilder::new().connect_http(l1_url(bridge)?).erased();
    let (poll, retry_initial, retry_max) = timings(bridge);
    let verifier = OutputVerifier::new(
        l1,
        bridge.output_oracle,
        poll,
        (retry_initial, retry_max),
        NodeOutputs::new(ctx),
    );
    tracing::info!(oracle = %bridge.output_oracle, "verifying the L1's output roots");
    Ok(Some(tokio::spawn(verifier.run(shutdown))))
}

/// `bridge.l1_rpc_url`, parsed.
pub(crate) fn l1_url(
    bridge: &node_config::BridgeConfig,
) -> Result<alloy::transports::http::reqwest::Url, SequencerError> {
    bridge
        .l1_rpc_url
        .parse()
        .map_err(|e| SequencerError::Rpc(format!("bridge.l1_rpc_url {:?}: {e}", bridge.l1_rpc_url)))
}

/// The poll interval and the first and largest retry delays of `bridge`.
fn timings(
    bridge: &node_config::BridgeConfig,
) -> (std::time::Duration, std::time::Duration, std::time::Duration) {
    let ms = std::time::Duration::from_millis;
    (ms(bridge.poll_interval_ms), ms(bridge.retry_initial_ms), ms(bridge.retry_max_ms))
}
