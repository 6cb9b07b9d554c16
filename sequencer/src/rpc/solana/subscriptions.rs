//! Solana's subscriptions on the WebSocket port: `signatureSubscribe` (one notification when
//! the transaction reaches the commitment, then the subscription ends, as Solana's),
//! `accountSubscribe` (the account, encoded, whenever it changes) and `slotSubscribe` (every
//! sealed block). Each subscription is a task woken by the sealed-block broadcast and by the
//! advance of the finalized head.
//!
//! The node keeps the latest state only: an account notification at `finalized` carries the
//! account as of the newest block, sent once the finalized head has moved.

use std::sync::Arc;

use execution::SealedBlock;
use jsonrpsee::{PendingSubscriptionSink, SubscriptionSink, core::SubscriptionResult};
use serde_json::value::to_raw_value;
use solana_account::AccountSharedData;
use solana_account_decoder::{UiAccountEncoding, encode_ui_account};
use solana_commitment_config::CommitmentConfig;
use solana_pubkey::Pubkey;
use solana_rpc_client_types::{
    config::{RpcAccountInfoConfig, RpcSignatureSubscribeConfig},
    response::{ProcessedSignatureResult, RpcSignatureResult, SlotInfo},
};
use solana_signature::Signature;
use solana_transaction_status_client_types::UiTransactionError;
use tokio::sync::broadcast::{Receiver, error::RecvError};

use super::{api::SolanaPubSubApiServer, context::respond, params};
use crate::rpc::{errors::RpcResult, handler::RpcHandler};

/// Sends `value` on `sink`; false once the subscriber is gone.
async fn send(sink: &SubscriptionSink, value: &impl serde::Serialize) -> bool {
    match to_raw_value(value) {
        Ok(raw) => sink.send(raw).await.is_ok(),
        Err(error) => {
            tracing::warn!(%error, "could not serialize a Solana notification");
            false
        }
    }
}

/// Waits for the next sealed block or head advance; false once the subscriber or the node is
/// gone.
async fn next_event(
    sink: &SubscriptionSink,
    blocks: &mut Receiver<Arc<SealedBlock>>,
    advanced: tokio::sync::futures::Notified<'_>,
) -> bool {
    tokio::select! {
        () = sink.closed() => false,
        () = advanced => true,
        received = blocks.recv() => !matches!(received, Err(RecvError::Closed)),
    }
}

impl RpcHandler {
    /// The slot at which `signature`'s transaction is visible at `commitment`, and its error.
    fn signature_reached(
        &self,
        signature: &Signature,
        commitment: Option<CommitmentConfig>,
    ) -> RpcResult<Option<(u64, Option<UiTransactionError>)>> {
        let reader = self.reader()?;
        let heads = self.solana_heads(&reader)?;
        let hash = alloy_primitives::keccak256(signature.as_ref());
        let Some((slot, index)) =
            reader.transaction_location(hash).map_err(crate::rpc::errors::internal)?
        else {
            return Ok(None);
        };
        if slot > heads.slot(commitment) {
            return Ok(None);
        }
        let block = reader.block(slot).map_err(crate::rpc::errors::internal)?;
        let error = block
            .and_then(|b| b.receipts.get(index as usize).cloned())
            .and_then(|r| match r {
                execution::Receipt::Svm(r) => r.error,
                _ => None,
            })
            .map(UiTransactionError::from);
        Ok(Some((slot, error)))
    }

    async fn watch_signature(
        self,
        sink: SubscriptionSink,
        mut blocks: Receiver<Arc<SealedBlock>>,
        signature: Signature,
        commitment: Option<CommitmentConfig>,
    ) {
        loop {
            let advanced = self.ctx.heads.advanced();
            match self.signature_reached(&signature, commitment) {
                Ok(Some((slot, err))) => {
                    let value =
                        RpcSignatureResult::ProcessedSignature(ProcessedSignatureResult { err });
                    send(&sink, &respond(slot, value)).await;
                    return;
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(?error, "signature subscription failed");
                    return;
                }
            }
            if !next_event(&sink, &mut blocks, advanced).await {
                return;
            }
        }
    }

    async fn watch_account(
        self,
        sink: SubscriptionSink,
        mut blocks: Receiver<Arc<SealedBlock>>,
        key: Pubkey,
        config: RpcAccountInfoConfig,
    ) {
        let encoding = config.encoding.unwrap_or(UiAccountEncoding::Binary);
        let read = |this: &Self| -> RpcResult<(u64, AccountSharedData)> {
            let reader = this.reader()?;
            let heads = this.solana_heads(&reader)?;
            let account = this.solana_accounts(&reader)?.get(&key)?;
            Ok((heads.slot(config.commitment), account.unwrap_or_default()))
        };
        let Ok((mut seen_slot, mut last)) = read(&self) else { return };
        loop {
            let advanced = self.ctx.heads.advanced();
            if !next_event(&sink, &mut blocks, advanced).await {
                return;
            }
            let Ok((slot, account)) = read(&self) else { return };
            if slot <= seen_slot {
                continue;
            }
            seen_slot = slot;
            if account == last {
                continue;
            }
            let ui = encode_ui_account(&key, &account, encoding, None, config.data_slice);
            if !send(&sink, &respond(slot, ui)).await {
                return;
            }
            last = account;
        }
    }
}

/// Forwards every sealed block to `sink` as Solana's `SlotInfo`.
async fn watch_slots(
    handler: RpcHandler,
    sink: SubscriptionSink,
    mut blocks: Receiver<Arc<SealedBlock>>,
) {
    loop {
        let block = tokio::select! {
            () = sink.closed() => return,
            received = blocks.recv() => match received {
                Ok(block) => block,
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return,
            },
        };
        let slot = block.number();
        let info = SlotInfo {
            slot,
            parent: slot.saturating_sub(1),
            root: handler.ctx.heads.finalized().min(slot),
        };
        if !send(&sink, &info).await {
            return;
        }
    }
}

#[jsonrpsee::core::async_trait]
impl SolanaPubSubApiServer for RpcHandler {
    async fn signature_subscribe(
        &self,
        pending: PendingSubscriptionSink,
        signature: String,
        config: Option<RpcSignatureSubscribeConfig>,
    ) -> SubscriptionResult {
        let signature = match params::signature(&signature) {
            Ok(signature) => signature,
            Err(error) => {
                pending.reject(error).await;
                return Ok(());
            }
        };
        let commitment = config.and_then(|c| c.commitment);
        let blocks = self.ctx.blocks.subscribe();
        let sink = pending.accept().await?;
        tokio::spawn(self.clone().watch_signature(sink, blocks, signature, commitment));
        Ok(())
    }

    async fn account_subscribe(
        &self,
        pending: PendingSubscriptionSink,
        pubkey: String,
        config: Option<RpcAccountInfoConfig>,
    ) -> SubscriptionResult {
        let key = match params::pubkey(&pubkey) {
            Ok(key) => key,
            Err(error) => {
                pending.reject(error).await;
                return Ok(());
            }
        };
        let blocks = self.ctx.blocks.subscribe();
        let sink = pending.accept().await?;
        tokio::spawn(self.clone().watch_account(sink, blocks, key, config.unwrap_or_default()));
        Ok(())
    }

    async fn slot_subscribe(&self, pending: PendingSubscriptionSink) -> SubscriptionResult {
        let blocks = self.ctx.blocks.subscribe();
        let sink = pending.accept().await?;
        tokio::spawn(watch_slots(self.clone(), sink, blocks));
        Ok(())
    }
}
