//! Log queries: resolving a filter's block range, skipping blocks by their header bloom, and
//! collecting matching logs with block-wide log indices (`eth_getLogs`, filters and `logs`
//! subscriptions share this).
//!
//! Limits: a range wider than `rpc.get_logs_max_block_range` is refused up front, and a
//! query stops with an error once it has more than [`MAX_LOGS`] results.

use alloy_eips::BlockNumberOrTag;
use alloy_rpc_types_eth::{Filter, FilterBlockOption, Log};
use execution::StoreReader;

use super::eth_block::{EthBlock, eth_block};

use super::{
    block_id::{head_number, tag_number},
    convert::block_logs,
    errors::{
        RpcResult, block_range_beyond_head, internal, invalid_block_range, limit_exceeded,
        pending_logs_unsupported, server_error,
    },
    handler::RpcHandler,
};
use crate::Heads;

/// Most logs one query returns.
pub(crate) const MAX_LOGS: usize = 10_000;

/// The inclusive block range of a range filter as geth's `eth_getLogs` resolves it: pending
/// logs are refused, explicit numbers must not be reversed, and once the tags are resolved
/// the range must be in order, within `max_range` blocks (`check_range`) and end at or below
/// `head`.
pub(crate) fn resolve_range(
    from: Option<BlockNumberOrTag>,
    to: Option<BlockNumberOrTag>,
    head: u64,
    safe: u64,
    finalized: u64,
    max_range: u64,
) -> RpcResult<(u64, u64)> {
    let (from, to) =
        (from.unwrap_or(BlockNumberOrTag::Latest), to.unwrap_or(BlockNumberOrTag::Latest));
    if from.is_pending() || to.is_pending() {
        return Err(pending_logs_unsupported());
    }
    let resolve = |tag: BlockNumberOrTag| tag_number(tag, head, safe, finalized);
    let (from, to) = (resolve(from), resolve(to));
    if from > to {
        return Err(invalid_block_range());
    }
    // geth checks the range limit before the head.
    check_range(from, to, max_range)?;
    if to > head {
        return Err(block_range_beyond_head());
    }
    Ok((from, to))
}

/// geth's checks of a log filter's range when it is installed (`eth_newFilter`): pending
/// logs are refused, and the range must be `latest` to `latest`, a number to `latest`, or two
/// numbers in order (`earliest` counts as block 0; `safe` and `finalized` are refused).
pub(crate) fn check_filter_range(filter: &Filter) -> RpcResult<()> {
    let FilterBlockOption::Range { from_block, to_block } = filter.block_option else {
        return Ok(());
    };
    let (from, to) = (
        from_block.unwrap_or(BlockNumberOrTag::Latest),
        to_block.unwrap_or(BlockNumberOrTag::Latest),
    );
    if from.is_pending() || to.is_pending() {
        return Err(pending_logs_unsupported());
    }
    let number = |tag: BlockNumberOrTag| match tag {
        BlockNumberOrTag::Earliest => Some(0),
        BlockNumberOrTag::Number(n) => Some(n),
        _ => None,
    };
    let ok = match (number(from), number(to)) {
        _ if from.is_latest() && to.is_latest() => true,
        (Some(from), Some(to)) => to >= from,
        (Some(_), None) => to.is_latest(),
        _ => false,
    };
    if ok { Ok(()) } else { Err(invalid_block_range()) }
}

/// Refuses a range of more than `max` blocks (`0` means no limit).
pub(crate) fn check_range(from: u64, to: u64, max: u64) -> RpcResult<()> {
    let blocks = to.saturating_sub(from).saturating_add(1);
    if max != 0 && blocks > max {
        return Err(limit_exceeded(format!(
            "block range too large: {blocks} blocks requested, the limit is {max} \
             (rpc.get_logs_max_block_range)"
        )));
    }
    Ok(())
}

/// The logs of `block` that `filter` matches (address and topics; the block range is the
/// caller's business).
pub(crate) fn matching_logs(block: &EthBlock, filter: &Filter) -> Vec<Log> {
    if !filter.matches_bloom(block.header.logs_bloom) {
        return vec![];
    }
    block_logs(&block.header, block.hash, &block.transactions, &block.receipts, |log| {
        filter.matches(log)
    })
}

fn too_many_logs() -> jsonrpsee::types::ErrorObjectOwned {
    limit_exceeded(format!("query returned more than {MAX_LOGS} results"))
}

/// Appends the matching logs of blocks `from..=to` to `out`.
pub(crate) fn logs_in_range(
    reader: &StoreReader,
    filter: &Filter,
    from: u64,
    to: u64,
    out: &mut Vec<Log>,
) -> RpcResult<()> {
    for number in from..=to {
        let Some(header) = reader.header(number).map_err(internal)? else { break };
        if !filter.matches_bloom(header.logs_bloom) {
            continue;
        }
        let Some(block) = eth_block(reader, number)? else { break };
        out.extend(block_logs(&header, block.hash, &block.transactions, &block.receipts, |log| {
            filter.matches(log)
        }));
        if out.len() > MAX_LOGS {
            return Err(too_many_logs());
        }
    }
    Ok(())
}

/// Every log `filter` matches (`eth_getLogs` semantics) in `reader`'s snapshot.
pub(crate) fn query_logs(
    reader: &StoreReader,
    heads: &Heads,
    filter: &Filter,
    max_range: u64,
) -> RpcResult<Vec<Log>> {
    let mut out = Vec::new();
    match filter.block_option {
        FilterBlockOption::AtBlockHash(hash) => {
            let number = reader
                .block_number(hash)
                .map_err(internal)?
                .ok_or_else(|| server_error("unknown block"))?;
            let block = eth_block(reader, number)?.ok_or_else(|| server_error("unknown block"))?;
            out = matching_logs(&block, filter);
            if out.len() > MAX_LOGS {
                return Err(too_many_logs());
            }
        }
        FilterBlockOption::Range { from_block, to_block } => {
            let head = head_number(reader)?;
            let (from, to) = resolve_range(
                from_block,
                to_block,
                head,
                heads.safe(),
                heads.finalized(),
                max_range,
            )?;
            logs_in_range(reader, filter, from, to, &mut out)?;
        }
    }
    Ok(out)
}

impl RpcHandler {
    /// `eth_getLogs`, on a blocking thread.
    pub(crate) async fn get_logs(&self, filter: Filter) -> RpcResult<Vec<Log>> {
        self.blocking(move |this| {
            let reader = this.reader()?;
            query_logs(
                &reader,
                &this.ctx.heads,
                &filter,
                this.ctx.config.rpc.get_logs_max_block_range,
            )
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, B256};

    use super::super::convert::tests::sample_block;
    use super::*;

    #[test]
    fn ranges_default_to_latest_and_are_checked_as_geth_does() {
        use BlockNumberOrTag::*;
        assert_eq!(resolve_range(None, None, 10, 5, 2, 0).unwrap(), (10, 10));
        assert_eq!(resolve_range(Some(Number(3)), None, 10, 5, 2, 0).unwrap(), (3, 10));
        assert_eq!(resolve_range(Some(Earliest), Some(Safe), 10, 5, 2, 0).unwrap(), (0, 5));
        let refused = |from, to| {
            let err = resolve_range(from, to, 10, 5, 2, 0).unwrap_err();
            (err.code(), err.message().to_string(), err.data().is_none())
        };
        let beyond = (-32602, "block range extends beyond current head block".to_string(), true);
        assert_eq!(refused(Some(Number(3)), Some(Number(50))), beyond);
        assert_eq!(refused(Some(Number(11)), Some(Number(12))), beyond);
        let reversed = (-32602, "invalid block range params".to_string(), true);
        assert_eq!(refused(Some(Number(8)), Some(Number(3))), reversed);
        // A start above the head with `latest` as the end is reversed once resolved.
        assert_eq!(refused(Some(Number(11)), None), reversed);
        let pending = (-32602, "pending logs are not supported".to_string(), true);
        assert_eq!(refused(Some(Pending), None), pending);
        assert_eq!(refused(None, Some(Pending)), pending);
    }

    #[test]
    fn installed_filter_ranges_are_checked_as_geth_does() {
        use BlockNumberOrTag::*;
        let range = |from, to| Filter::new().from_block(from).to_block(to);
        for ok in [
            Filter::new(),
            range(Latest, Latest),
            range(Number(3), Latest),
            range(Number(3), Number(3)),
            range(Earliest, Number(900)),
        ] {
            check_filter_range(&ok).unwrap();
        }
        check_filter_range(&Filter::new().at_block_hash(B256::ZERO)).unwrap();
        for bad in [
            range(Number(4), Number(3)),
            range(Latest, Number(3)),
            range(Safe, Latest),
            range(Number(1), Finalized),
        ] {
            assert_eq!(
                check_filter_range(&bad).unwrap_err().message(),
                "invalid block range params"
            );
        }
        assert_eq!(
            check_filter_range(&range(Number(1), Pending)).unwrap_err().message(),
            "pending logs are not supported"
        );
    }

    #[test]
    fn wide_ranges_are_refused_with_the_limit() {
        check_range(1, 100, 100).unwrap();
        check_range(0, u64::MAX, 0).unwrap();
        let err = check_range(1, 101, 100).unwrap_err();
        assert_eq!(err.code(), -32005);
        assert!(err.message().contains("the limit is 100"), "{}", err.message());
        assert!(check_range(0, u64::MAX, 10).is_err());
    }

    #[test]
    fn filters_match_address_and_topic_lists() {
        let block = sample_block();
        let all = matching_logs(&block, &Filter::new());
        assert_eq!(all.len(), 3);
        let by_address =
            Filter::new().address(vec![Address::repeat_byte(1), Address::repeat_byte(3)]);
        let logs = matching_logs(&block, &by_address);
        assert_eq!(logs.iter().map(|l| l.log_index.unwrap()).collect::<Vec<_>>(), vec![0, 2]);
        let by_topic =
            Filter::new().event_signature(vec![B256::repeat_byte(0xa2), B256::repeat_byte(0xa3)]);
        assert_eq!(matching_logs(&block, &by_topic).len(), 2);
        let nothing = Filter::new().event_signature(B256::repeat_byte(0x01));
        assert!(matching_logs(&block, &nothing).is_empty());
        // A null first topic with a second topic: no log here has two topics.
        let second = Filter::new().topic1(B256::repeat_byte(0xa2));
        assert!(matching_logs(&block, &second).is_empty());
    }
}
