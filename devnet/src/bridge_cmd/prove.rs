//! `manifold bridge prove`: waits for an output root covering the withdrawal's L2 block,
//! recomputes that output through the L2's RPC and refuses to prove against a posted root
//! that differs, then sends `Portal.proveWithdrawal` with the withdrawal's Merkle path.

use std::time::Duration;

use alloy::primitives::U256;
use bridge::{
    contracts::{Portal, Types},
    l1::{WithdrawalStatus, withdrawal_status},
    l2::{prove_withdrawal, withdrawal_in_transaction},
};
use eyre::WrapErr;

use super::{reader, report, signer, wait};
use crate::cli::WithdrawalArgs;

pub(super) async fn run(args: WithdrawalArgs) -> eyre::Result<()> {
    let l2 = reader(&args.l2.l2_rpc)?;
    let (l1, from) = signer(&args.l1.l1_rpc, &args.key)?;
    let portal = args.l1.portal;
    let started = withdrawal_in_transaction(&l2, args.l2_tx).await?;
    let (output_index, output_block) = wait::until(
        "an output root covering the withdrawal",
        Duration::from_secs(args.timeout_secs),
        Duration::from_millis(500),
        || async {
            Ok(match withdrawal_status(&l1, portal, started.hash, started.l2_block).await? {
                WithdrawalStatus::ReadyToProve { output_index, output_block } => {
                    Ok((output_index, output_block))
                }
                WithdrawalStatus::Proven { .. } => {
                    eyre::bail!("withdrawal {} is already proven", started.hash)
                }
                WithdrawalStatus::Finalized => {
                    eyre::bail!("withdrawal {} is already finalized", started.hash)
                }
                waiting => Err(waiting),
            })
        },
        |state| match state {
            WithdrawalStatus::WaitingForOutput { latest_output_block } => format!(
                "L2 block {}, the latest output covers {latest_output_block}",
                started.l2_block
            ),
            other => format!("{other:?}"),
        },
    )
    .await?;
    let proof = prove_withdrawal(&l2, started.hash, output_block).await?;
    let oracle = Portal::new(portal, &l1).oracle().call().await?;
    let posted = bridge::contracts::OutputOracle::new(oracle, &l1)
        .getL2Output(U256::from(output_index))
        .call()
        .await?;
    if posted.outputRoot != proof.output.hash() {
        eyre::bail!(
            "output {output_index} (L2 block {output_block}) on the L1 is {}, but the L2 gives \
             {}: not proving against it (the guardian should delete it)",
            posted.outputRoot,
            proof.output.hash()
        );
    }
    let receipt = Portal::new(portal, &l1)
        .proveWithdrawal(
            started.withdrawal.clone(),
            U256::from(output_index),
            Types::OutputRootProof::from(proof.output),
            proof.proof.siblings.clone(),
        )
        .from(from)
        .send()
        .await
        .wrap_err("sending proveWithdrawal")?
        .get_receipt()
        .await
        .wrap_err("waiting for proveWithdrawal's receipt")?;
    if !receipt.status() {
        eyre::bail!("proveWithdrawal reverted (L1 tx {})", receipt.transaction_hash);
    }
    report(
        args.l2.json,
        serde_json::json!({
            "withdrawal_hash": started.hash,
            "l1_tx": receipt.transaction_hash,
            "output_index": output_index,
            "output_block": output_block,
        }),
        format!(
            "withdrawal {} proven against output {output_index} (L2 block {output_block}) in L1 \
             tx {}\nnext, after the challenge period: manifold bridge finalize --l2-tx {}",
            started.hash, receipt.transaction_hash, args.l2_tx
        ),
    );
    Ok(())
}
