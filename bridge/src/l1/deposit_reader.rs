//! [`DepositReader`]: the deposits of the portal, read from the L1's logs once their block has
//! `confirmations` blocks counting itself (the head minus `confirmations - 1`, as the Ethereum
//! DA backend counts), in nonce order, each exactly once.
//!
//! - **Only confirmed blocks are read.** A deposit in a block that a reorg removes before it
//!   is confirmed is never delivered; the deposit that replaces it is delivered once, when its
//!   own block is confirmed.
//! - **A reorg deeper than the confirmations is an error, not a silent re-read**: before each
//!   read, the last block read must still have the hash it had. Deposits already delivered
//!   cannot be taken back; the operator has to choose more confirmations.
//! - **Nonces are checked**: the portal numbers deposits 0, 1, 2, …; a gap or a repeat means a
//!   node that drops or invents logs, and is an error.
//! - **Bounded work**: one poll reads at most `max_range` blocks; call it again to catch up.
//! - **How far it has read**: [`DepositReader::read_until`] is the newest L1 block all of
//!   whose deposits (and all earlier blocks') were delivered, with its timestamp; any deposit
//!   not delivered yet is in a later block. A sequencer bounds its blocks' timestamps by it.
//!
//! The reader's progress is a [`DepositCursor`], which the caller stores with its own state
//! so that a restart resumes where the L2 left off.

use alloy::{
    eips::BlockNumberOrTag,
    primitives::{Address, B256},
    providers::{DynProvider, Provider},
    rpc::types::Filter,
    sol_types::SolEvent,
};

use crate::{BridgeError, contracts::Portal, l1::deposit::Deposit};

/// Where the reader is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DepositCursor {
    /// The first L1 block not yet read.
    pub next_block: u64,
    /// The nonce of the next deposit.
    pub next_nonce: u64,
    /// The last block read and its hash, checked before the next read.
    pub last_read: Option<(u64, B256)>,
}

impl DepositCursor {
    /// A reader that starts at L1 block `block` (the portal's deployment block) with deposit 0.
    pub fn start_at(block: u64) -> Self {
        Self { next_block: block, next_nonce: 0, last_read: None }
    }

    /// A reader that resumes after an L2 that applied `applied` deposits, the last of them
    /// from L1 block `last_block`: that block is read again, and its deposits numbered below
    /// `applied` are skipped.
    pub fn resume(applied: u64, last_block: u64) -> Self {
        Self { next_block: last_block, next_nonce: applied, last_read: None }
    }
}

/// An L1 block up to which every deposit was delivered (see [`DepositReader::read_until`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadUntil {
    /// The block's number.
    pub block: u64,
    /// The block's timestamp, in seconds.
    pub timestamp: u64,
}

/// Reads the portal's deposits.
#[derive(Debug, Clone)]
pub struct DepositReader {
    provider: DynProvider,
    portal: Address,
    confirmations: u64,
    max_range: u64,
    cursor: DepositCursor,
    read_until: Option<ReadUntil>,
}

impl DepositReader {
    /// A reader of `portal`'s deposits through `provider`, counting a block as confirmed with
    /// `confirmations` blocks (at least 1: the block itself), reading at most `max_range`
    /// blocks a poll, from `cursor`.
    pub fn new(
        provider: DynProvider,
        portal: Address,
        confirmations: u64,
        max_range: u64,
        cursor: DepositCursor,
    ) -> Self {
        Self {
            provider,
            portal,
            confirmations: confirmations.max(1),
            max_range: max_range.max(1),
            cursor,
            read_until: None,
        }
    }

    /// Where the reader is.
    pub fn cursor(&self) -> DepositCursor {
        self.cursor
    }

    /// The newest confirmed L1 block whose deposits, and every earlier block's, this reader
    /// has delivered (or that the L2 had applied before it started), as of its last
    /// successful [`poll`](Self::poll); `None` before one. Deposits not delivered yet are in
    /// later blocks, so their L1 timestamps are at least this block's.
    pub fn read_until(&self) -> Option<ReadUntil> {
        self.read_until
    }

    /// The newest confirmed L1 block, if there is one.
    pub async fn confirmed_head(&self) -> Result<Option<u64>, BridgeError> {
        let head = self.provider.get_block_number().await.map_err(BridgeError::l1)?;
        Ok((head + 1).checked_sub(self.confirmations))
    }

    /// The deposits of the next confirmed blocks, at most `max_range` of them; empty when no
    /// new block is confirmed.
    pub async fn poll(&mut self) -> Result<Vec<Deposit>, BridgeError> {
        if let Some((number, hash)) = self.cursor.last_read {
            let now = self.block_hash(number).await?;
            if now != hash {
                return Err(BridgeError::ReorgBeyondConfirmations {
                    block: number,
                    read: hash,
                    now,
                });
            }
        }
        let Some(confirmed) = self.confirmed_head().await? else { return Ok(Vec::new()) };
        let from = self.cursor.next_block;
        if confirmed < from {
            // Nothing new to read: the blocks up to the confirmed head were read, are before
            // the portal's deployment, or hold only deposits the L2 applied.
            if self.read_until.is_none_or(|r| r.block < confirmed) {
                let timestamp = self.header(confirmed).await?.timestamp;
                self.read_until = Some(ReadUntil { block: confirmed, timestamp });
            }
            return Ok(Vec::new());
        }
        let to = confirmed.min(from.saturating_add(self.max_range - 1));
        let filter = Filter::new()
            .address(self.portal)
            .event_signature(Portal::DepositInitiated::SIGNATURE_HASH)
            .from_block(from)
            .to_block(to);
        let logs = self.provider.get_logs(&filter).await.map_err(BridgeError::l1)?;
        let to_header = self.header(to).await?;
        let to_hash = to_header.hash;
        let mut deposits = logs
            .iter()
            .filter(|log| !log.removed)
            .map(Deposit::from_log)
            .collect::<Result<Vec<_>, _>>()?;
        deposits.sort_by_key(|d| (d.l1_block, d.log_index));
        if self.cursor.last_read.is_none() {
            // A reader resumed inside a block (`DepositCursor::resume`) skips that block's
            // deposits the L2 applied already.
            let resumed = self.cursor.next_nonce;
            deposits.retain(|d| d.l1_block != from || d.nonce >= resumed);
        }
        let mut next_nonce = self.cursor.next_nonce;
        for deposit in &deposits {
            if deposit.l1_block < from || deposit.l1_block > to {
                return Err(BridgeError::BadDepositLog(format!(
                    "a log of block {} in an answer for blocks {from}..={to}",
                    deposit.l1_block
                )));
            }
            if deposit.l1_block == to && deposit.l1_block_hash != to_hash {
                // The range's last block changed between the two reads: read it again later.
                return Err(BridgeError::ReorgBeyondConfirmations {
                    block: to,
                    read: deposit.l1_block_hash,
                    now: to_hash,
                });
            }
            if deposit.nonce != next_nonce {
                return Err(BridgeError::DepositNonceGap {
                    expected: next_nonce,
                    found: deposit.nonce,
                });
            }
            next_nonce += 1;
        }
        self.cursor =
            DepositCursor { next_block: to + 1, next_nonce, last_read: Some((to, to_hash)) };
        self.read_until = Some(ReadUntil { block: to, timestamp: to_header.timestamp });
        Ok(deposits)
    }

    /// The timestamp of L1 block `number`.
    pub async fn l1_timestamp(&self, number: u64) -> Result<u64, BridgeError> {
        Ok(self.header(number).await?.timestamp)
    }

    async fn block_hash(&self, number: u64) -> Result<B256, BridgeError> {
        Ok(self.header(number).await?.hash)
    }

    async fn header(&self, number: u64) -> Result<alloy::rpc::types::Header, BridgeError> {
        let block = self
            .provider
            .get_block_by_number(BlockNumberOrTag::Number(number))
            .await
            .map_err(BridgeError::l1)?
            .ok_or(BridgeError::MissingL1Block(number))?;
        Ok(block.header)
    }
}
