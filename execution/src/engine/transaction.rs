//! `Transaction`: a transaction of any engine, as the VM-neutral layers carry it — decoded,
//! its signature verified once at admission — with its two encodings:
//!
//! - *tagged*, `kind ‖ payload`: what DA batches carry (readers verify signatures again);
//! - *record*, `kind ‖ len ‖ verified ‖ payload`: what the node's own journal and block bodies
//!   keep, with what admission verified (the EVM sender), so reading them back needs no
//!   signature work.

use alloy_primitives::{B256, Bytes, U256};

#[cfg(any(test, feature = "test-utils"))]
use crate::kv::KvTx;
use crate::{
    AccountId, EngineKind, EngineTx, ReplayGuard, TxError, deposit::DepositTx,
    dev_state::DevStateTx, evm::EvmTx, svm::SvmTx,
};

/// A transaction of one of the chain's engines.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[allow(
    clippy::large_enum_variant,
    reason = "EVM transactions are the common case: boxing them would allocate per transaction"
)]
pub enum Transaction {
    /// An Ethereum transaction.
    Evm(EvmTx),
    /// A Solana transaction.
    Svm(SvmTx),
    /// An L1 deposit.
    Deposit(DepositTx),
    /// A devnet's state writes.
    DevState(DevStateTx),
    /// A transaction of the key-value test engine.
    #[cfg(any(test, feature = "test-utils"))]
    Kv(KvTx),
}

/// Calls `$body` with `$tx` bound to the engine transaction inside.
macro_rules! dispatch {
    ($self:expr, $tx:ident => $body:expr) => {
        match $self {
            Transaction::Evm($tx) => $body,
            Transaction::Svm($tx) => $body,
            Transaction::Deposit($tx) => $body,
            Transaction::DevState($tx) => $body,
            #[cfg(any(test, feature = "test-utils"))]
            Transaction::Kv($tx) => $body,
        }
    };
}

impl Transaction {
    /// Its engine.
    pub fn kind(&self) -> EngineKind {
        match self {
            Transaction::Evm(_) => EvmTx::KIND,
            Transaction::Svm(_) => SvmTx::KIND,
            Transaction::Deposit(_) => DepositTx::KIND,
            Transaction::DevState(_) => DevStateTx::KIND,
            #[cfg(any(test, feature = "test-utils"))]
            Transaction::Kv(_) => KvTx::KIND,
        }
    }

    /// Its unique id.
    pub fn hash(&self) -> B256 {
        dispatch!(self, tx => tx.hash())
    }

    /// Its wire bytes (without the kind tag).
    pub fn payload(&self) -> &Bytes {
        dispatch!(self, tx => tx.payload())
    }

    /// Size of its wire bytes.
    pub fn size(&self) -> usize {
        self.payload().len()
    }

    /// The account paying its fees.
    pub fn payer(&self) -> AccountId {
        dispatch!(self, tx => tx.payer())
    }

    /// How it is protected against replay.
    pub fn replay_guard(&self) -> ReplayGuard {
        dispatch!(self, tx => tx.replay_guard())
    }

    /// Most of its engine's block resource it may use.
    pub fn resource_limit(&self) -> u64 {
        dispatch!(self, tx => tx.resource_limit())
    }

    /// Its fee ordering key at `base_fee` (see [`EngineTx::priority`]).
    pub fn priority(&self, base_fee: u64) -> Option<u128> {
        dispatch!(self, tx => tx.priority(base_fee))
    }

    /// Most it can take from its payer, in wei.
    pub fn max_cost(&self) -> U256 {
        dispatch!(self, tx => tx.max_cost())
    }

    /// Whether it may replace `old` (same kind, payer and replay guard) with the pool's fee
    /// bump of `bump_percent`.
    pub fn may_replace(&self, old: &Transaction, bump_percent: u64) -> bool {
        match (self, old) {
            (Transaction::Evm(new), Transaction::Evm(old)) => new.may_replace(old, bump_percent),
            (Transaction::Svm(new), Transaction::Svm(old)) => new.may_replace(old, bump_percent),
            #[cfg(any(test, feature = "test-utils"))]
            (Transaction::Kv(new), Transaction::Kv(old)) => new.may_replace(old, bump_percent),
            _ => false,
        }
    }

    /// The Ethereum transaction, if it is one.
    pub fn as_evm(&self) -> Option<&EvmTx> {
        match self {
            Transaction::Evm(tx) => Some(tx),
            _ => None,
        }
    }

    /// The deposit, if it is one.
    pub fn as_deposit(&self) -> Option<&DepositTx> {
        match self {
            Transaction::Deposit(tx) => Some(tx),
            _ => None,
        }
    }

    /// The tagged encoding, `kind ‖ payload` (what DA carries).
    pub fn encode_tagged(&self) -> Bytes {
        let payload = self.payload();
        let mut out = Vec::with_capacity(1 + payload.len());
        out.push(self.kind().tag());
        out.extend_from_slice(payload);
        out.into()
    }

    /// Appends the record encoding, `kind ‖ verified length (u8) ‖ verified ‖ payload`.
    pub fn encode_record(&self, out: &mut Vec<u8>) {
        let verified = dispatch!(self, tx => tx.verified());
        debug_assert!(verified.len() <= usize::from(u8::MAX));
        out.push(self.kind().tag());
        out.push(verified.len() as u8);
        out.extend_from_slice(&verified);
        out.extend_from_slice(self.payload());
    }

    /// Decodes a record written by [`encode_record`](Self::encode_record): the node's own
    /// storage, whose signatures were verified at admission.
    pub fn decode_record(record: &[u8]) -> Result<Self, TxError> {
        let (kind, verified, payload) = split_record(record)?;
        Ok(match kind {
            EngineKind::Evm => Transaction::Evm(EvmTx::decode_verified(payload, verified)?),
            EngineKind::Svm => Transaction::Svm(SvmTx::decode_verified(payload, verified)?),
            EngineKind::Deposit => {
                Transaction::Deposit(DepositTx::decode_verified(payload, verified)?)
            }
            EngineKind::DevState => {
                Transaction::DevState(DevStateTx::decode_verified(payload, verified)?)
            }
            #[cfg(any(test, feature = "test-utils"))]
            EngineKind::Kv => Transaction::Kv(KvTx::decode_verified(payload, verified)?),
        })
    }

    /// The tagged encoding ([`encode_tagged`](Self::encode_tagged)) of the transaction a
    /// record holds, cut from the record without decoding the transaction: what the batcher
    /// posts of a stored block.
    pub fn tagged_from_record(record: &[u8]) -> Result<Bytes, TxError> {
        let (kind, _, payload) = split_record(record)?;
        let mut out = Vec::with_capacity(1 + payload.len());
        out.push(kind.tag());
        out.extend_from_slice(payload);
        Ok(out.into())
    }
}

/// Splits a record written by [`Transaction::encode_record`] into its kind, what admission
/// verified, and the payload.
fn split_record(record: &[u8]) -> Result<(EngineKind, &[u8], &[u8]), TxError> {
    let [tag, len, rest @ ..] = record else {
        return Err(TxError::Malformed("truncated transaction record".into()));
    };
    let len = usize::from(*len);
    if rest.len() < len {
        return Err(TxError::Malformed("truncated transaction record".into()));
    }
    let (verified, payload) = rest.split_at(len);
    Ok((EngineKind::from_tag(*tag)?, verified, payload))
}

impl Transaction {
    /// Decodes a record of the builds before engines (journal entries and block bodies of
    /// database layout 1): the 20-byte sender of an EVM transaction, then its EIP-2718 bytes.
    pub fn decode_v1_record(record: &[u8]) -> Result<Self, TxError> {
        let Some((sender, raw)) = record.split_first_chunk::<20>() else {
            return Err(TxError::Malformed("truncated layout-1 record".into()));
        };
        EvmTx::decode_with_sender(raw, (*sender).into()).map(Transaction::Evm)
    }
}

impl From<EvmTx> for Transaction {
    fn from(tx: EvmTx) -> Self {
        Transaction::Evm(tx)
    }
}
