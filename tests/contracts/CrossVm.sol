// SPDX-License-Identifier: MIT
// One transaction across Manifold's three VMs: it moves tokens of an ERC-20 (the WebAssembly
// one, or any), pays lamports from this contract's Solana address with the Solana System
// program through Manifold's Solana precompile, and calls back into the EVM, whose last step
// may fail. A failure anywhere rolls back all three. Compiled by build.mjs into
// out/CrossVm.json.
pragma solidity ^0.8.37;

interface IERC20 {
    function transfer(address to, uint256 amount) external returns (bool);
}

/// Manifold's Solana precompile (README, "Calling Solana programs from the EVM").
interface ISolana {
    struct AccountMeta {
        bytes32 pubkey;
        bool isSigner;
        bool isWritable;
    }

    function invoke(bytes32 programId, AccountMeta[] calldata accounts, bytes calldata data)
        external
        returns (bytes memory);
}

contract CrossVm {
    ISolana constant SOLANA = ISolana(0x0000000000000000000000000000000000000500);
    /// The Solana System program's id (32 zero bytes).
    bytes32 constant SYSTEM_PROGRAM = bytes32(0);

    /// How many runs reached their last step and kept it.
    uint256 public completed;

    event Ran(address indexed token, address indexed to, uint256 amount, bytes32 solanaRecipient, uint64 lamports);

    /// This contract's Solana address: 12 zero bytes, then its EVM address.
    function solanaAddress() public view returns (bytes32) {
        return bytes32(uint256(uint160(address(this))));
    }

    /// Moves `amount` of `token` to `to`; pays `lamports` from this contract's Solana address
    /// (its EVM balance, in gwei: what `run` was sent counts) to `solanaRecipient`; then calls
    /// back into the EVM, whose last step reverts when `failLast`.
    function run(
        address token,
        address to,
        uint256 amount,
        bytes32 solanaRecipient,
        uint64 lamports,
        bool failLast
    ) external payable {
        require(IERC20(token).transfer(to, amount), "token transfer failed");
        ISolana.AccountMeta[] memory accounts = new ISolana.AccountMeta[](2);
        accounts[0] = ISolana.AccountMeta(solanaAddress(), true, true);
        accounts[1] = ISolana.AccountMeta(solanaRecipient, false, true);
        SOLANA.invoke(SYSTEM_PROGRAM, accounts, systemTransfer(lamports));
        this.finish(failLast);
        emit Ran(token, to, amount, solanaRecipient, lamports);
    }

    /// The last step, an EVM call back into this contract.
    function finish(bool fail) external {
        require(msg.sender == address(this), "only from run");
        completed += 1;
        require(!fail, "last step failed");
    }

    /// The System program's `Transfer` instruction data: tag 2 then the lamports, both little
    /// endian (bincode).
    function systemTransfer(uint64 lamports) internal pure returns (bytes memory data) {
        data = new bytes(12);
        data[0] = 0x02;
        for (uint256 i = 0; i < 8; i++) {
            data[4 + i] = bytes1(uint8(lamports >> (8 * i)));
        }
    }
}
