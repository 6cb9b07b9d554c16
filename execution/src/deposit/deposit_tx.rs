//! `DepositTx`: one L1 deposit as an L2 transaction — the portal's event, field for field, with
//! where on the L1 it was emitted — and its wire format (RLP of the fields, in the order below).

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_rlp::{Decodable, Encodable, RlpDecodable, RlpEncodable};

use crate::{AccountId, EngineKind, EngineTx, ReplayGuard, TxError, deposit::DEPOSIT_COUNTER};

/// Most gas a deposit's L2 call may have: the portal's `MAX_DEPOSIT_GAS`, the number the
/// node's config check holds blocks to (one constant, which the portal's tests compare with
/// the contract).
pub const MAX_DEPOSIT_GAS: u64 = node_config::PORTAL_MAX_DEPOSIT_GAS;
/// Most calldata a deposit may carry (the portal's `MAX_DEPOSIT_DATA`).
pub const MAX_DEPOSIT_DATA: usize = 120_000;

/// Who receives a deposit on L2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DepositRecipient {
    /// An EVM address, called by the sender with the value.
    Evm(Address),
    /// A Solana account, credited the value.
    Svm([u8; 32]),
}

/// The wire form: the VM tag 0 (EVM, `to` left-padded) or 1 (SVM).
#[derive(RlpEncodable, RlpDecodable)]
struct WireDeposit {
    nonce: u64,
    from: Address,
    vm: u8,
    to: B256,
    value: U256,
    gas_limit: u64,
    data: Bytes,
    l1_block: u64,
    l1_block_hash: B256,
    log_index: u64,
}

/// A deposit transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepositTx {
    /// The portal's nonce: deposits apply in this order, each once.
    pub nonce: u64,
    /// The L2 sender (an L1 contract's address aliased by the portal).
    pub from: Address,
    /// The recipient.
    pub to: DepositRecipient,
    /// Wei minted.
    pub value: U256,
    /// Gas of the L2 call (EVM recipients).
    pub gas_limit: u64,
    /// Calldata of the L2 call (EVM recipients).
    pub data: Bytes,
    /// The L1 block whose log it is.
    pub l1_block: u64,
    /// That block's hash.
    pub l1_block_hash: B256,
    /// The log's index in that block.
    pub log_index: u64,
    payload: Bytes,
    hash: B256,
}

impl DepositTx {
    /// The deposit with these fields.
    #[allow(clippy::too_many_arguments, reason = "the portal event's fields, one for one")]
    pub fn new(
        nonce: u64,
        from: Address,
        to: DepositRecipient,
        value: U256,
        gas_limit: u64,
        data: Bytes,
        l1_block: u64,
        l1_block_hash: B256,
        log_index: u64,
    ) -> Self {
        let (vm, to_word) = match to {
            DepositRecipient::Evm(address) => (0, address.into_word()),
            DepositRecipient::Svm(pubkey) => (1, B256::from(pubkey)),
        };
        let wire = WireDeposit {
            nonce,
            from,
            vm,
            to: to_word,
            value,
            gas_limit,
            data: data.clone(),
            l1_block,
            l1_block_hash,
            log_index,
        };
        let mut out = Vec::with_capacity(wire.length());
        wire.encode(&mut out);
        let mut tagged = Vec::with_capacity(out.len() + 1);
        tagged.push(EngineKind::Deposit.tag());
        tagged.extend_from_slice(&out);
        Self {
            nonce,
            from,
            to,
            value,
            gas_limit,
            data,
            l1_block,
            l1_block_hash,
            log_index,
            payload: Bytes::from(out),
            hash: keccak256(&tagged),
        }
    }

    /// Decodes exactly one deposit in canonical form, within the portal's limits.
    pub fn decode(payload: &[u8]) -> Result<Self, TxError> {
        let bad = |why: String| TxError::Malformed(format!("deposit transaction: {why}"));
        let mut buf = payload;
        let wire = WireDeposit::decode(&mut buf).map_err(|e| bad(e.to_string()))?;
        if !buf.is_empty() {
            return Err(bad("trailing bytes".into()));
        }
        let to = match wire.vm {
            0 if wire.to[..12] == [0; 12] => DepositRecipient::Evm(Address::from_word(wire.to)),
            0 => return Err(bad("an EVM recipient with high bytes set".into())),
            1 => DepositRecipient::Svm(wire.to.0),
            vm => return Err(bad(format!("unknown VM tag {vm}"))),
        };
        if wire.gas_limit > MAX_DEPOSIT_GAS {
            return Err(bad(format!("gas limit above {MAX_DEPOSIT_GAS}")));
        }
        if wire.data.len() > MAX_DEPOSIT_DATA {
            return Err(bad(format!("data above {MAX_DEPOSIT_DATA} bytes")));
        }
        let tx = Self::new(
            wire.nonce,
            wire.from,
            to,
            wire.value,
            wire.gas_limit,
            wire.data,
            wire.l1_block,
            wire.l1_block_hash,
            wire.log_index,
        );
        if tx.payload.as_ref() != payload {
            return Err(bad("not in canonical form".into()));
        }
        Ok(tx)
    }

    /// Whether it carries the same deposit as `other`, field for field.
    pub fn same_deposit(&self, other: &DepositTx) -> bool {
        self.payload == other.payload
    }
}

impl EngineTx for DepositTx {
    const KIND: EngineKind = EngineKind::Deposit;

    fn hash(&self) -> B256 {
        self.hash
    }
    fn payload(&self) -> &Bytes {
        &self.payload
    }
    fn verified(&self) -> Vec<u8> {
        Vec::new()
    }
    fn decode_verified(payload: &[u8], _verified: &[u8]) -> Result<Self, TxError> {
        Self::decode(payload)
    }
    fn payer(&self) -> AccountId {
        AccountId::from(DEPOSIT_COUNTER)
    }
    fn replay_guard(&self) -> ReplayGuard {
        ReplayGuard::Nonce(self.nonce)
    }
    fn resource_limit(&self) -> u64 {
        match self.to {
            DepositRecipient::Evm(_) => self.gas_limit,
            DepositRecipient::Svm(_) => 0,
        }
    }
    fn priority(&self, _base_fee: u64) -> Option<u128> {
        Some(u128::MAX)
    }
    fn max_cost(&self) -> U256 {
        U256::ZERO
    }
    fn may_replace(&self, _old: &Self, _bump_percent: u64) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(to: DepositRecipient) -> DepositTx {
        DepositTx::new(
            7,
            Address::repeat_byte(1),
            to,
            U256::from(10u64.pow(18)),
            100_000,
            Bytes::from_static(&[1, 2, 3]),
            42,
            B256::repeat_byte(9),
            3,
        )
    }

    #[test]
    fn round_trips_and_refuses_what_the_portal_cannot_emit() {
        for to in [DepositRecipient::Evm(Address::repeat_byte(2)), DepositRecipient::Svm([5; 32])] {
            let tx = sample(to);
            assert_eq!(DepositTx::decode(tx.payload()).unwrap(), tx);
        }
        let tx = sample(DepositRecipient::Evm(Address::repeat_byte(2)));
        let mut trailing = tx.payload().to_vec();
        trailing.push(0);
        assert!(DepositTx::decode(&trailing).is_err());
        let mut big_gas = tx.clone();
        big_gas.gas_limit = MAX_DEPOSIT_GAS + 1;
        let big = DepositTx::new(
            1,
            big_gas.from,
            big_gas.to,
            big_gas.value,
            big_gas.gas_limit,
            Bytes::new(),
            1,
            B256::ZERO,
            0,
        );
        assert!(DepositTx::decode(big.payload()).is_err(), "gas above the portal's maximum");
        assert_ne!(sample(DepositRecipient::Svm([5; 32])).hash(), tx.hash());
        assert!(DepositTx::decode(&[]).is_err());
    }
}
