//! `SvmTx`: a Solana transaction (bincode `VersionedTransaction`, legacy or v0 message),
//! sanitized as agave sanitizes it and its ed25519 signatures verified once, at admission.

use alloy_primitives::{B256, Bytes, U256, keccak256};
use svm::types::{SanitizedTransaction, VersionedTransaction};

use crate::{AccountId, EngineKind, EngineTx, ReplayGuard, TxError, state::native_token};

/// Blocks a recent blockhash stays valid for (Solana's 150).
pub const RECENT_BLOCKS: u64 = 150;
/// Lamports a signature costs (Solana's base fee).
const LAMPORTS_PER_SIGNATURE: u64 = 5000;
/// Compute units of a transaction that sets no limit: 200,000 per instruction, at most 1.4 M.
const DEFAULT_UNITS_PER_INSTRUCTION: u64 = 200_000;
const MAX_UNITS: u64 = 1_400_000;

/// A Solana transaction of the chain.
#[derive(Debug, Clone)]
pub struct SvmTx {
    /// The sanitized transaction the runtime executes.
    pub sanitized: SanitizedTransaction,
    /// Its wire bytes, as signed.
    pub encoded: Bytes,
    /// keccak256 of its first signature: its id in the chain's 32-byte transaction ids.
    pub hash: B256,
    compute_units: u64,
    micro_lamports_per_unit: u64,
}

impl PartialEq for SvmTx {
    fn eq(&self, other: &Self) -> bool {
        self.encoded == other.encoded
    }
}

impl SvmTx {
    /// Decodes wire bytes; `sanitize` sanitizes (and verifies, at admission) the result.
    pub(crate) fn decode_with(
        payload: &[u8],
        sanitize: impl FnOnce(VersionedTransaction) -> Result<SanitizedTransaction, TxError>,
    ) -> Result<Self, TxError> {
        let tx: VersionedTransaction = bincode::deserialize(payload)
            .map_err(|e| TxError::Malformed(format!("failed to deserialize transaction: {e}")))?;
        if bincode::serialized_size(&tx).ok() != Some(payload.len() as u64) {
            return Err(TxError::Malformed("trailing bytes after the transaction".into()));
        }
        let signature =
            *tx.signatures.first().ok_or_else(|| TxError::Malformed("no signature".into()))?;
        let (compute_units, micro_lamports_per_unit) = budget(&tx);
        let sanitized = sanitize(tx)?;
        Ok(Self {
            sanitized,
            encoded: Bytes::copy_from_slice(payload),
            hash: keccak256(signature.as_ref()),
            compute_units,
            micro_lamports_per_unit,
        })
    }

    /// Its fee payer.
    pub fn payer_key(&self) -> svm::types::Pubkey {
        *self.sanitized.message().fee_payer()
    }

    /// The fee it pays, in lamports: 5,000 a signature plus its priority fee.
    pub fn fee_lamports(&self) -> u64 {
        let signatures = self.sanitized.signatures().len() as u64;
        let priority = u128::from(self.compute_units) * u128::from(self.micro_lamports_per_unit);
        let priority = u64::try_from(priority.div_ceil(1_000_000)).unwrap_or(u64::MAX);
        LAMPORTS_PER_SIGNATURE.saturating_mul(signatures).saturating_add(priority)
    }
}

/// The compute-unit limit and price a transaction sets with ComputeBudget instructions (the
/// defaults when it sets none), read from its static message.
fn budget(tx: &VersionedTransaction) -> (u64, u64) {
    let message = &tx.message;
    let keys = message.static_account_keys();
    let compute_budget =
        svm::types::Pubkey::from_str_const("ComputeBudget111111111111111111111111111111");
    let mut limit = None;
    let mut price = 0u64;
    let mut others = 0u64;
    for ix in message.instructions() {
        let program = keys.get(usize::from(ix.program_id_index));
        if program == Some(&compute_budget) {
            match ix.data.split_first() {
                Some((2, rest)) if rest.len() >= 4 => {
                    limit = Some(u64::from(u32::from_le_bytes(
                        rest[..4].try_into().unwrap_or_default(),
                    )));
                }
                Some((3, rest)) if rest.len() >= 8 => {
                    price = u64::from_le_bytes(rest[..8].try_into().unwrap_or_default());
                }
                _ => {}
            }
        } else {
            others += 1;
        }
    }
    let limit = limit.unwrap_or(others * DEFAULT_UNITS_PER_INSTRUCTION).min(MAX_UNITS);
    (limit, price)
}

impl EngineTx for SvmTx {
    const KIND: EngineKind = EngineKind::Svm;

    fn hash(&self) -> B256 {
        self.hash
    }

    fn payload(&self) -> &Bytes {
        &self.encoded
    }

    fn verified(&self) -> Vec<u8> {
        Vec::new()
    }

    fn decode_verified(payload: &[u8], _verified: &[u8]) -> Result<Self, TxError> {
        Self::decode_with(payload, |tx| {
            svm::sanitize_unverified(tx).map_err(|e| TxError::Malformed(e.to_string()))
        })
    }

    fn payer(&self) -> AccountId {
        AccountId::from(self.payer_key().to_bytes())
    }

    fn replay_guard(&self) -> ReplayGuard {
        let hash = self.sanitized.message().recent_blockhash().to_bytes();
        ReplayGuard::RecentBlock { hash: B256::from(hash), max_age: RECENT_BLOCKS }
    }

    fn resource_limit(&self) -> u64 {
        self.compute_units
    }

    /// Its compute-unit price in wei per unit (1 micro-lamport = 1,000 wei).
    fn priority(&self, _base_fee: u64) -> Option<u128> {
        Some(u128::from(self.micro_lamports_per_unit) * 1_000)
    }

    fn max_cost(&self) -> U256 {
        native_token::wei(self.fee_lamports())
    }

    fn may_replace(&self, _old: &Self, _bump_percent: u64) -> bool {
        false
    }
}
