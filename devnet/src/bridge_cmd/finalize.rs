//! `manifold bridge finalize`: waits until the L1's latest block is past the withdrawal's
//! challenge period (of its proof and of its output), then sends `Portal.finalizeWithdrawal`,
//! which pays the withdrawal out, once.

use std::time::Duration;

use alloy::{providers::Provider, sol_types::SolEvent};
use bridge::{
    contracts::Portal,
    l1::{WithdrawalStatus, withdrawal_status},
    l2::withdrawal_in_transaction,
};
use eyre::WrapErr;

use super::{reader, report, signer, wait};
use crate::cli::WithdrawalArgs;

pub(super) async fn run(args: WithdrawalArgs) -> eyre::Result<()> {
    let l2 = reader(&args.l2.l2_rpc)?;
    let (l1, from) = signer(&args.l1.l1_rpc, &args.key)?;
    let portal = args.l1.portal;
    let started = withdrawal_in_transaction(&l2, args.l2_tx).await?;
    let finalizable_at =
        match withdrawal_status(&l1, portal, started.hash, started.l2_block).await? {
            WithdrawalStatus::Proven { finalizable_at, .. } => finalizable_at,
            WithdrawalStatus::Finalized => {
                eyre::bail!("withdrawal {} is already finalized", started.hash)
            }
            _ => eyre::bail!(
                "withdrawal {} is not proven yet: manifold bridge prove first",
                started.hash
            ),
        };
    wait::until(
        "the challenge period",
        Duration::from_secs(args.timeout_secs),
        Duration::from_millis(500),
        || async {
            let latest = l1
                .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
                .await?
                .ok_or_else(|| eyre::eyre!("the L1 has no latest block"))?;
            let now = latest.header.timestamp;
            Ok(if now >= finalizable_at { Ok(()) } else { Err(finalizable_at - now) })
        },
        |left| format!("{left} s of L1 time left"),
    )
    .await?;
    let receipt = Portal::new(portal, &l1)
        .finalizeWithdrawal(started.withdrawal.clone())
        .from(from)
        .send()
        .await
        .wrap_err("sending finalizeWithdrawal")?
        .get_receipt()
        .await
        .wrap_err("waiting for finalizeWithdrawal's receipt")?;
    if !receipt.status() {
        eyre::bail!("finalizeWithdrawal reverted (L1 tx {})", receipt.transaction_hash);
    }
    let paid = receipt
        .inner
        .logs()
        .iter()
        .find_map(|log| Portal::WithdrawalFinalized::decode_log(&log.inner).ok())
        .map(|event| event.data.success)
        .unwrap_or(false);
    report(
        args.l2.json,
        serde_json::json!({
            "withdrawal_hash": started.hash,
            "l1_tx": receipt.transaction_hash,
            "call_succeeded": paid,
            "to": started.withdrawal.target,
            "value": started.withdrawal.value.to_string(),
        }),
        format!(
            "withdrawal {} finalized in L1 tx {}: {} wei to {}{}",
            started.hash,
            receipt.transaction_hash,
            started.withdrawal.value,
            started.withdrawal.target,
            if paid {
                ""
            } else {
                " (its call to the target failed; the value stays in the portal)"
            }
        ),
    );
    Ok(())
}
