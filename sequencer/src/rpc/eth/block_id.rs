//! Block tags, numbers and hashes: which block a request means.
//!
//! Blocks: `latest` and `pending` are the head (the sequencer has no pending block: a
//! transaction is either pooled or sealed), `safe` and `finalized` come from [`Heads`]
//! (never above the head), `earliest` is genesis.
//!
//! State: a query reads the state at the end of the block it names (a tag's block, a number,
//! or a hash per EIP-1898; `pending` reads the head's) from the store's state history, which
//! keeps the latest `[history] keep_blocks` blocks. A block below that range is refused with
//! geth's [`historical_state`], a block that does not exist with [`header_not_found`].

use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::B256;
use execution::{ExecutionError, HistoricalState, StoreReader};
use jsonrpsee::types::ErrorObjectOwned;

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

/// The block whose state a query at `id` (default `latest`) reads: a tag's block, a number,
/// or a block hash (EIP-1898), given the heads (`head`, `safe`, `finalized`) and the oldest
/// block whose state is kept; `lookup` finds the number of a block hash. A block that does
/// not exist is `header not found`; one whose state is no longer kept is refused by
/// `too_old(number)`.
pub(crate) fn check_state_block(
    id: Option<BlockId>,
    heads: (u64, u64, u64),
    oldest: u64,
    lookup: impl FnOnce(B256) -> RpcResult<Option<u64>>,
    too_old: impl FnOnce(u64) -> ErrorObjectOwned,
) -> RpcResult<u64> {
    let (head, safe, finalized) = heads;
    let requested = match id.unwrap_or(BlockId::Number(BlockNumberOrTag::Latest)) {
        BlockId::Number(tag) => tag_number(tag, head, safe, finalized),
        BlockId::Hash(hash) => lookup(hash.block_hash)?.ok_or_else(header_not_found)?,
    };
    if requested > head {
        return Err(header_not_found());
    }
    if requested < oldest {
        return Err(too_old(requested));
    }
    Ok(requested)
}

/// [`check_state_block`] against `reader`'s snapshot: the number of the block whose state a
/// query at `id` reads.
pub(crate) fn state_block(
    reader: &StoreReader,
    heads: &Heads,
    id: Option<BlockId>,
) -> RpcResult<u64> {
    let head = head_number(reader)?;
    let oldest = reader.oldest_state().map_err(internal)?;
    check_state_block(
        id,
        (head, heads.safe(), heads.finalized()),
        oldest,
        |hash| resolve_hash(reader, hash),
        |requested| match state_root(reader, requested) {
            Ok(root) => historical_state(requested, root, oldest, head),
            Err(err) => err,
        },
    )
}

/// The state at the end of block `number` of `reader`'s snapshot (checked by
/// [`state_block`]).
pub(crate) fn state_at(reader: &StoreReader, number: u64) -> RpcResult<HistoricalState<'_>> {
    reader.state_at(number).map_err(|err| match err {
        ExecutionError::StatePruned { requested, oldest, head } => {
            match state_root(reader, requested) {
                Ok(root) => historical_state(requested, root, oldest, head),
                Err(err) => err,
            }
        }
        ExecutionError::UnknownBlock { .. } => header_not_found(),
        other => internal(other),
    })
}

/// The state root in block `number`'s header.
pub(crate) fn state_root(reader: &StoreReader, number: u64) -> RpcResult<B256> {
    let header = reader.header(number).map_err(internal)?.ok_or_else(header_not_found)?;
    Ok(header.state_root)
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

    fn pruned(number: u64) -> ErrorObjectOwned {
        historical_state(number, B256::ZERO, 6, 10)
    }

    /// `check_state_block` with head 10, safe 7, finalized 3 and blocks 6 to 10 kept.
    fn check(id: Option<BlockId>) -> RpcResult<u64> {
        check_state_block(id, (10, 7, 3), 6, |_| Ok(Some(8)), pruned)
    }

    #[test]
    fn tags_numbers_and_hashes_name_their_blocks() {
        assert_eq!(check(None).unwrap(), 10);
        assert_eq!(check(Some(BlockNumberOrTag::Latest.into())).unwrap(), 10);
        assert_eq!(check(Some(BlockNumberOrTag::Pending.into())).unwrap(), 10);
        assert_eq!(check(Some(BlockNumberOrTag::Safe.into())).unwrap(), 7);
        assert_eq!(check(Some(BlockNumberOrTag::Number(6).into())).unwrap(), 6);
        assert_eq!(check(Some(BlockId::hash(B256::ZERO))).unwrap(), 8);
    }

    #[test]
    fn blocks_below_the_kept_range_are_refused_with_geths_error() {
        for id in [
            BlockNumberOrTag::Number(5).into(),
            BlockNumberOrTag::Earliest.into(),
            BlockNumberOrTag::Finalized.into(),
        ] {
            let err = check(Some(id)).unwrap_err();
            assert_eq!(err.code(), -32000);
            assert!(err.message().starts_with("historical state "), "{}", err.message());
            assert!(err.message().contains("blocks 6 to 10"), "{}", err.message());
        }
        let by_hash = BlockId::Hash(RpcBlockHash::from_hash(B256::ZERO, Some(true)));
        let err = check_state_block(Some(by_hash), (10, 7, 3), 6, |_| Ok(Some(2)), pruned);
        assert!(err.unwrap_err().message().contains("block 2 requested"));
    }

    #[test]
    fn unknown_blocks_are_header_not_found() {
        let err = check(Some(BlockNumberOrTag::Number(11).into())).unwrap_err();
        assert_eq!((err.code(), err.message()), (-32000, "header not found"));
        let err =
            check_state_block(Some(BlockId::hash(B256::ZERO)), (10, 7, 3), 6, no_hash, pruned)
                .unwrap_err();
        assert_eq!(err.message(), "header not found");
    }

    #[test]
    fn pending_is_detected() {
        assert!(is_pending(Some(BlockNumberOrTag::Pending.into())));
        assert!(!is_pending(Some(BlockNumberOrTag::Latest.into())));
        assert!(!is_pending(None));
    }
}
