//! Fees: `eth_gasPrice`, `eth_maxPriorityFeePerGas`, `eth_feeHistory`, `eth_blobBaseFee`.
//!
//! Suggested tip: 1 gwei, raised when blocks are busy. Over the last 20 blocks, each block
//! more than half full contributes the smallest tip it included; when there are any, the
//! suggestion is the 60th percentile of those minimums if that exceeds 1 gwei. An idle chain
//! (the usual case for a rollup) so always suggests 1 gwei, and a congested one suggests
//! what recently got in. It reads 20 headers, and bodies only of busy blocks.

use alloy_consensus::{Header, Transaction as _};
use alloy_eips::BlockNumberOrTag;
use alloy_primitives::U256;
use alloy_rpc_types_eth::FeeHistory;
use execution::{StoreReader, block::next_base_fee};

use super::{
    api::EthFeesApiServer,
    block_id::{head_number, tag_number},
    errors::{RpcResult, internal, invalid_params, server_error},
    eth_block::eth_block,
    handler::RpcHandler,
    params::Quantity,
};

/// The floor of the suggested tip: 1 gwei.
pub(crate) const DEFAULT_TIP: u128 = 1_000_000_000;
/// Blocks the tip suggestion looks back over.
const TIP_LOOKBACK: u64 = 20;
/// Percentile of busy blocks' minimum tips that is suggested.
const TIP_PERCENTILE: usize = 60;
/// Most blocks one `eth_feeHistory` covers (larger requests are truncated, as geth does).
pub(crate) const MAX_FEE_HISTORY_BLOCKS: u64 = 1024;
/// Most reward percentiles one `eth_feeHistory` may ask for.
pub(crate) const MAX_REWARD_PERCENTILES: usize = 100;

/// Base fee of the block after `header`.
fn next_base_fee_of(header: &Header) -> u64 {
    next_base_fee(header.gas_used, header.gas_limit, header.base_fee_per_gas.unwrap_or_default())
}

/// The suggested tip given each busy recent block's smallest included tip.
pub(crate) fn tip_from_minimums(mut minimums: Vec<u128>) -> u128 {
    if minimums.is_empty() {
        return DEFAULT_TIP;
    }
    minimums.sort_unstable();
    let index = ((minimums.len() - 1) * TIP_PERCENTILE) / 100;
    minimums[index].max(DEFAULT_TIP)
}

/// The suggested tip at the head of `reader`'s snapshot.
fn suggested_tip(reader: &StoreReader) -> RpcResult<u128> {
    let head = head_number(reader)?;
    let mut minimums = Vec::new();
    for number in head.saturating_sub(TIP_LOOKBACK - 1)..=head {
        let Some(header) = reader.header(number).map_err(internal)? else { continue };
        if header.gas_used.saturating_mul(2) <= header.gas_limit {
            continue;
        }
        let base_fee = header.base_fee_per_gas.unwrap_or_default();
        let txs = reader.transactions(number).map_err(internal)?.unwrap_or_default();
        let evm = txs.iter().filter_map(|tx| tx.as_evm());
        if let Some(min) = evm.filter_map(|tx| tx.effective_tip(base_fee)).min() {
            minimums.push(min);
        }
    }
    Ok(tip_from_minimums(minimums))
}

/// Checks reward percentiles as geth does: each in 0..=100, non-decreasing, at most 100.
pub(crate) fn check_percentiles(percentiles: &[f64]) -> RpcResult<()> {
    if percentiles.len() > MAX_REWARD_PERCENTILES {
        return Err(invalid_params(format!(
            "too many reward percentiles: {}, the limit is {MAX_REWARD_PERCENTILES}",
            percentiles.len()
        )));
    }
    for (i, &p) in percentiles.iter().enumerate() {
        if !(0.0..=100.0).contains(&p) {
            return Err(invalid_params(format!("invalid reward percentile: {p}")));
        }
        if i > 0 && p < percentiles[i - 1] {
            return Err(invalid_params(format!(
                "invalid reward percentile: #{}:{} > #{}:{}",
                i - 1,
                percentiles[i - 1],
                i,
                p
            )));
        }
    }
    Ok(())
}

/// Tips at `percentiles` of a block's gas, as geth computes them: transactions sorted by
/// effective tip, each weighted by the gas it used. `txs` holds (tip, gas used) pairs.
pub(crate) fn block_rewards(
    mut txs: Vec<(u128, u64)>,
    block_gas_used: u64,
    percentiles: &[f64],
) -> Vec<u128> {
    if txs.is_empty() {
        return vec![0; percentiles.len()];
    }
    txs.sort_unstable_by_key(|(tip, _)| *tip);
    let mut index = 0;
    let mut sum = txs[0].1;
    percentiles
        .iter()
        .map(|p| {
            let threshold = (block_gas_used as f64 * p / 100.0) as u64;
            while sum < threshold && index < txs.len() - 1 {
                index += 1;
                sum += txs[index].1;
            }
            txs[index].0
        })
        .collect()
}

/// (effective tip, gas used) of every EVM transaction of block `number`.
fn tips_and_gas(reader: &StoreReader, header: &Header) -> RpcResult<Vec<(u128, u64)>> {
    let base_fee = header.base_fee_per_gas.unwrap_or_default();
    let Some(block) = eth_block(reader, header.number)? else { return Ok(Vec::new()) };
    let mut out = Vec::with_capacity(block.transactions.len());
    let mut before = 0;
    for (tx, receipt) in block.transactions.iter().zip(&block.receipts) {
        let cumulative = receipt.cumulative_gas_used();
        let tip = tx.envelope.effective_tip_per_gas(base_fee).unwrap_or(0);
        out.push((tip, cumulative.saturating_sub(before)));
        before = cumulative;
    }
    Ok(out)
}

/// `eth_feeHistory` over `reader`'s snapshot.
fn fee_history(
    reader: &StoreReader,
    heads: &crate::Heads,
    block_count: u64,
    newest: BlockNumberOrTag,
    percentiles: Option<&[f64]>,
) -> RpcResult<FeeHistory> {
    let count = block_count.min(MAX_FEE_HISTORY_BLOCKS);
    if count == 0 {
        return Ok(FeeHistory::default());
    }
    let head = head_number(reader)?;
    let newest = tag_number(newest, head, heads.safe(), heads.finalized());
    if newest > head {
        return Err(server_error(format!(
            "request beyond head block: requested {newest}, head {head}"
        )));
    }
    let count = count.min(newest + 1);
    let oldest = newest + 1 - count;
    let mut history = FeeHistory {
        oldest_block: oldest,
        reward: percentiles.map(|_| Vec::with_capacity(count as usize)),
        ..Default::default()
    };
    let mut last = None;
    for number in oldest..=newest {
        let header = reader
            .header(number)
            .map_err(internal)?
            .ok_or_else(|| internal(format!("block {number} has no header")))?;
        history.base_fee_per_gas.push(u128::from(header.base_fee_per_gas.unwrap_or_default()));
        history.gas_used_ratio.push(if header.gas_limit == 0 {
            0.0
        } else {
            header.gas_used as f64 / header.gas_limit as f64
        });
        if let (Some(percentiles), Some(rewards)) = (percentiles, history.reward.as_mut()) {
            let txs = tips_and_gas(reader, &header)?;
            rewards.push(block_rewards(txs, header.gas_used, percentiles));
        }
        last = Some(header);
    }
    if let Some(last) = last {
        history.base_fee_per_gas.push(u128::from(next_base_fee_of(&last)));
    }
    history.base_fee_per_blob_gas = vec![0; count as usize + 1];
    history.blob_gas_used_ratio = vec![0.0; count as usize];
    Ok(history)
}

#[jsonrpsee::core::async_trait]
impl EthFeesApiServer for RpcHandler {
    async fn gas_price(&self) -> RpcResult<U256> {
        let reader = self.reader()?;
        let head = reader.head_header().map_err(internal)?;
        let tip = suggested_tip(&reader)?;
        Ok(U256::from(next_base_fee_of(&head)) + U256::from(tip))
    }

    async fn max_priority_fee_per_gas(&self) -> RpcResult<U256> {
        Ok(U256::from(suggested_tip(&self.reader()?)?))
    }

    async fn fee_history(
        &self,
        block_count: Quantity,
        newest_block: BlockNumberOrTag,
        reward_percentiles: Option<Vec<f64>>,
    ) -> RpcResult<FeeHistory> {
        if let Some(percentiles) = &reward_percentiles {
            check_percentiles(percentiles)?;
        }
        self.blocking(move |this| {
            let reader = this.reader()?;
            fee_history(
                &reader,
                &this.ctx.heads,
                block_count.0,
                newest_block,
                reward_percentiles.as_deref(),
            )
        })
        .await
    }

    fn blob_base_fee(&self) -> RpcResult<U256> {
        Ok(U256::from(1))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn tip_is_one_gwei_unless_busy_blocks_paid_more() {
        assert_eq!(tip_from_minimums(vec![]), DEFAULT_TIP);
        assert_eq!(tip_from_minimums(vec![5, 7]), DEFAULT_TIP);
        let gwei = DEFAULT_TIP;
        assert_eq!(tip_from_minimums(vec![3 * gwei, gwei, 2 * gwei, 5 * gwei, 4 * gwei]), 3 * gwei);
        assert_eq!(tip_from_minimums(vec![7 * gwei]), 7 * gwei);
    }

    #[test]
    fn rewards_follow_geth_weighting() {
        // Tips 1, 2, 3 using 10k, 20k, 70k gas of a 100k-gas block.
        let txs = vec![(3, 70_000), (1, 10_000), (2, 20_000)];
        assert_eq!(
            block_rewards(txs.clone(), 100_000, &[0.0, 10.0, 25.0, 50.0, 100.0]),
            vec![1, 1, 2, 3, 3]
        );
        assert_eq!(block_rewards(vec![], 0, &[10.0, 90.0]), vec![0, 0]);
    }

    #[test]
    fn percentiles_are_checked() {
        check_percentiles(&[]).unwrap();
        check_percentiles(&[0.0, 25.0, 25.0, 100.0]).unwrap();
        assert_eq!(check_percentiles(&[101.0]).unwrap_err().code(), -32602);
        assert_eq!(check_percentiles(&[-1.0]).unwrap_err().code(), -32602);
        assert!(check_percentiles(&[50.0, 10.0]).is_err());
        assert!(check_percentiles(&[f64::NAN]).is_err());
        assert!(check_percentiles(&vec![1.0; 101]).is_err());
    }

    #[test]
    fn empty_history_shape() {
        let json = serde_json::to_value(FeeHistory::default()).unwrap();
        assert_eq!(json["oldestBlock"], "0x0");
        assert_eq!(json["gasUsedRatio"], json!([]));
    }
}
