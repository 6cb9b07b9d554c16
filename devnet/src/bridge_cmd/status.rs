//! `manifold bridge status`: where a withdrawal stands — waiting for an output root, ready to
//! prove, proven (finalizable from when), or finalized.

use bridge::l1::{WithdrawalStatus, withdrawal_status};
use bridge::l2::withdrawal_in_transaction;

use super::{reader, report};
use crate::cli::StatusArgs;

pub(super) async fn run(args: StatusArgs) -> eyre::Result<()> {
    let l2 = reader(&args.l2.l2_rpc)?;
    let l1 = reader(&args.l1.l1_rpc)?;
    let started = withdrawal_in_transaction(&l2, args.l2_tx).await?;
    let status = withdrawal_status(&l1, args.l1.portal, started.hash, started.l2_block).await?;
    let text = match status {
        WithdrawalStatus::WaitingForOutput { latest_output_block } => format!(
            "waiting for an output root covering L2 block {} (the latest covers {latest_output_block})",
            started.l2_block
        ),
        WithdrawalStatus::ReadyToProve { output_index, output_block } => format!(
            "ready to prove against output {output_index} (L2 block {output_block}): manifold \
             bridge prove"
        ),
        WithdrawalStatus::Proven { output_index, finalizable_at, .. } => format!(
            "proven against output {output_index}; finalizable from L1 time {finalizable_at}: \
             manifold bridge finalize"
        ),
        WithdrawalStatus::Finalized => "finalized: paid out on L1".to_owned(),
    };
    let mut json = serde_json::to_value(status)?;
    json["withdrawal_hash"] = serde_json::json!(started.hash);
    json["l2_block"] = serde_json::json!(started.l2_block);
    report(args.l2.json, json, format!("withdrawal {}: {text}", started.hash));
    Ok(())
}
