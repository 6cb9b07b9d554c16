//! The chain's Solana history as Solana's RPC serves it: statuses of signatures
//! (`confirmed` once sealed, `finalized` once the block is final), transactions with their
//! status meta (fee, balances, logs, compute units), signatures by address (from the store's
//! index, newest first, with memos as agave formats them) and blocks (their Solana
//! transactions), encoded by agave's own encoders (`solana-transaction-status`).

use execution::{Receipt, StoreReader, Transaction, svm::SvmReceipt, svm::SvmTx};
use solana_commitment_config::CommitmentConfig;
use solana_pubkey::Pubkey;
use solana_rpc_client_types::{
    config::{
        RpcBlockConfig, RpcSignatureStatusConfig, RpcSignaturesForAddressConfig,
        RpcTransactionConfig,
    },
    request::{
        MAX_GET_CONFIRMED_SIGNATURES_FOR_ADDRESS2_LIMIT, MAX_GET_SIGNATURE_STATUSES_QUERY_ITEMS,
    },
    response::{Response, RpcConfirmedTransactionStatusWithSignature},
};
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_status::{
    BlockEncodingOptions, ConfirmedBlock, ConfirmedTransactionWithStatusMeta, EncodeError,
    EncodedConfirmedTransactionWithStatusMeta, TransactionConfirmationStatus, TransactionDetails,
    TransactionStatus, TransactionStatusMeta, TransactionWithStatusMeta, UiConfirmedBlock,
    UiTransactionEncoding, VersionedTransactionWithStatusMeta,
    extract_memos::extract_and_fmt_memos,
};
use solana_transaction_status_client_types::UiTransactionError;

use super::{
    context::respond,
    errors::{block_not_available, unsupported_version},
    methods::base58_hash,
    params::{self, Heads},
};
use crate::rpc::{
    errors::{RpcResult, internal, invalid_params},
    handler::RpcHandler,
};

/// One sealed Solana transaction with what the chain recorded about it.
struct Sealed {
    slot: u64,
    index: u32,
    block_time: i64,
    tx: VersionedTransaction,
    receipt: SvmReceipt,
}

impl Sealed {
    fn with_meta(self) -> VersionedTransactionWithStatusMeta {
        let receipt = self.receipt;
        VersionedTransactionWithStatusMeta {
            transaction: self.tx,
            meta: TransactionStatusMeta {
                status: receipt.error.clone().map_or(Ok(()), Err),
                fee: receipt.fee,
                pre_balances: receipt.pre_balances,
                post_balances: receipt.post_balances,
                inner_instructions: None,
                log_messages: Some(receipt.logs),
                pre_token_balances: None,
                post_token_balances: None,
                rewards: Some(Vec::new()),
                loaded_addresses: Default::default(),
                return_data: None,
                compute_units_consumed: Some(receipt.compute_units),
                cost_units: None,
            },
        }
    }
}

/// The wire transaction of a sealed `tx`.
fn versioned(tx: &SvmTx) -> RpcResult<VersionedTransaction> {
    bincode::deserialize(&tx.encoded).map_err(internal)
}

/// How final a block at `slot` is: confirmations left (`None` once final) and its status.
fn confirmation(slot: u64, heads: &Heads) -> (Option<usize>, TransactionConfirmationStatus) {
    if slot <= heads.finalized {
        (None, TransactionConfirmationStatus::Finalized)
    } else {
        let behind = usize::try_from(heads.sealed - slot).unwrap_or(usize::MAX);
        (Some(behind), TransactionConfirmationStatus::Confirmed)
    }
}

/// The slot a history query at `commitment` may see (`processed` is refused, as agave).
fn history_limit(commitment: Option<CommitmentConfig>, heads: &Heads) -> RpcResult<u64> {
    let commitment = commitment.unwrap_or_default();
    if !commitment.is_at_least_confirmed() {
        return Err(invalid_params("Method does not support commitment below `confirmed`"));
    }
    Ok(heads.slot(Some(commitment)))
}

fn encode_error(e: EncodeError) -> jsonrpsee::types::ErrorObjectOwned {
    match e {
        EncodeError::UnsupportedTransactionVersion(v) => unsupported_version(v),
    }
}

impl RpcHandler {
    /// The sealed Solana transaction with signature `signature`.
    fn sealed(&self, reader: &StoreReader, signature: &Signature) -> RpcResult<Option<Sealed>> {
        let hash = alloy_primitives::keccak256(signature.as_ref());
        let Some((number, index)) = reader.transaction_location(hash).map_err(internal)? else {
            return Ok(None);
        };
        self.sealed_at(reader, number, index)
    }

    /// The Solana transaction at (`number`, `index`), `None` if it is another engine's.
    fn sealed_at(
        &self,
        reader: &StoreReader,
        number: u64,
        index: u32,
    ) -> RpcResult<Option<Sealed>> {
        let Some(block) = reader.block(number).map_err(internal)? else { return Ok(None) };
        let at = index as usize;
        let (Some(Transaction::Svm(tx)), Some(Receipt::Svm(receipt))) =
            (block.transactions.get(at), block.receipts.get(at))
        else {
            return Ok(None);
        };
        Ok(Some(Sealed {
            slot: number,
            index,
            block_time: i64::try_from(block.header.timestamp).unwrap_or(i64::MAX),
            tx: versioned(tx)?,
            receipt: receipt.clone(),
        }))
    }

    /// `getSignatureStatuses`: every sealed transaction is found, with or without
    /// `searchTransactionHistory` (the node keeps its whole history).
    pub(crate) async fn signature_statuses(
        &self,
        signatures: Vec<String>,
        _config: Option<RpcSignatureStatusConfig>,
    ) -> RpcResult<Response<Vec<Option<TransactionStatus>>>> {
        if signatures.len() > MAX_GET_SIGNATURE_STATUSES_QUERY_ITEMS {
            return Err(invalid_params(format!(
                "Too many inputs provided; max {MAX_GET_SIGNATURE_STATUSES_QUERY_ITEMS}"
            )));
        }
        let signatures =
            signatures.iter().map(|s| params::signature(s)).collect::<RpcResult<Vec<_>>>()?;
        self.blocking(move |this| {
            let reader = this.reader()?;
            let heads = this.solana_heads(&reader)?;
            let mut statuses = Vec::with_capacity(signatures.len());
            for signature in &signatures {
                let status = this.sealed(&reader, signature)?.map(|sealed| {
                    let (confirmations, status) = confirmation(sealed.slot, &heads);
                    TransactionStatus {
                        slot: sealed.slot,
                        confirmations,
                        status: sealed.receipt.error.clone().map_or(Ok(()), Err),
                        err: sealed.receipt.error.clone(),
                        confirmation_status: Some(status),
                    }
                });
                statuses.push(status);
            }
            Ok(respond(heads.sealed, statuses))
        })
        .await
    }

    /// `getTransaction` (json when no encoding is given; a v0 transaction needs
    /// `maxSupportedTransactionVersion`).
    pub(crate) async fn transaction(
        &self,
        signature: Signature,
        config: RpcTransactionConfig,
    ) -> RpcResult<Option<EncodedConfirmedTransactionWithStatusMeta>> {
        self.blocking(move |this| {
            let reader = this.reader()?;
            let heads = this.solana_heads(&reader)?;
            let limit = history_limit(config.commitment, &heads)?;
            let Some(sealed) = this.sealed(&reader, &signature)?.filter(|s| s.slot <= limit) else {
                return Ok(None);
            };
            let confirmed = ConfirmedTransactionWithStatusMeta {
                slot: sealed.slot,
                block_time: Some(sealed.block_time),
                index: sealed.index,
                tx_with_meta: TransactionWithStatusMeta::Complete(sealed.with_meta()),
            };
            let encoding = config.encoding.unwrap_or(UiTransactionEncoding::Json);
            confirmed
                .encode(encoding, config.max_supported_transaction_version)
                .map(Some)
                .map_err(encode_error)
        })
        .await
    }

    /// `getSignaturesForAddress`.
    pub(crate) async fn signatures_for_address(
        &self,
        key: Pubkey,
        config: RpcSignaturesForAddressConfig,
    ) -> RpcResult<Vec<RpcConfirmedTransactionStatusWithSignature>> {
        let limit = config.limit.unwrap_or(MAX_GET_CONFIRMED_SIGNATURES_FOR_ADDRESS2_LIMIT);
        if limit == 0 || limit > MAX_GET_CONFIRMED_SIGNATURES_FOR_ADDRESS2_LIMIT {
            return Err(invalid_params(format!(
                "Invalid limit; max {MAX_GET_CONFIRMED_SIGNATURES_FOR_ADDRESS2_LIMIT}"
            )));
        }
        let before = config.before.as_deref().map(params::signature).transpose()?;
        let until = config.until.as_deref().map(params::signature).transpose()?;
        self.blocking(move |this| {
            let reader = this.reader()?;
            let heads = this.solana_heads(&reader)?;
            let visible = history_limit(config.commitment, &heads)?;
            let location = |signature: &Signature| {
                let hash = alloy_primitives::keccak256(signature.as_ref());
                reader.transaction_location(hash).map_err(internal)
            };
            let before = match before {
                Some(signature) => match location(&signature)? {
                    Some(at) => Some(at),
                    None => return Ok(Vec::new()),
                },
                None => None,
            };
            let until = until.map(|s| location(&s)).transpose()?.flatten();
            let mut out = Vec::new();
            let mut cursor = before;
            'scan: while out.len() < limit {
                let batch = reader
                    .account_transactions(&key.to_bytes(), cursor, limit)
                    .map_err(internal)?;
                let Some(last) = batch.last().copied() else { break };
                for (number, index) in batch {
                    if Some((number, index)) == until {
                        break 'scan;
                    }
                    if number > visible {
                        continue;
                    }
                    let Some(sealed) = this.sealed_at(&reader, number, index)? else { continue };
                    let (_, status) = confirmation(number, &heads);
                    let signature = sealed.tx.signatures[0].to_string();
                    let block_time = Some(sealed.block_time);
                    let with_meta = sealed.with_meta();
                    let err = with_meta.meta.status.clone().err().map(UiTransactionError::from);
                    out.push(RpcConfirmedTransactionStatusWithSignature {
                        signature,
                        slot: number,
                        err,
                        memo: extract_and_fmt_memos(&with_meta),
                        block_time,
                        confirmation_status: Some(status),
                        transaction_index: None,
                    });
                    if out.len() == limit {
                        break 'scan;
                    }
                }
                cursor = Some(last);
            }
            Ok(out)
        })
        .await
    }

    /// `getBlock`: the block's Solana transactions (json, full details and rewards by
    /// default, as agave).
    pub(crate) async fn block(
        &self,
        slot: u64,
        config: RpcBlockConfig,
    ) -> RpcResult<Option<UiConfirmedBlock>> {
        self.blocking(move |this| {
            let reader = this.reader()?;
            let heads = this.solana_heads(&reader)?;
            let limit = history_limit(config.commitment, &heads)?;
            if slot > limit {
                return Err(block_not_available(slot));
            }
            let Some(block) = reader.block(slot).map_err(internal)? else {
                return Err(block_not_available(slot));
            };
            let mut transactions = Vec::new();
            for (index, (tx, receipt)) in block.transactions.iter().zip(&block.receipts).enumerate()
            {
                if let (Transaction::Svm(tx), Receipt::Svm(receipt)) = (tx, receipt) {
                    let sealed = Sealed {
                        slot,
                        index: index as u32,
                        block_time: 0,
                        tx: versioned(tx)?,
                        receipt: receipt.clone(),
                    };
                    transactions.push(TransactionWithStatusMeta::Complete(sealed.with_meta()));
                }
            }
            let previous =
                if slot == 0 { alloy_primitives::B256::ZERO } else { block.header.parent_hash };
            let confirmed = ConfirmedBlock {
                previous_blockhash: base58_hash(previous),
                blockhash: base58_hash(block.hash),
                parent_slot: slot.saturating_sub(1),
                transactions,
                rewards: Vec::new(),
                num_partitions: None,
                block_time: Some(i64::try_from(block.header.timestamp).unwrap_or(i64::MAX)),
                block_height: Some(slot),
            };
            let options = BlockEncodingOptions {
                transaction_details: config.transaction_details.unwrap_or(TransactionDetails::Full),
                show_rewards: config.rewards.unwrap_or(true),
                max_supported_transaction_version: config.max_supported_transaction_version,
            };
            confirmed
                .encode_with_options(
                    config.encoding.unwrap_or(UiTransactionEncoding::Json),
                    options,
                )
                .map(Some)
                .map_err(encode_error)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finality_follows_the_heads() {
        let heads = Heads { sealed: 10, finalized: 6 };
        assert_eq!(confirmation(6, &heads), (None, TransactionConfirmationStatus::Finalized));
        assert_eq!(confirmation(8, &heads), (Some(2), TransactionConfirmationStatus::Confirmed));
        assert!(history_limit(Some(CommitmentConfig::processed()), &heads).is_err());
        assert_eq!(history_limit(None, &heads).unwrap(), 6);
        assert_eq!(history_limit(Some(CommitmentConfig::confirmed()), &heads).unwrap(), 10);
    }
}
