//! `KvTx`: the key-value test engine's transaction and its wire format:
//!
//! | bytes | field |
//! |---|---|
//! | 1 | version, `0x01` |
//! | 32 | signer: an ed25519 public key, the payer's account id |
//! | 32 | recent block hash (the replay guard) |
//! | 8 | priority: wei per unit, u64 BE, at least 1 |
//! | 1 | operation count, 1..=16 |
//! | … | operations: `0x01 ‖ key (32) ‖ len (u16 BE) ‖ value` (Put, value ≤ 1024 bytes) or `0x02 ‖ to (32) ‖ lamports (u64 BE)` (Transfer) |
//! | 64 | ed25519 signature of every byte before it |

use alloy_primitives::{B256, Bytes, U256, keccak256};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use crate::{AccountId, EngineKind, EngineTx, ReplayGuard, TxError, state::native_token};

/// The program that owns every key-value account.
pub const KV_PROGRAM: AccountId = AccountId::new([0xf0; 32]);
/// Resource units each operation costs.
pub const UNITS_PER_OP: u64 = 1_000;
/// How many blocks old a transaction's recent block may be (Solana's 150).
pub const KV_MAX_AGE: u64 = 150;
/// Most operations in one transaction.
pub(crate) const MAX_OPS: usize = 16;
/// Largest value of a `Put`.
pub(crate) const MAX_VALUE: usize = 1024;

const VERSION: u8 = 1;
const HEADER: usize = 1 + 32 + 32 + 8 + 1;
const SIGNATURE: usize = 64;

/// One operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KvOp {
    /// Writes `value` under `key` in the signer's key-value account for `key`.
    Put {
        /// The key.
        key: B256,
        /// The value (at most 1024 bytes).
        value: Bytes,
    },
    /// Moves `lamports` from the payer to `to`.
    Transfer {
        /// The recipient.
        to: AccountId,
        /// How many lamports (1 lamport = 1 gwei).
        lamports: u64,
    },
}

/// A key-value transaction, its signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvTx {
    payload: Bytes,
    hash: B256,
    /// The signer and payer.
    pub signer: AccountId,
    /// The recent block it names.
    pub recent_block: B256,
    /// Wei it pays per unit.
    pub priority: u64,
    /// Its operations, in order.
    pub ops: Vec<KvOp>,
}

/// The account id of the ed25519 key `key`: its public key.
pub fn signer_id(key: &SigningKey) -> AccountId {
    AccountId::new(key.verifying_key().to_bytes())
}

/// The key-value account of `signer` for `key`.
pub fn kv_account(signer: AccountId, key: B256) -> AccountId {
    let mut preimage = Vec::with_capacity(11 + 64);
    preimage.extend_from_slice(b"manifold-kv");
    preimage.extend_from_slice(signer.as_bytes());
    preimage.extend_from_slice(key.as_slice());
    AccountId(keccak256(preimage))
}

fn malformed(reason: &str) -> TxError {
    TxError::Malformed(format!("kv transaction: {reason}"))
}

impl KvTx {
    /// Signs a transaction with `key`.
    pub fn sign(key: &SigningKey, recent_block: B256, priority: u64, ops: Vec<KvOp>) -> Self {
        let mut body = vec![VERSION];
        body.extend_from_slice(signer_id(key).as_bytes());
        body.extend_from_slice(recent_block.as_slice());
        body.extend_from_slice(&priority.to_be_bytes());
        body.push(ops.len() as u8);
        for op in &ops {
            match op {
                KvOp::Put { key, value } => {
                    body.push(1);
                    body.extend_from_slice(key.as_slice());
                    body.extend_from_slice(&(value.len() as u16).to_be_bytes());
                    body.extend_from_slice(value);
                }
                KvOp::Transfer { to, lamports } => {
                    body.push(2);
                    body.extend_from_slice(to.as_bytes());
                    body.extend_from_slice(&lamports.to_be_bytes());
                }
            }
        }
        let signature = key.sign(&body);
        body.extend_from_slice(&signature.to_bytes());
        Self::parse(Bytes::from(body)).expect("a transaction just built parses")
    }

    /// Decodes `payload` and verifies its signature.
    pub fn decode(payload: &[u8]) -> Result<Self, TxError> {
        let tx = Self::parse(Bytes::copy_from_slice(payload))?;
        let (body, signature) = payload.split_at(payload.len() - SIGNATURE);
        let key =
            VerifyingKey::from_bytes(tx.signer.as_bytes()).map_err(|_| TxError::InvalidSender)?;
        let signature = Signature::from_slice(signature).map_err(|_| TxError::InvalidSender)?;
        key.verify_strict(body, &signature).map_err(|_| TxError::InvalidSender)?;
        Ok(tx)
    }

    /// Parses the wire format, without checking the signature.
    fn parse(payload: Bytes) -> Result<Self, TxError> {
        if payload.len() < HEADER + SIGNATURE {
            return Err(malformed("too short"));
        }
        if payload[0] != VERSION {
            return Err(malformed(&format!("unknown version {}", payload[0])));
        }
        let signer = AccountId(B256::from_slice(&payload[1..33]));
        let recent_block = B256::from_slice(&payload[33..65]);
        let priority = u64::from_be_bytes(payload[65..73].try_into().expect("8 bytes"));
        let count = usize::from(payload[73]);
        if count == 0 || count > MAX_OPS {
            return Err(malformed(&format!("{count} operations, expected 1 to {MAX_OPS}")));
        }
        let end = payload.len() - SIGNATURE;
        let mut at = HEADER;
        let mut ops = Vec::with_capacity(count);
        let take = |at: &mut usize, n: usize| -> Result<std::ops::Range<usize>, TxError> {
            let range =
                *at..at.checked_add(n).filter(|e| *e <= end).ok_or(malformed("truncated"))?;
            *at = range.end;
            Ok(range)
        };
        for _ in 0..count {
            let tag = payload[take(&mut at, 1)?.start];
            match tag {
                1 => {
                    let key = B256::from_slice(&payload[take(&mut at, 32)?]);
                    let len = u16::from_be_bytes(payload[take(&mut at, 2)?].try_into().expect("2"));
                    let len = usize::from(len);
                    if len > MAX_VALUE {
                        return Err(malformed(&format!(
                            "value of {len} bytes, at most {MAX_VALUE}"
                        )));
                    }
                    let value = payload.slice(take(&mut at, len)?);
                    ops.push(KvOp::Put { key, value });
                }
                2 => {
                    let to = AccountId(B256::from_slice(&payload[take(&mut at, 32)?]));
                    let lamports =
                        u64::from_be_bytes(payload[take(&mut at, 8)?].try_into().expect("8"));
                    ops.push(KvOp::Transfer { to, lamports });
                }
                other => return Err(malformed(&format!("unknown operation {other}"))),
            }
        }
        if at != end {
            return Err(malformed("trailing bytes before the signature"));
        }
        Ok(Self { hash: keccak256(&payload), payload, signer, recent_block, priority, ops })
    }

    /// Resource units it uses.
    pub fn units(&self) -> u64 {
        UNITS_PER_OP * self.ops.len() as u64
    }

    /// Its fee in wei.
    pub fn fee(&self) -> U256 {
        U256::from(self.units()) * U256::from(self.priority)
    }

    /// Wei its transfers move.
    pub fn transferred(&self) -> U256 {
        self.ops
            .iter()
            .map(|op| match op {
                KvOp::Transfer { lamports, .. } => native_token::wei(*lamports),
                KvOp::Put { .. } => U256::ZERO,
            })
            .fold(U256::ZERO, U256::saturating_add)
    }
}

impl EngineTx for KvTx {
    const KIND: EngineKind = EngineKind::Kv;

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
        Self::parse(Bytes::copy_from_slice(payload))
    }

    fn payer(&self) -> AccountId {
        self.signer
    }

    fn replay_guard(&self) -> ReplayGuard {
        ReplayGuard::RecentBlock { hash: self.recent_block, max_age: KV_MAX_AGE }
    }

    fn resource_limit(&self) -> u64 {
        self.units()
    }

    fn priority(&self, _base_fee: u64) -> Option<u128> {
        Some(u128::from(self.priority))
    }

    fn max_cost(&self) -> U256 {
        self.fee().saturating_add(self.transferred())
    }

    /// Never: a transaction is identified by its hash, not replaced.
    fn may_replace(&self, _old: &Self, _bump_percent: u64) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: u8) -> SigningKey {
        SigningKey::from_bytes(&[i; 32])
    }

    fn sample() -> KvTx {
        KvTx::sign(
            &key(1),
            B256::repeat_byte(9),
            3,
            vec![
                KvOp::Put { key: B256::repeat_byte(1), value: Bytes::from_static(b"v") },
                KvOp::Transfer { to: AccountId::new([5; 32]), lamports: 7 },
            ],
        )
    }

    #[test]
    fn signed_transactions_decode_to_themselves() {
        let tx = sample();
        assert_eq!(KvTx::decode(tx.payload()).unwrap(), tx);
        assert_eq!(KvTx::decode_verified(tx.payload(), &[]).unwrap(), tx);
        assert_eq!(tx.payer(), signer_id(&key(1)));
        assert_eq!(tx.units(), 2_000);
        assert_eq!(tx.max_cost(), U256::from(6_000u64) + native_token::wei(7));
    }

    #[test]
    fn tampering_breaks_the_signature_and_garbage_is_refused() {
        let tx = sample();
        let mut bytes = tx.payload().to_vec();
        bytes[70] ^= 1;
        assert_eq!(KvTx::decode(&bytes), Err(TxError::InvalidSender));
        assert!(matches!(KvTx::decode(&bytes[..50]), Err(TxError::Malformed(_))));
        assert!(matches!(KvTx::decode(&[]), Err(TxError::Malformed(_))));
    }

    proptest::proptest! {
        /// Untrusted bytes never panic the decoder; whatever decodes re-encodes to itself.
        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            if let Ok(tx) = KvTx::decode(&data) {
                proptest::prop_assert_eq!(tx.payload().as_ref(), data.as_slice());
            }
        }

        /// A valid transaction with one byte changed is refused or is another valid one.
        #[test]
        fn mutations_never_panic(index in 0usize..300, byte in proptest::num::u8::ANY) {
            let mut data = sample().payload().to_vec();
            let i = index % data.len();
            data[i] = byte;
            let _ = KvTx::decode(&data);
        }
    }
}
