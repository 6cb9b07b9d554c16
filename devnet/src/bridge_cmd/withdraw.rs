//! `manifold bridge withdraw`: starts a withdrawal on the L2 — `initiateWithdrawal(to,
//! gasLimit, data)` on the `L2Withdrawals` contract with the value — and prints the L2
//! transaction and the withdrawal it started.

use alloy::{primitives::utils::parse_ether, providers::Provider};
use bridge::{
    contracts::{L2_WITHDRAWALS_ADDRESS, L2Withdrawals},
    l2::withdrawal_in_transaction,
};
use eyre::WrapErr;

use super::{report, signer};
use crate::cli::WithdrawArgs;

pub(super) async fn run(args: WithdrawArgs) -> eyre::Result<()> {
    let (l2, from) = signer(&args.l2.l2_rpc, &args.key)?;
    let value = parse_ether(&args.value)
        .wrap_err_with(|| format!("--value {:?} is not an amount of ether", args.value))?;
    if l2.get_code_at(L2_WITHDRAWALS_ADDRESS).await?.is_empty() {
        eyre::bail!(
            "the L2 at {} has no withdrawal contract at {L2_WITHDRAWALS_ADDRESS}: it does not \
             bridge to an L1",
            args.l2.l2_rpc
        );
    }
    let to = args.to.unwrap_or(from);
    let receipt = L2Withdrawals::new(L2_WITHDRAWALS_ADDRESS, &l2)
        .initiateWithdrawal(to, alloy::primitives::U256::from(args.gas_limit), args.data)
        .value(value)
        .from(from)
        .send()
        .await
        .wrap_err("sending the withdrawal")?
        .get_receipt()
        .await
        .wrap_err("waiting for the withdrawal's receipt")?;
    if !receipt.status() {
        eyre::bail!("the withdrawal transaction {} reverted", receipt.transaction_hash);
    }
    let started = withdrawal_in_transaction(&l2, receipt.transaction_hash).await?;
    report(
        args.l2.json,
        serde_json::json!({
            "l2_tx": receipt.transaction_hash,
            "l2_block": started.l2_block,
            "withdrawal_hash": started.hash,
            "nonce": started.withdrawal.nonce,
            "from": from,
            "to": to,
            "value": value.to_string(),
        }),
        format!(
            "withdrawal {} started in L2 block {} ({} wei from {from} to {to} on L1)\n\
             next: manifold bridge prove --l2-tx {}",
            started.hash, started.l2_block, value, receipt.transaction_hash
        ),
    );
    Ok(())
}
