//! A deposit as the L2 takes it: the portal's `DepositInitiated` event, decoded and checked,
//! with where on the L1 it was emitted.

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    rpc::types::Log,
    sol_types::SolEvent,
};

use crate::{BridgeError, contracts::Portal};

/// Who receives a deposit on L2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DepositRecipient {
    /// An EVM address: the value is minted to the sender, then a call from the sender to this
    /// address carries it (with the deposit's data and gas limit).
    Evm(Address),
    /// A Solana account: the value, in lamports of 1 gwei, is minted to it.
    Svm([u8; 32]),
}

/// One deposit, in the portal's nonce order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deposit {
    /// The portal's nonce: 0, 1, 2, … without gaps.
    pub nonce: u64,
    /// The L2 sender (an L1 contract's address is aliased by the portal).
    pub from: Address,
    /// The L2 recipient.
    pub to: DepositRecipient,
    /// Wei deposited.
    pub value: U256,
    /// Gas of the L2 call (EVM recipients).
    pub gas_limit: u64,
    /// Calldata of the L2 call (EVM recipients).
    pub data: Bytes,
    /// The L1 block that holds it.
    pub l1_block: u64,
    /// That block's hash.
    pub l1_block_hash: B256,
    /// The log's index in that block.
    pub log_index: u64,
}

impl Deposit {
    /// Decodes the portal's log `log`; anything else, or a log the portal cannot have emitted
    /// (an unknown VM tag, a nonce over 64 bits), is an error.
    pub fn from_log(log: &Log) -> Result<Self, BridgeError> {
        let bad = |what: &str| BridgeError::BadDepositLog(what.to_string());
        let event = Portal::DepositInitiated::decode_log(&log.inner)
            .map_err(|e| bad(&format!("not a DepositInitiated event: {e}")))?
            .data;
        let to = match event.vm {
            0 => {
                let word = event.to.0;
                if word[..12] != [0; 12] {
                    return Err(bad("an EVM recipient with high bytes set"));
                }
                DepositRecipient::Evm(Address::from_slice(&word[12..]))
            }
            1 => DepositRecipient::Svm(event.to.0),
            other => return Err(bad(&format!("unknown VM tag {other}"))),
        };
        Ok(Self {
            nonce: u64::try_from(event.nonce).map_err(|_| bad("a nonce over 64 bits"))?,
            from: event.from,
            to,
            value: event.value,
            gas_limit: event.gasLimit,
            data: event.data,
            l1_block: log.block_number.ok_or_else(|| bad("a log without a block number"))?,
            l1_block_hash: log.block_hash.ok_or_else(|| bad("a log without a block hash"))?,
            log_index: log.log_index.ok_or_else(|| bad("a log without a log index"))?,
        })
    }
}
