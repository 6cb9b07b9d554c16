//! [`Submitter`]: posts one blob as the calldata of an EIP-1559 transaction from the batcher's
//! account to the batch inbox, and waits until a block includes it.
//!
//! - **Nonce**: the submitter keeps the account's next nonce itself (read from the node's
//!   `pending` count on first use), and serializes submissions with a mutex, so two frames
//!   never race for one nonce. It reads the nonce again after a nonce error and after any
//!   failed submission (the node may or may not hold what was sent).
//! - **Fees**: twice the latest base fee plus the node's suggested tip, capped by
//!   `max_fee_per_gas_gwei` ([`super::fees`]).
//! - **Inclusion**: every `poll_interval_ms` the receipts of the hashes sent so far are
//!   asked for; whichever is in a block wins.
//! - **Fee bump**: if nothing is included `fee_bump_after_ms` after the last send, the same
//!   nonce is sent again with both fees raised by `fee_bump_percent` (a replacement the
//!   node's pool accepts). At the cap, the last transaction is broadcast again instead (a node
//!   that restarted may have forgotten it).
//!
//! A submission dropped half-way (its future cancelled) leaves the state consistent: the
//! nonce advances as soon as the node accepts the first transaction.

use std::time::{Duration, Instant};

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope},
    eips::{BlockNumberOrTag, eip2718::Encodable2718},
    network::TxSignerSync,
    primitives::{Address, B256, Bytes, TxKind, U256},
    providers::{DynProvider, Provider},
    signers::local::PrivateKeySigner,
};
use tokio::sync::Mutex;

use super::{
    connection::{L1Rpc, call, misconfigured, rejection, try_call, unavailable},
    fees::{self, Fees},
    wire::{BlockHeader, ReceiptLocation},
};
use crate::DaError;

/// How many times one submission starts over with a freshly read nonce before giving up.
const MAX_NONCE_ATTEMPTS: usize = 3;

/// When and how the submitter polls and raises fees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct SubmitSettings {
    /// Pause between receipt polls.
    pub(super) poll_interval: Duration,
    /// Wait for inclusion before re-sending with higher fees.
    pub(super) fee_bump_after: Duration,
    /// Percent by which each re-send raises both fees.
    pub(super) fee_bump_percent: u64,
    /// Highest `maxFeePerGas`, in wei.
    pub(super) max_fee_cap: u128,
}

/// Where a batch transaction was included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Inclusion {
    /// L1 block number.
    pub(super) height: u64,
    /// Hash of the transaction that made it (the first one, or a fee-bumped replacement).
    pub(super) hash: B256,
}

/// Sends batch transactions from the batcher's account.
pub(super) struct Submitter {
    signer: PrivateKeySigner,
    inbox: Address,
    settings: SubmitSettings,
    /// The account's next nonce; `None` until read from the node (again).
    next_nonce: Mutex<Option<u64>>,
}

impl std::fmt::Debug for Submitter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Submitter")
            .field("batcher", &self.signer.address())
            .field("inbox", &self.inbox)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// A signed batch transaction, ready to send.
struct SignedBatchTx {
    hash: B256,
    raw: Vec<u8>,
    fees: Fees,
}

/// What the node said to `eth_sendRawTransaction`.
#[derive(Debug, PartialEq, Eq)]
enum Sent {
    /// Accepted (or already known: the same transaction is in its pool).
    Accepted,
    /// The nonce is not the account's next one (used already, or ahead of the node).
    NonceMismatch(String),
    /// A transaction with this nonce is pooled and the new one does not pay enough more.
    Underpriced(String),
}

/// Sorts a JSON-RPC rejection of `eth_sendRawTransaction` by its message (geth's, Hardhat's
/// and Manifold's texts); `None` for any other rejection.
fn classify_rejection(message: &str) -> Option<Sent> {
    let lower = message.to_ascii_lowercase();
    if lower.contains("already known") || lower.contains("known transaction") {
        Some(Sent::Accepted)
    } else if lower.contains("nonce too low") || lower.contains("nonce too high") {
        Some(Sent::NonceMismatch(message.to_owned()))
    } else if lower.contains("underpriced") || lower.contains("replacement fee too low") {
        Some(Sent::Underpriced(message.to_owned()))
    } else {
        None
    }
}

impl Submitter {
    /// A submitter signing with `signer`, sending to `inbox`.
    pub(super) fn new(signer: PrivateKeySigner, inbox: Address, settings: SubmitSettings) -> Self {
        Self { signer, inbox, settings, next_nonce: Mutex::new(None) }
    }

    /// The batcher's address.
    pub(super) fn address(&self) -> Address {
        self.signer.address()
    }

    /// Posts `blob` and returns once a block includes it. Submissions run one at a time.
    pub(super) async fn submit(&self, rpc: &L1Rpc, blob: &Bytes) -> Result<Inclusion, DaError> {
        let mut next_nonce = self.next_nonce.lock().await;
        let chain_id = rpc.chain_id().await?;
        let provider = rpc.checked().await?;
        let outcome = self.post(provider, chain_id, &mut next_nonce, blob).await;
        if outcome.is_err() {
            // What the node holds is unknown now: read the nonce again next time.
            *next_nonce = None;
        }
        outcome
    }

    async fn post(
        &self,
        provider: &DynProvider,
        chain_id: u64,
        next_nonce: &mut Option<u64>,
        blob: &Bytes,
    ) -> Result<Inclusion, DaError> {
        let gas_limit = fees::gas_limit(blob);
        let SubmitSettings { poll_interval, fee_bump_after, fee_bump_percent, max_fee_cap } =
            self.settings;
        'attempts: for _ in 0..MAX_NONCE_ATTEMPTS {
            let nonce = match *next_nonce {
                Some(nonce) => nonce,
                None => self.pending_nonce(provider).await?,
            };
            let first =
                self.sign(chain_id, nonce, gas_limit, self.market_fees(provider).await?, blob)?;
            match self.send(provider, &first).await? {
                Sent::Accepted => {}
                Sent::NonceMismatch(reason) | Sent::Underpriced(reason) => {
                    tracing::warn!(nonce, %reason, "batch transaction refused; reading the nonce again");
                    *next_nonce = None;
                    continue 'attempts;
                }
            }
            *next_nonce = Some(nonce + 1);
            tracing::debug!(
                hash = %first.hash, nonce, gas_limit, size = blob.len(),
                max_fee = first.fees.max_fee, tip = first.fees.tip, "batch transaction sent"
            );
            let mut sent = vec![first.hash];
            let mut fees = first.fees;
            let mut last = first;
            let mut last_sent_at = Instant::now();
            loop {
                if let Some(inclusion) = self.find_included(provider, &sent).await? {
                    return Ok(inclusion);
                }
                if last_sent_at.elapsed() >= fee_bump_after {
                    last_sent_at = Instant::now();
                    let market = self.market_fees(provider).await?;
                    let outcome = match fees.bumped(fee_bump_percent, market, max_fee_cap) {
                        Some(bumped) => {
                            fees = bumped;
                            let replacement =
                                self.sign(chain_id, nonce, gas_limit, bumped, blob)?;
                            let outcome = self.send(provider, &replacement).await?;
                            if outcome == Sent::Accepted {
                                tracing::info!(
                                    nonce, replaced = %last.hash, hash = %replacement.hash,
                                    max_fee = bumped.max_fee, tip = bumped.tip,
                                    "batch transaction not included yet; re-sent with higher fees"
                                );
                                sent.push(replacement.hash);
                                last = replacement;
                            }
                            outcome
                        }
                        None => {
                            tracing::warn!(
                                nonce, hash = %last.hash, max_fee = last.fees.max_fee, cap = max_fee_cap,
                                "batch transaction not included and its fee is at the cap \
                                 (da.ethereum.max_fee_per_gas_gwei); broadcasting it again"
                            );
                            self.send(provider, &last).await?
                        }
                    };
                    match outcome {
                        Sent::Accepted => {}
                        Sent::Underpriced(reason) => {
                            // The next raise starts from the refused fees, so it goes higher.
                            tracing::warn!(nonce, %reason, "fee-bumped batch transaction refused");
                        }
                        Sent::NonceMismatch(reason) => {
                            // The nonce is used: by one of ours (found below), or by another
                            // transaction of the batcher's account (start over).
                            if let Some(inclusion) = self.find_included(provider, &sent).await? {
                                return Ok(inclusion);
                            }
                            tracing::warn!(nonce, %reason, "batch nonce used by another transaction; starting over");
                            *next_nonce = None;
                            continue 'attempts;
                        }
                    }
                }
                tokio::time::sleep(poll_interval).await;
            }
        }
        Err(unavailable(
            "submitting a batch transaction",
            format!(
                "the nonce of the batcher account {} was taken by other transactions \
                 {MAX_NONCE_ATTEMPTS} times in a row (is another process using its key?)",
                self.address()
            ),
        ))
    }

    /// The account's next nonce, counting transactions in the node's pool.
    async fn pending_nonce(&self, provider: &DynProvider) -> Result<u64, DaError> {
        call("eth_getTransactionCount", provider.get_transaction_count(self.address()).pending())
            .await
    }

    /// Fees for the next block: from the latest base fee and the node's suggested tip.
    async fn market_fees(&self, provider: &DynProvider) -> Result<Fees, DaError> {
        let latest: Option<BlockHeader> = call(
            "eth_getBlockByNumber",
            provider.raw_request("eth_getBlockByNumber".into(), (BlockNumberOrTag::Latest, false)),
        )
        .await?;
        let latest = latest
            .ok_or_else(|| unavailable("eth_getBlockByNumber", "the node has no latest block"))?;
        let base_fee = latest.base_fee_per_gas.map(|f| f.to::<u128>()).ok_or_else(|| {
            misconfigured(format!(
                "the L1's block {} has no base fee: the ethereum backend needs an L1 with \
                 EIP-1559 (London or later)",
                latest.number
            ))
        })?;
        let tip =
            match try_call("eth_maxPriorityFeePerGas", provider.get_max_priority_fee_per_gas())
                .await?
            {
                Ok(tip) => tip,
                // A node without the method: offer the usual one gwei.
                Err(e) if rejection(&e).is_some() => fees::FALLBACK_TIP_WEI,
                Err(e) => return Err(unavailable("eth_maxPriorityFeePerGas", e)),
            };
        Ok(Fees::for_market(base_fee, tip, self.settings.max_fee_cap))
    }

    fn sign(
        &self,
        chain_id: u64,
        nonce: u64,
        gas_limit: u64,
        fees: Fees,
        blob: &Bytes,
    ) -> Result<SignedBatchTx, DaError> {
        let mut tx = TxEip1559 {
            chain_id,
            nonce,
            gas_limit,
            max_fee_per_gas: fees.max_fee,
            max_priority_fee_per_gas: fees.tip,
            to: TxKind::Call(self.inbox),
            value: U256::ZERO,
            access_list: Default::default(),
            input: blob.clone(),
        };
        let signature = self
            .signer
            .sign_transaction_sync(&mut tx)
            .map_err(|e| misconfigured(format!("cannot sign with da.ethereum.batcher_key: {e}")))?;
        let signed = tx.into_signed(signature);
        let hash = *signed.hash();
        let raw = TxEnvelope::from(signed).encoded_2718();
        Ok(SignedBatchTx { hash, raw, fees })
    }

    /// Sends `tx`; a refusal the submitter handles is a [`Sent`] value, anything else an
    /// error ([`DaError::Unavailable`]: e.g. too little balance, which the operator fixes
    /// while the batcher retries).
    async fn send(&self, provider: &DynProvider, tx: &SignedBatchTx) -> Result<Sent, DaError> {
        const METHOD: &str = "eth_sendRawTransaction";
        match try_call(METHOD, provider.send_raw_transaction(&tx.raw)).await? {
            Ok(_) => Ok(Sent::Accepted),
            Err(e) => match rejection(&e).as_deref().and_then(classify_rejection) {
                Some(sent) => Ok(sent),
                None => Err(unavailable(METHOD, e)),
            },
        }
    }

    /// The first of `sent` (newest first) that a block includes.
    async fn find_included(
        &self,
        provider: &DynProvider,
        sent: &[B256],
    ) -> Result<Option<Inclusion>, DaError> {
        for hash in sent.iter().rev() {
            let receipt: Option<ReceiptLocation> = call(
                "eth_getTransactionReceipt",
                provider.raw_request("eth_getTransactionReceipt".into(), (hash,)),
            )
            .await?;
            if let Some(height) = receipt.and_then(|r| r.height()) {
                return Ok(Some(Inclusion { height, hash: *hash }));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use alloy::{
        consensus::{Transaction as _, transaction::SignerRecoverable as _},
        eips::eip2718::Decodable2718,
        primitives::address,
    };

    use super::*;

    const KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

    fn submitter() -> Submitter {
        Submitter::new(
            KEY.parse().unwrap(),
            address!("0xff00000000000000000000000000000000000901"),
            SubmitSettings {
                poll_interval: Duration::from_millis(10),
                fee_bump_after: Duration::from_millis(100),
                fee_bump_percent: 15,
                max_fee_cap: 1000 * fees::GWEI,
            },
        )
    }

    #[test]
    fn rejections_are_sorted_by_geth_hardhat_and_manifold_texts() {
        assert_eq!(classify_rejection("already known"), Some(Sent::Accepted));
        assert_eq!(classify_rejection("Known transaction: 0xabc"), Some(Sent::Accepted));
        for nonce in [
            "nonce too low",
            "nonce too low: next nonce 5, tx nonce 3",
            "Nonce too low. Expected nonce to be 5 but got 3.",
            "Nonce too high. Expected nonce to be 1 but got 4. Note that transactions can't be queued when automining.",
        ] {
            assert!(matches!(classify_rejection(nonce), Some(Sent::NonceMismatch(_))), "{nonce}");
        }
        for under in [
            "replacement transaction underpriced",
            "Replacement transaction underpriced. A gasPrice/maxFeePerGas of at least 1150 is necessary",
        ] {
            assert!(matches!(classify_rejection(under), Some(Sent::Underpriced(_))), "{under}");
        }
        assert_eq!(classify_rejection("insufficient funds for gas * price + value"), None);
    }

    #[test]
    fn signs_an_eip1559_call_to_the_inbox_carrying_the_blob() {
        let s = submitter();
        let blob = Bytes::from_static(b"\x01frame bytes\x00");
        let fees = Fees { max_fee: 30 * fees::GWEI, tip: 2 * fees::GWEI };
        let signed = s.sign(900, 7, 50_000, fees, &blob).unwrap();
        let envelope = TxEnvelope::decode_2718(&mut signed.raw.as_slice()).unwrap();
        assert_eq!(*envelope.tx_hash(), signed.hash);
        assert!(envelope.is_eip1559());
        assert_eq!(envelope.chain_id(), Some(900));
        assert_eq!(envelope.nonce(), 7);
        assert_eq!(envelope.gas_limit(), 50_000);
        assert_eq!(envelope.max_fee_per_gas(), 30 * fees::GWEI);
        assert_eq!(envelope.max_priority_fee_per_gas(), Some(2 * fees::GWEI));
        assert_eq!(envelope.to(), Some(address!("0xff00000000000000000000000000000000000901")));
        assert_eq!(envelope.input(), &blob);
        assert_eq!(envelope.recover_signer().unwrap(), s.address());
        // A replacement (same nonce, other fees) is another transaction.
        let bumped =
            s.sign(900, 7, 50_000, fees.bumped(15, fees, u128::MAX).unwrap(), &blob).unwrap();
        assert_ne!(bumped.hash, signed.hash);
    }
}
