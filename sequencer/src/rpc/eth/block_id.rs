//! Block tags, numbers and hashes: which block a request means.
//!
//! Blocks: `latest` and `pending` are the head (the sequencer has no pending block: a
//! transaction is either pooled or sealed), `safe` and `finalized` come from [`Heads`]
//! (never above the head), `earliest` is genesis.
//!
//! State: the node keeps only the latest state. Every tag (`latest`, `pending`, `safe`,
//! `finalized`) and the head's own number or hash read it; an older block is refused with
//! [`historical_state`], a block that does not exist with [`header_not_found`].

use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::B256;
use execution::StoreReader;

use super::errors::{RpcResult, header_not_found, historical_state, internal};
use crate::Heads;

/// The head block number of `reader`'s snapshot.
pub(crate) fn head_number(reader: &StoreReader) -> RpcResult<u64> {
    reader.head_number().map_err(internal)?.ok_or_else(|| internal("the chain has no genesis"))
}

/// The number a tag or number means, with `head`, `safe` and `finalized` the current heads.
/// May be above `head` for an explicit number (callers check).
pub(crate) fn tag_number(tag: BlockNumberOrTag, head: u64, safe: u64, finalized: u64) -> u64 {
    match tag {
        BlockNumberOrTag::Latest | BlockNumberOrTag::Pending => head,
        BlockNumberOrTag::Safe => safe.min(head),
        BlockNumberOrTag::Finalized => finalized.min(head),
        BlockNumberOrTag::Earliest => 0,
        BlockNumberOrTag::Number(n) => n,
    }
}

/// The existing block `tag` means in `reader`'s snapshot, `None` if it is above the head.
pub(crate) fn resolve_tag(
    reader: &StoreReader,
    heads: &Heads,
    tag: BlockNumberOrTag,
) -> RpcResult<Option<u64>> {
    let head = head_number(reader)?;
    let number = tag_number(tag, head, heads.safe(), heads.finalized());
    Ok((number <= head).then_some(number))
}

/// The existing block `hash` names, if any.
pub(crate) fn resolve_hash(reader: &StoreReader, hash: B256) -> RpcResult<Option<u64>> {
    reader.block_number(hash).map_err(internal)
}

/// The existing block `id` means, `None` when there is no such block.
pub(crate) fn resolve_block(
    reader: &StoreReader,
    heads: &Heads,
    id: BlockId,
) -> RpcResult<Option<u64>> {
    match id {
        BlockId::Number(tag) => resolve_tag(reader, heads, tag),
        BlockId::Hash(hash) => resolve_hash(reader, hash.block_hash),
    }
}

/// Checks that a state query at `id` (default `latest`) can be answered from the latest
/// state, `head`; `lookup` finds the number of a block hash.
pub(crate) fn check_state_block(
    id: Option<BlockId>,
    head: u64,
    lookup: impl FnOnce(B256) -> RpcResult<Option<u64>>,
) -> RpcResult<()> {
    let requested = match id.unwrap_or(BlockId::Number(BlockNumberOrTag::Latest)) {
        BlockId::Number(
            BlockNumberOrTag::Latest
            | BlockNumberOrTag::Pending
            | BlockNumberOrTag::Safe
            | BlockNumberOrTag::Finalized,
        ) => return Ok(()),
        BlockId::Number(BlockNumberOrTag::Earliest) => 0,
        BlockId::Number(BlockNumberOrTag::Number(n)) => n,
        BlockId::Hash(hash) => lookup(hash.block_hash)?.ok_or_else(header_not_found)?,
    };
    match requested.cmp(&head) {
        std::cmp::Ordering::Equal => Ok(()),
        std::cmp::Ordering::Less => Err(historical_state(requested, head)),
        std::cmp::Ordering::Greater => Err(header_not_found()),
    }
}

/// [`check_state_block`] against `reader`'s snapshot; returns the head number.
pub(crate) fn state_block(reader: &StoreReader, id: Option<BlockId>) -> RpcResult<u64> {
    let head = head_number(reader)?;
    check_state_block(id, head, |hash| resolve_hash(reader, hash))?;
    Ok(head)
}

/// Whether `id` asks for the pending state (pool included), as `eth_getTransactionCount`
/// distinguishes.
pub(crate) fn is_pending(id: Option<BlockId>) -> bool {
    matches!(id, Some(BlockId::Number(BlockNumberOrTag::Pending)))
}

#[cfg(test)]
mod tests {
    use alloy_eips::RpcBlockHash;

    use super::*;

    #[test]
    fn tags_resolve_to_heads() {
        assert_eq!(tag_number(BlockNumberOrTag::Latest, 10, 7, 3), 10);
        assert_eq!(tag_number(BlockNumberOrTag::Pending, 10, 7, 3), 10);
        assert_eq!(tag_number(BlockNumberOrTag::Safe, 10, 7, 3), 7);
        assert_eq!(tag_number(BlockNumberOrTag::Finalized, 10, 7, 3), 3);
        assert_eq!(tag_number(BlockNumberOrTag::Earliest, 10, 7, 3), 0);
        assert_eq!(tag_number(BlockNumberOrTag::Number(12), 10, 7, 3), 12);
        // Heads never point above the head block.
        assert_eq!(tag_number(BlockNumberOrTag::Safe, 5, 7, 9), 5);
    }

    fn no_hash(_: B256) -> RpcResult<Option<u64>> {
        Ok(None)
    }

    #[test]
    fn state_at_head_or_tags_is_served() {
        for tag in [
            BlockNumberOrTag::Latest,
            BlockNumberOrTag::Pending,
            BlockNumberOrTag::Safe,
            BlockNumberOrTag::Finalized,
            BlockNumberOrTag::Number(10),
        ] {
            check_state_block(Some(tag.into()), 10, no_hash).unwrap();
        }
        check_state_block(None, 10, no_hash).unwrap();
        check_state_block(Some(BlockNumberOrTag::Earliest.into()), 0, no_hash).unwrap();
        let head_hash = B256::repeat_byte(1);
        check_state_block(Some(BlockId::hash(head_hash)), 10, |_| Ok(Some(10))).unwrap();
    }

    #[test]
    fn older_state_is_refused_with_both_numbers() {
        let err =
            check_state_block(Some(BlockNumberOrTag::Number(4).into()), 10, no_hash).unwrap_err();
        assert_eq!(err.code(), -32000);
        assert!(err.message().contains("block 4 requested, head 10"), "{}", err.message());
        let err =
            check_state_block(Some(BlockNumberOrTag::Earliest.into()), 10, no_hash).unwrap_err();
        assert!(err.message().starts_with("historical state not available"));
        let by_hash = BlockId::Hash(RpcBlockHash::from_hash(B256::ZERO, Some(true)));
        let err = check_state_block(Some(by_hash), 10, |_| Ok(Some(2))).unwrap_err();
        assert!(err.message().contains("block 2 requested"));
    }

    #[test]
    fn unknown_blocks_are_header_not_found() {
        let err =
            check_state_block(Some(BlockNumberOrTag::Number(11).into()), 10, no_hash).unwrap_err();
        assert_eq!((err.code(), err.message()), (-32000, "header not found"));
        let err = check_state_block(Some(BlockId::hash(B256::ZERO)), 10, no_hash).unwrap_err();
        assert_eq!(err.message(), "header not found");
    }

    #[test]
    fn pending_is_detected() {
        assert!(is_pending(Some(BlockNumberOrTag::Pending.into())));
        assert!(!is_pending(Some(BlockNumberOrTag::Latest.into())));
        assert!(!is_pending(None));
    }
}
