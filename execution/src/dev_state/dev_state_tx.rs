//! `DevStateTx`: one dev-state transaction — the account writes it applies, in order — its
//! wire format (RLP of `[recent block, salt, [op, …]]`), and its receipt.

use alloy_primitives::{Address, B256, Bytes, U256, address, keccak256};
use alloy_rlp::{Decodable, Encodable, RlpDecodable, RlpEncodable};

use crate::{AccountId, EngineKind, EngineTx, ReplayGuard, TxError};

/// The payer every dev-state transaction names (it pays nothing): an address no key controls.
pub const DEV_STATE_AUTHORITY: Address = address!("0x00000000000000000000000000000000000de5e7");
/// How many blocks old the block a dev-state transaction names may be.
pub const DEV_STATE_MAX_AGE: u64 = 150;
/// Most writes in one dev-state transaction.
pub const DEV_STATE_MAX_OPS: usize = 64;

/// One account write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DevStateOp {
    /// Sets the account's balance, in wei.
    Balance(Address, U256),
    /// Sets the account's nonce.
    Nonce(Address, u64),
    /// Sets the account's code (empty: none).
    Code(Address, Bytes),
    /// Sets one storage slot.
    Storage(Address, U256, U256),
}

impl DevStateOp {
    /// The account it writes.
    pub fn address(&self) -> Address {
        match self {
            Self::Balance(a, _) | Self::Nonce(a, _) | Self::Code(a, _) | Self::Storage(a, ..) => *a,
        }
    }
}

/// The wire form of an op: `[tag, address, key, value, code]`.
#[derive(RlpEncodable, RlpDecodable)]
struct WireOp {
    tag: u8,
    address: Address,
    key: U256,
    value: U256,
    code: Bytes,
}

/// The wire form of a transaction.
#[derive(RlpEncodable, RlpDecodable)]
struct WireTx {
    recent_block: B256,
    salt: u64,
    ops: Vec<WireOp>,
}

/// A dev-state transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevStateTx {
    /// The recent block it names (its replay guard).
    pub recent_block: B256,
    /// Makes it unique.
    pub salt: u64,
    /// The writes, applied in order.
    pub ops: Vec<DevStateOp>,
    payload: Bytes,
    hash: B256,
}

impl DevStateTx {
    /// A transaction applying `ops`, naming `recent_block`, made unique by `salt`.
    pub fn new(recent_block: B256, salt: u64, ops: Vec<DevStateOp>) -> Self {
        let wire = WireTx {
            recent_block,
            salt,
            ops: ops
                .iter()
                .map(|op| {
                    let (tag, key, value, code) = match op {
                        DevStateOp::Balance(_, v) => (0, U256::ZERO, *v, Bytes::new()),
                        DevStateOp::Nonce(_, n) => (1, U256::ZERO, U256::from(*n), Bytes::new()),
                        DevStateOp::Code(_, c) => (2, U256::ZERO, U256::ZERO, c.clone()),
                        DevStateOp::Storage(_, k, v) => (3, *k, *v, Bytes::new()),
                    };
                    WireOp { tag, address: op.address(), key, value, code }
                })
                .collect(),
        };
        let mut out = Vec::with_capacity(wire.length());
        wire.encode(&mut out);
        let payload = Bytes::from(out);
        Self { recent_block, salt, ops, hash: keccak256(&payload), payload }
    }

    /// Decodes exactly one transaction.
    pub fn decode(payload: &[u8]) -> Result<Self, TxError> {
        let bad = |why: String| TxError::Malformed(format!("dev-state transaction: {why}"));
        let mut buf = payload;
        let wire = WireTx::decode(&mut buf).map_err(|e| bad(e.to_string()))?;
        if !buf.is_empty() {
            return Err(bad("trailing bytes".into()));
        }
        if wire.ops.is_empty() || wire.ops.len() > DEV_STATE_MAX_OPS {
            return Err(bad(format!("1 to {DEV_STATE_MAX_OPS} writes")));
        }
        let ops = wire
            .ops
            .into_iter()
            .map(|op| match op.tag {
                0 => Ok(DevStateOp::Balance(op.address, op.value)),
                1 => u64::try_from(op.value)
                    .map(|n| DevStateOp::Nonce(op.address, n))
                    .map_err(|_| bad("nonce above 2^64 - 1".into())),
                2 => Ok(DevStateOp::Code(op.address, op.code)),
                3 => Ok(DevStateOp::Storage(op.address, op.key, op.value)),
                tag => Err(bad(format!("unknown write {tag}"))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let tx = Self::new(wire.recent_block, wire.salt, ops);
        if tx.payload.as_ref() != payload {
            return Err(bad("not in canonical form".into()));
        }
        Ok(tx)
    }
}

impl EngineTx for DevStateTx {
    const KIND: EngineKind = EngineKind::DevState;

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
        AccountId::from(DEV_STATE_AUTHORITY)
    }
    fn replay_guard(&self) -> ReplayGuard {
        ReplayGuard::RecentBlock { hash: self.recent_block, max_age: DEV_STATE_MAX_AGE }
    }
    fn resource_limit(&self) -> u64 {
        self.ops.len() as u64
    }
    fn priority(&self, _base_fee: u64) -> Option<u128> {
        // First in its block: what the caller set is in place before anything else runs.
        Some(u128::MAX)
    }
    fn max_cost(&self) -> U256 {
        U256::ZERO
    }
    fn may_replace(&self, _old: &Self, _bump_percent: u64) -> bool {
        false
    }
}

/// A dev-state transaction's receipt: how many writes it applied (always all of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DevStateReceipt {
    /// Writes applied.
    pub writes: u64,
}

impl DevStateReceipt {
    /// Its stored encoding: the count, 8 bytes big-endian.
    pub fn encode(&self) -> Vec<u8> {
        self.writes.to_be_bytes().to_vec()
    }

    /// Decodes [`encode`](Self::encode)'s bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, TxError> {
        let bytes: [u8; 8] = bytes
            .try_into()
            .map_err(|_| TxError::Malformed("dev-state receipt: 8 bytes expected".into()))?;
        Ok(Self { writes: u64::from_be_bytes(bytes) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_what_it_did_not_write() {
        let ops = vec![
            DevStateOp::Balance(Address::repeat_byte(1), U256::from(5)),
            DevStateOp::Nonce(Address::repeat_byte(2), 7),
            DevStateOp::Code(Address::repeat_byte(3), Bytes::from_static(&[0x60, 0x00])),
            DevStateOp::Storage(Address::repeat_byte(4), U256::from(1), U256::from(9)),
        ];
        let tx = DevStateTx::new(B256::repeat_byte(9), 42, ops.clone());
        let back = DevStateTx::decode(tx.payload()).unwrap();
        assert_eq!(back, tx);
        assert_eq!(back.ops, ops);
        assert_ne!(DevStateTx::new(B256::repeat_byte(9), 43, ops).hash(), tx.hash());
        let mut trailing = tx.payload().to_vec();
        trailing.push(0);
        assert!(DevStateTx::decode(&trailing).is_err());
        assert!(DevStateTx::decode(DevStateTx::new(B256::ZERO, 1, vec![]).payload()).is_err());
        let receipt = DevStateReceipt { writes: 4 };
        assert_eq!(DevStateReceipt::decode(&receipt.encode()).unwrap(), receipt);
    }
}
