//! `manifold bridge deposit`: deposits on the L1 portal — `depositTransaction(to, gasLimit,
//! data)` for an EVM recipient, `depositToSolana(pubkey)` for a Solana one — then waits, with
//! progress, until the L2 has applied it: the L2's deposit counter (the nonce of
//! `0x4200…0015`, read with `eth_getTransactionCount`) passes the deposit's portal nonce.
//!
//! A deposit buys its L2 gas on the L1 by burning L1 gas (the portal's `ResourceMetering`), and
//! that burn depends on the block it lands in: the L1 gas limit is the estimate plus a quarter
//! ([`with_margin`]), so a block whose L1 base fee fell or whose deposit base fee rose since the
//! estimate still takes it.

use std::time::Duration;

use alloy::{
    primitives::{B256, U256, utils::parse_ether},
    providers::Provider,
    sol_types::SolEvent,
};
use bridge::contracts::Portal;
use execution::deposit::DEPOSIT_COUNTER;
use eyre::WrapErr;

use super::{reader, report, signer, wait};
use crate::cli::DepositArgs;

pub(super) async fn run(args: DepositArgs) -> eyre::Result<()> {
    let (l1, from) = signer(&args.l1.l1_rpc, &args.key)?;
    let l2 = reader(&args.l2.l2_rpc)?;
    let value = parse_ether(&args.value)
        .wrap_err_with(|| format!("--value {:?} is not an amount of ether", args.value))?;
    if l1.get_code_at(args.l1.portal).await?.is_empty() {
        eyre::bail!("no contract at --portal {} on the L1 at {}", args.l1.portal, args.l1.l1_rpc);
    }
    let portal = Portal::new(args.l1.portal, &l1);
    let (pending, recipient) = match &args.to_solana {
        Some(pubkey) => {
            let bytes: [u8; 32] = bs58::decode(pubkey)
                .into_vec()
                .ok()
                .and_then(|v| v.try_into().ok())
                .ok_or_else(|| eyre::eyre!("--to-solana {pubkey:?} is not a base58 pubkey"))?;
            if value % U256::from(1_000_000_000u64) != U256::ZERO {
                eyre::bail!("a Solana deposit is a whole number of gwei (lamports)");
            }
            let call = portal.depositToSolana(B256::from(bytes)).value(value).from(from);
            let gas = call.estimate_gas().await.wrap_err("estimating the deposit's L1 gas")?;
            let call = call.gas(with_margin(gas));
            (call.send().await.wrap_err("sending the deposit")?, pubkey.clone())
        }
        None => {
            let to = args.to.unwrap_or(from);
            let call = portal.depositTransaction(to, args.gas_limit, args.data.clone());
            let call = call.value(value).from(from);
            let gas = call.estimate_gas().await.wrap_err("estimating the deposit's L1 gas")?;
            let call = call.gas(with_margin(gas));
            (call.send().await.wrap_err("sending the deposit")?, to.to_string())
        }
    };
    let receipt = pending.get_receipt().await.wrap_err("waiting for the deposit's L1 receipt")?;
    if !receipt.status() {
        eyre::bail!("the deposit transaction {} reverted", receipt.transaction_hash);
    }
    let event = receipt
        .inner
        .logs()
        .iter()
        .find_map(|log| Portal::DepositInitiated::decode_log(&log.inner).ok())
        .ok_or_else(|| eyre::eyre!("the deposit transaction emitted no DepositInitiated"))?;
    let nonce = u64::try_from(event.data.nonce).wrap_err("deposit nonce")?;
    let l1_block = receipt.block_number.unwrap_or_default();
    let applied_block = wait::until(
        "the L2 to mint the deposit",
        Duration::from_secs(args.timeout_secs),
        Duration::from_millis(500),
        || async {
            let applied = l2.get_transaction_count(DEPOSIT_COUNTER).await?;
            if applied > nonce {
                return Ok(Ok(l2.get_block_number().await?));
            }
            let l1_head = l1.get_block_number().await?;
            Ok(Err((applied, l1_head)))
        },
        |(applied, l1_head): &(u64, u64)| {
            format!(
                "deposit {nonce} in L1 block {l1_block} ({} blocks on top); the L2 has applied \
                 {applied} deposits",
                l1_head.saturating_sub(l1_block)
            )
        },
    )
    .await?;
    report(
        args.l2.json,
        serde_json::json!({
            "l1_tx": receipt.transaction_hash,
            "l1_block": l1_block,
            "nonce": nonce,
            "from": from,
            "to": recipient,
            "value": value.to_string(),
            "l2_block": applied_block,
        }),
        format!(
            "deposit {nonce} of {value} wei from {from} to {recipient}: L1 block {l1_block}, \
             minted on L2 by block {applied_block}"
        ),
    );
    Ok(())
}

/// The L1 gas limit of a deposit whose `eth_estimateGas` is `estimate`: a quarter more. Most of
/// a deposit's gas is its burn, `L2 gas * deposit base fee / max(L1 base fee, 1 gwei)`, which
/// grows by 1/7 when the L1 base fee falls by its most in one block (1/8) and with the deposit
/// base fee; unused gas is not paid for.
fn with_margin(estimate: u64) -> u64 {
    estimate.saturating_add(estimate / 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gas_limit_is_the_estimate_and_a_quarter() {
        assert_eq!(with_margin(10_060_000), 12_575_000);
        assert_eq!(with_margin(u64::MAX), u64::MAX);
    }
}
