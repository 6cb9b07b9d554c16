//! Transactions in: `sendTransaction` (base58 or base64; signatures verified and the
//! transaction simulated on the latest state first unless `skipPreflight`, with agave's
//! -32002/-32003 errors), `simulateTransaction` (optionally verifying signatures or replacing
//! the blockhash, with the accounts asked for) and the devnet faucet's `requestAirdrop`. An
//! accepted transaction is journaled before its signature is returned.

use alloy_primitives::{B256, Bytes};
use execution::{Engine as _, EngineKind, EngineTx as _, StateView as _, TxError, svm::SvmTx};
use solana_account::ReadableAccount as _;
use solana_account_decoder::{UiAccountEncoding, encode_ui_account};
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_message::Message;
use solana_pubkey::Pubkey;
use solana_rpc_client_types::{
    config::{RpcSendTransactionConfig, RpcSimulateTransactionConfig},
    response::{Response, RpcBlockhash, RpcSimulateTransactionResult},
};
use solana_transaction::{Transaction, versioned::VersionedTransaction};
use solana_transaction_error::TransactionError;
use solana_transaction_status_client_types::UiTransactionError;
use svm::Outcome;

use super::{
    context::respond,
    errors::{invalid_request, preflight_failure, signature_verification_failure},
    methods::base58_hash,
    params::{self, PACKET_DATA_SIZE},
};
use crate::{
    PoolError,
    rpc::{
        errors::{RpcResult, internal, invalid_params, server_error},
        handler::RpcHandler,
    },
};

/// The result of a simulation that failed with `err` before running anything.
fn failed_before_running(err: TransactionError) -> RpcSimulateTransactionResult {
    RpcSimulateTransactionResult {
        err: Some(UiTransactionError::from(err)),
        logs: Some(Vec::new()),
        accounts: None,
        units_consumed: Some(0),
        loaded_accounts_data_size: None,
        return_data: None,
        inner_instructions: None,
        replacement_blockhash: None,
        fee: None,
        pre_balances: None,
        post_balances: None,
        pre_token_balances: None,
        post_token_balances: None,
        loaded_addresses: None,
    }
}

/// What simulating a transaction showed.
fn simulation_result(outcome: &Outcome) -> RpcSimulateTransactionResult {
    RpcSimulateTransactionResult {
        err: outcome.result.clone().err().map(UiTransactionError::from),
        logs: Some(outcome.logs.clone()),
        units_consumed: Some(outcome.compute_units),
        fee: Some(outcome.fee),
        ..failed_before_running(TransactionError::AccountNotFound)
    }
}

/// agave's preflight error for a simulation that failed with `result.err`.
fn preflight_error(result: RpcSimulateTransactionResult) -> jsonrpsee::types::ErrorObjectOwned {
    let err = result.err.clone().map(TransactionError::from);
    let text = err.map(|e| e.to_string()).unwrap_or_default();
    preflight_failure(format!("Transaction simulation failed: {text}"), result)
}

/// The Solana error for a transaction the pool refused after decoding.
fn pool_refusal(error: PoolError) -> jsonrpsee::types::ErrorObjectOwned {
    let preflight = |err| preflight_error(failed_before_running(err));
    match error {
        PoolError::Invalid(TxError::InvalidSender) => signature_verification_failure(),
        PoolError::Invalid(TxError::BlockhashNotFound) => {
            preflight(TransactionError::BlockhashNotFound)
        }
        PoolError::Invalid(TxError::AlreadyProcessed) => {
            preflight(TransactionError::AlreadyProcessed)
        }
        PoolError::Invalid(TxError::PayerCannotPay { have, .. }) if have.is_zero() => {
            preflight(TransactionError::AccountNotFound)
        }
        PoolError::Invalid(TxError::PayerCannotPay { .. }) => {
            preflight(TransactionError::InsufficientFundsForFee)
        }
        PoolError::Invalid(TxError::Malformed(reason)) => {
            invalid_params(format!("invalid transaction: {reason}"))
        }
        other => server_error(other.to_string()),
    }
}

/// A decoded transaction's first signature, base58.
fn first_signature(wire: &[u8]) -> RpcResult<String> {
    let tx: VersionedTransaction = bincode::deserialize(wire).map_err(|e| {
        invalid_params(format!(
            "failed to deserialize solana_transaction::versioned::VersionedTransaction: {e}"
        ))
    })?;
    tx.signatures.first().map(|s| s.to_string()).ok_or_else(|| {
        invalid_params(
            "invalid transaction: Transaction failed to sanitize accounts offsets correctly",
        )
    })
}

impl RpcHandler {
    /// Decodes `wire` as the engine admits it (signatures verified) or, without `verify`,
    /// sanitized only.
    fn decode_svm(&self, wire: &[u8], verify: bool) -> RpcResult<SvmTx> {
        let decoded =
            if verify { self.svm()?.decode(wire) } else { SvmTx::decode_verified(wire, &[]) };
        decoded.map_err(|e| match e {
            TxError::InvalidSender => signature_verification_failure(),
            other => invalid_params(format!("invalid transaction: {other}")),
        })
    }

    /// Simulates `tx` on the latest state in the next block: `Err` result when its blockhash
    /// is unknown or expired (unless `any_blockhash`) or it was processed already.
    fn run_simulation(
        &self,
        tx: &SvmTx,
        any_blockhash: bool,
    ) -> RpcResult<(u64, Result<Outcome, TransactionError>)> {
        let reader = self.reader()?;
        let head = reader.head_header().map_err(internal)?;
        let blockhash = B256::from(tx.sanitized.message().recent_blockhash().to_bytes());
        if !any_blockhash && !self.blockhash_is_valid(&reader, blockhash, head.number)? {
            return Ok((head.number, Err(TransactionError::BlockhashNotFound)));
        }
        if reader.transaction_location(tx.hash()).map_err(internal)?.is_some() {
            return Ok((head.number, Err(TransactionError::AlreadyProcessed)));
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let env = self.ctx.chain.next_block_env(&head, now.max(head.timestamp));
        let outcome = self.svm()?.simulate(tx, &reader, &env).map_err(internal)?;
        Ok((head.number, Ok(outcome)))
    }

    /// `sendTransaction`.
    pub(crate) async fn send(
        &self,
        data: String,
        config: RpcSendTransactionConfig,
    ) -> RpcResult<String> {
        self.refuse_on_follower()?;
        let wire = params::wire_transaction(&data, config.encoding)?;
        let signature = first_signature(&wire)?;
        if !config.skip_preflight {
            let wire = wire.clone();
            self.blocking(move |this| {
                let tx = this.decode_svm(&wire, true)?;
                let (_, simulated) = this.run_simulation(&tx, false)?;
                let result = match simulated {
                    Ok(outcome) if outcome.result.is_ok() => return Ok(()),
                    Ok(outcome) => simulation_result(&outcome),
                    Err(err) => failed_before_running(err),
                };
                Err(preflight_error(result))
            })
            .await?;
        }
        match self.ctx.mempool.submit_payload(EngineKind::Svm, Bytes::from(wire)).await {
            // Clients resend until confirmed: a transaction already pending is accepted again.
            Ok(_) | Err(PoolError::AlreadyKnown) => Ok(signature),
            Err(e) => Err(pool_refusal(e)),
        }
    }

    /// `simulateTransaction`.
    pub(crate) async fn simulate(
        &self,
        data: String,
        config: RpcSimulateTransactionConfig,
    ) -> RpcResult<Response<RpcSimulateTransactionResult>> {
        if config.sig_verify && config.replace_recent_blockhash {
            return Err(invalid_params("sigVerify may not be used with replaceRecentBlockhash"));
        }
        let account_encoding = match &config.accounts {
            Some(accounts) => {
                let encoding = accounts.encoding.unwrap_or(UiAccountEncoding::Base64);
                if matches!(encoding, UiAccountEncoding::Binary | UiAccountEncoding::Base58) {
                    return Err(invalid_params("base58 encoding not supported"));
                }
                encoding
            }
            None => UiAccountEncoding::Base64,
        };
        let mut wire = params::wire_transaction(&data, config.encoding)?;
        self.blocking(move |this| {
            let mut replacement = None;
            if config.replace_recent_blockhash {
                let mut tx: VersionedTransaction = bincode::deserialize(&wire).map_err(|e| {
                    invalid_params(format!(
                        "failed to deserialize solana_transaction::versioned::VersionedTransaction: {e}"
                    ))
                })?;
                let reader = this.reader()?;
                let head = reader.head_header().map_err(internal)?;
                let hash = reader
                    .block_hash(head.number)
                    .map_err(internal)?
                    .ok_or_else(|| internal("the head block has no hash"))?;
                tx.message.set_recent_blockhash(Hash::new_from_array(hash.0));
                wire = bincode::serialize(&tx).map_err(internal)?;
                replacement = Some(RpcBlockhash {
                    blockhash: base58_hash(hash),
                    last_valid_block_height: head.number + execution::svm::RECENT_BLOCKS,
                });
            }
            let tx = this.decode_svm(&wire, config.sig_verify)?;
            let (slot, simulated) = this.run_simulation(&tx, false)?;
            let mut result = match &simulated {
                Ok(outcome) => simulation_result(outcome),
                Err(err) => failed_before_running(err.clone()),
            };
            result.replacement_blockhash = replacement;
            if let Some(accounts) = &config.accounts {
                let reader = this.reader()?;
                let view = this.solana_accounts(&reader)?;
                let mut encoded = Vec::with_capacity(accounts.addresses.len());
                for address in &accounts.addresses {
                    let key: Pubkey = params::pubkey(address)?;
                    let written = simulated
                        .as_ref()
                        .ok()
                        .filter(|o| o.result.is_ok())
                        .and_then(|o| o.writes.iter().find(|(k, _)| *k == key))
                        .map(|(_, a)| a.clone());
                    let account = match written {
                        Some(account) => Some(account),
                        None => view.get(&key)?,
                    };
                    encoded.push(account.filter(|a| a.lamports() > 0 || !a.data().is_empty()).map(
                        |a| encode_ui_account(&key, &a, account_encoding, None, None),
                    ));
                }
                result.accounts = Some(encoded);
            }
            Ok(respond(slot, result))
        })
        .await
    }

    /// `requestAirdrop`: a System transfer of `lamports` from the faucet keypair, sent as any
    /// transaction. Refused (`Invalid request`, as a validator without a faucet) when the node
    /// has none.
    pub(crate) async fn airdrop(&self, to: Pubkey, lamports: u64) -> RpcResult<String> {
        self.refuse_on_follower()?;
        let Some(secret) = self.ctx.config.solana_rpc.faucet_keypair.as_ref() else {
            return Err(invalid_request());
        };
        let secret = bs58::decode(secret.expose()).into_vec().map_err(internal)?;
        let faucet = Keypair::try_from(secret.as_slice()).map_err(internal)?;
        let reader = self.reader()?;
        let head = reader.head_header().map_err(internal)?;
        let hash = reader
            .block_hash(head.number)
            .map_err(internal)?
            .ok_or_else(|| internal("the head block has no hash"))?;
        let blockhash = Hash::new_from_array(hash.0);
        let transfer = solana_system_interface::instruction::transfer(
            &solana_signer::Signer::pubkey(&faucet),
            &to,
            lamports,
        );
        let message = Message::new_with_blockhash(
            &[transfer],
            Some(&solana_signer::Signer::pubkey(&faucet)),
            &blockhash,
        );
        let tx = VersionedTransaction::from(Transaction::new(&[&faucet], message, blockhash));
        let wire = bincode::serialize(&tx).map_err(internal)?;
        if wire.len() > PACKET_DATA_SIZE {
            return Err(internal("airdrop transaction too large"));
        }
        let signature = tx.signatures[0].to_string();
        match self.ctx.mempool.submit_payload(EngineKind::Svm, Bytes::from(wire)).await {
            Ok(_) => Ok(signature),
            Err(e) => Err(server_error(format!("airdrop failed: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preflight_errors_carry_agaves_text_and_the_simulation() {
        let err = preflight_error(failed_before_running(TransactionError::BlockhashNotFound));
        assert_eq!(err.code(), -32002);
        assert_eq!(err.message(), "Transaction simulation failed: Blockhash not found");
        let data: serde_json::Value = serde_json::from_str(err.data().unwrap().get()).unwrap();
        assert_eq!(data["err"], "BlockhashNotFound");
        assert_eq!(data["unitsConsumed"], 0);
        let refused = pool_refusal(PoolError::Invalid(TxError::InvalidSender));
        assert_eq!(refused.code(), -32003);
    }
}
