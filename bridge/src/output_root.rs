//! The output root an L2 block commits to on L1: keccak256(version ‖ state root ‖ withdrawal
//! root ‖ block hash), 32 bytes each, version 0 — OP Stack's version 0 shape, with the root of
//! the withdrawal tree where OP has the message passer's storage root. `Portal.proveWithdrawal`
//! takes these four fields and hashes them the same way (`Types.hashOutputRoot`).

use alloy_primitives::{B256, keccak256};

/// What an output root commits to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OutputRoot {
    /// Always [`OutputRoot::VERSION_0`].
    pub version: B256,
    /// The L2 block's state root.
    pub state_root: B256,
    /// The root of the withdrawal tree after the block.
    pub withdrawal_root: B256,
    /// The L2 block's hash.
    pub block_hash: B256,
}

impl OutputRoot {
    /// The only version.
    pub const VERSION_0: B256 = B256::ZERO;

    /// The version 0 output of a block.
    pub fn v0(state_root: B256, withdrawal_root: B256, block_hash: B256) -> Self {
        Self { version: Self::VERSION_0, state_root, withdrawal_root, block_hash }
    }

    /// The output root: keccak256 of the four fields concatenated.
    pub fn hash(&self) -> B256 {
        let mut preimage = [0u8; 128];
        preimage[..32].copy_from_slice(self.version.as_slice());
        preimage[32..64].copy_from_slice(self.state_root.as_slice());
        preimage[64..96].copy_from_slice(self.withdrawal_root.as_slice());
        preimage[96..].copy_from_slice(self.block_hash.as_slice());
        keccak256(preimage)
    }
}

impl From<OutputRoot> for crate::contracts::Types::OutputRootProof {
    /// The preimage as `Portal.proveWithdrawal` takes it.
    fn from(output: OutputRoot) -> Self {
        Self {
            version: output.version,
            stateRoot: output.state_root,
            withdrawalRoot: output.withdrawal_root,
            latestBlockhash: output.block_hash,
        }
    }
}

#[cfg(test)]
mod tests {
    use alloy_sol_types::SolValue;

    use super::*;

    #[test]
    fn the_hash_is_the_abi_encoding_of_the_four_words() {
        let output =
            OutputRoot::v0(B256::repeat_byte(1), B256::repeat_byte(2), B256::repeat_byte(3));
        let abi = (output.version, output.state_root, output.withdrawal_root, output.block_hash)
            .abi_encode();
        assert_eq!(output.hash(), keccak256(abi));
        let other = OutputRoot { block_hash: B256::repeat_byte(4), ..output };
        assert_ne!(output.hash(), other.hash());
    }
}
