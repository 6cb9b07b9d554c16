// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {OutputOracle} from "./OutputOracle.sol";
import {ResourceMetering} from "./ResourceMetering.sol";
import {Types} from "./Types.sol";
import {WithdrawalTree} from "./WithdrawalTree.sol";

/// @title Portal
/// @notice Manifold's L1 entry and exit for the native token, modelled on OP Stack's
///         `OptimismPortal`:
///         - deposits: ETH sent here is minted on L2 to an EVM address (optionally with a call)
///           or to a Solana account (a 32-byte pubkey, in lamports of 1 gwei). Each deposit
///           gets the next nonce and a `DepositInitiated` event; the L2 sequencer must include
///           it, in nonce order, within the sequencing window (followers reject a chain that
///           does not). A deposit buys its L2 gas (its call's gas limit; a Solana deposit,
///           `SVM_DEPOSIT_GAS`) on the L1 by burning L1 gas, at a base fee that rises when L1
///           blocks buy more than a target, and one L1 block may buy at most
///           `MAX_RESOURCE_LIMIT` (see `ResourceMetering`): deposits cannot fill the L2's blocks
///           for free.
///         - withdrawals: proven against an output root of the `OutputOracle` with a Merkle
///           proof into its withdrawal root, and finalized, at most once, when both the output
///           and the proof are older than the challenge period — by anyone, but only with gas
///           enough that the withdrawal's call gets its whole gas limit (`finalizeWithdrawal`).
contract Portal is ResourceMetering {
    /// @notice The recipient is a 20-byte EVM address (in the low bytes of `to`).
    uint8 public constant VM_EVM = 0;
    /// @notice The recipient is a 32-byte Solana pubkey.
    uint8 public constant VM_SVM = 1;
    /// @notice Gas a deposit's L2 call gets at least: a plain transfer's.
    uint64 public constant MIN_DEPOSIT_GAS = 21_000;
    /// @notice Gas a deposit's L2 call gets at most. An L2 block must hold at least this much gas
    ///         (the node refuses a `chain.block_gas_limit` below it with the bridge enabled).
    uint64 public constant MAX_DEPOSIT_GAS = 10_000_000;
    /// @notice L2 gas a Solana deposit buys: it has no call, but is still an L2 transaction.
    uint64 public constant SVM_DEPOSIT_GAS = MIN_DEPOSIT_GAS;
    /// @notice Most calldata a deposit may carry.
    uint256 public constant MAX_DEPOSIT_DATA = 120_000;
    /// @notice Wei per lamport: a Solana recipient gets `value / 1 gwei` lamports.
    uint256 public constant WEI_PER_LAMPORT = 1 gwei;
    /// @notice The largest gas limit a withdrawal may have: more than any block holds. A larger
    ///         one can never be finalized; `finalizeWithdrawal` says so.
    uint256 public constant MAX_WITHDRAWAL_GAS_LIMIT = type(uint64).max;
    /// @notice Gas the CALL of `finalizeWithdrawal` costs at most besides the gas it passes: the
    ///         target's account access when it is cold (2,600, EIP-2929), a value transfer
    ///         (9,000) and the creation of an empty target's account (25,000). A target with
    ///         code or an EIP-7702 delegation is not empty: a second account access (2,600) at
    ///         most instead of the 25,000. Its memory costs nothing: the data is in memory
    ///         already and no return data is copied.
    uint256 public constant FINALIZE_CALL_OVERHEAD = 2_600 + 9_000 + 25_000;
    /// @notice Gas `finalizeWithdrawal` needs from its gas check on, the CALL aside: the few
    ///         opcodes up to the CALL (`before`, about 60), then the `WithdrawalFinalized` log
    ///         (375 + 2 topics × 375 + 32 bytes × 8 = 1,381, written from scratch space so that it
    ///         expands no memory however large the withdrawal's data) and the return (`after`):
    ///         about 1,500 in all (counted on the compiled code), kept with a margin.
    ///         Derivation: with `ceil(gasLimit * 64 / 63) + FINALIZE_CALL_OVERHEAD +
    ///         FINALIZE_RESERVE` left at the check, the CALL has
    ///         `A >= ceil(gasLimit * 64 / 63) + FINALIZE_RESERVE - before` once it has paid its
    ///         costs, so `63 * A >= 64 * gasLimit` and the 63/64 of `A` it may pass on (EIP-150)
    ///         cover `gasLimit`. It passes exactly `gasLimit`, so at least
    ///         `A - gasLimit >= FINALIZE_RESERVE - before >= after` is left, whatever the target
    ///         does.
    uint256 public constant FINALIZE_RESERVE = 5_000;
    /// @notice OP Stack's alias offset: a contract's deposits come on L2 from its address plus
    ///         this, so an L1 contract cannot pose as the L2 account of the same address.
    uint160 public constant ALIAS_OFFSET = uint160(0x1111000000000000000000000000000000001111);

    /// @notice A deposit, in nonce order. `from` is the L2 sender (aliased for contracts);
    ///         `to` the recipient (see `vm`); `value` wei minted; `gasLimit` and `data` the L2
    ///         call of an EVM deposit (a Solana deposit has neither).
    event DepositInitiated(
        uint256 indexed nonce,
        address indexed from,
        bytes32 indexed to,
        uint8 vm,
        uint256 value,
        uint64 gasLimit,
        bytes data
    );

    /// @notice A withdrawal proven against output `outputIndex`.
    event WithdrawalProven(
        bytes32 indexed withdrawalHash, address indexed from, address indexed to, uint256 outputIndex
    );

    /// @notice A withdrawal finalized; `success` says whether its L1 call succeeded.
    event WithdrawalFinalized(bytes32 indexed withdrawalHash, bool success);

    /// @notice Where a withdrawal was proven.
    struct ProvenWithdrawal {
        bytes32 outputRoot;
        uint128 timestamp;
        uint128 outputIndex;
    }

    /// @notice The output roots withdrawals are proven against.
    OutputOracle public immutable oracle;

    /// @notice The nonce of the next deposit: how many there have been.
    uint256 public depositNonce;

    /// @notice Proven withdrawals by hash.
    mapping(bytes32 => ProvenWithdrawal) public provenWithdrawals;

    /// @notice Finalized withdrawals by hash.
    mapping(bytes32 => bool) public finalizedWithdrawals;

    constructor(OutputOracle oracle_) {
        oracle = oracle_;
    }

    /// @notice A plain transfer deposits to the sender's own L2 address, with no call data and
    ///         `MIN_DEPOSIT_GAS` (whose price it burns, as every deposit does).
    receive() external payable {
        _deposit(VM_EVM, bytes32(uint256(uint160(msg.sender))), MIN_DEPOSIT_GAS, bytes(""));
    }

    /// @notice Deposits `msg.value` to EVM address `to` on L2, then calls it with `data` and
    ///         `gasLimit` gas from the (aliased) sender. If that call fails, the value stays
    ///         with the sender's L2 address. Burns the price of `gasLimit` L2 gas in L1 gas
    ///         (`ResourceMetering`).
    function depositTransaction(address to, uint64 gasLimit, bytes calldata data) external payable {
        _deposit(VM_EVM, bytes32(uint256(uint160(to))), gasLimit, data);
    }

    /// @notice Deposits `msg.value` (a whole number of gwei) to Solana account `pubkey` on L2.
    ///         Burns the price of `SVM_DEPOSIT_GAS` L2 gas in L1 gas (`ResourceMetering`).
    function depositToSolana(bytes32 pubkey) external payable {
        require(msg.value % WEI_PER_LAMPORT == 0, "Portal: a Solana deposit is a whole number of gwei");
        require(pubkey != bytes32(0), "Portal: recipient is the zero pubkey");
        _deposit(VM_SVM, pubkey, 0, bytes(""));
    }

    function _deposit(uint8 vm, bytes32 to, uint64 gasLimit, bytes memory data) internal {
        if (vm == VM_EVM) {
            require(gasLimit >= MIN_DEPOSIT_GAS, "Portal: gas limit below 21000");
            require(gasLimit <= MAX_DEPOSIT_GAS, "Portal: gas limit above the maximum");
            require(data.length <= MAX_DEPOSIT_DATA, "Portal: data too large");
            _meter(gasLimit);
        } else {
            _meter(SVM_DEPOSIT_GAS);
        }
        address from = msg.sender;
        if (msg.sender != tx.origin) {
            unchecked {
                from = address(uint160(msg.sender) + ALIAS_OFFSET);
            }
        }
        uint256 nonce = depositNonce;
        depositNonce = nonce + 1;
        emit DepositInitiated(nonce, from, to, vm, msg.value, gasLimit, data);
    }

    /// @notice Proves that `w` is in the withdrawal root of output `outputIndex`: `outputProof`
    ///         is the output root's preimage, `siblings` the Merkle path of leaf `w.nonce`. A
    ///         withdrawal may be proven again only if the output it was proven against has been
    ///         deleted or replaced.
    function proveWithdrawal(
        Types.Withdrawal calldata w,
        uint256 outputIndex,
        Types.OutputRootProof calldata outputProof,
        bytes32[] calldata siblings
    ) external {
        require(w.target != address(this), "Portal: cannot send messages to the portal");
        OutputOracle.Output memory output = oracle.getL2Output(outputIndex);
        require(outputProof.version == Types.OUTPUT_VERSION_V0, "Portal: unknown output root version");
        require(Types.hashOutputRoot(outputProof) == output.outputRoot, "Portal: invalid output root proof");
        bytes32 withdrawalHash = Types.hashWithdrawal(w);
        require(
            WithdrawalTree.rootFrom(withdrawalHash, w.nonce, siblings) == outputProof.withdrawalRoot,
            "Portal: invalid withdrawal inclusion proof"
        );
        require(!finalizedWithdrawals[withdrawalHash], "Portal: withdrawal has already been finalized");
        ProvenWithdrawal memory proven = provenWithdrawals[withdrawalHash];
        require(
            proven.timestamp == 0 || !_outputStands(proven),
            "Portal: withdrawal has already been proven"
        );
        provenWithdrawals[withdrawalHash] = ProvenWithdrawal({
            outputRoot: output.outputRoot,
            timestamp: uint128(block.timestamp),
            outputIndex: uint128(outputIndex)
        });
        emit WithdrawalProven(withdrawalHash, w.sender, w.target, outputIndex);
    }

    /// @notice Pays out proven withdrawal `w` once the challenge period has passed since both
    ///         its output and its proof, calling `w.target` with `w.data`, `w.value` and
    ///         exactly `w.gasLimit` gas. At most once, even if the call fails.
    /// @dev    Anyone may finalize anyone's withdrawal, and a finalize that does not revert is
    ///         final: it must not go through unless the call gets the whole gas limit. What
    ///         costs more the larger the withdrawal (copying `w.data` into memory, hashing it)
    ///         and the `finalizedWithdrawals` write come before the gas check, which then asks
    ///         for `_finalizeGas(w.gasLimit)` =
    ///         `ceil(w.gasLimit * 64 / 63) + FINALIZE_CALL_OVERHEAD + FINALIZE_RESERVE` gas left:
    ///         once the CALL has paid its own costs, the 63/64 of the rest that it may pass on
    ///         (EIP-150) still cover `w.gasLimit`, and the portal keeps enough to finish whatever
    ///         the target does. A finalizer that gives less gets a revert, never a short call.
    function finalizeWithdrawal(Types.Withdrawal calldata w) external {
        // The withdrawal in memory, once: the hash and the call read it there.
        Types.Withdrawal memory withdrawal = w;
        bytes32 withdrawalHash = Types.hashWithdrawal(withdrawal);
        require(!finalizedWithdrawals[withdrawalHash], "Portal: withdrawal has already been finalized");
        ProvenWithdrawal memory proven = provenWithdrawals[withdrawalHash];
        require(proven.timestamp != 0, "Portal: withdrawal has not been proven yet");
        require(_outputStands(proven), "Portal: output root proven against was deleted; prove again");
        uint256 period = oracle.challengePeriod();
        require(
            block.timestamp >= uint256(proven.timestamp) + period,
            "Portal: proven withdrawal has not matured yet"
        );
        require(oracle.isFinalized(proven.outputIndex), "Portal: output root has not been finalized yet");
        require(
            withdrawal.gasLimit <= MAX_WITHDRAWAL_GAS_LIMIT,
            "Portal: withdrawal gas limit is larger than any block"
        );
        // A call with more value than the portal holds fails without reverting: the
        // withdrawal would be marked final and its value lost. It waits for the funds instead.
        require(
            address(this).balance >= withdrawal.value,
            "Portal: the portal holds less than the withdrawal's value"
        );
        // Before the gas check, like the copy of the data: its cost is not the call's.
        finalizedWithdrawals[withdrawalHash] = true;

        address target = withdrawal.target;
        uint256 value = withdrawal.value;
        uint256 gasLimit = withdrawal.gasLimit;
        bytes memory data = withdrawal.data;
        require(
            gasleft() >= _finalizeGas(gasLimit),
            "Portal: insufficient gas to finalize withdrawal"
        );
        bytes32 finalizedTopic = WithdrawalFinalized.selector;
        assembly ("memory-safe") {
            // No return data is copied (out = 0, 0): the target cannot make the portal pay for
            // memory after the check.
            let success := call(gasLimit, target, value, add(data, 0x20), mload(data), 0, 0)
            // emit WithdrawalFinalized(withdrawalHash, success), from scratch space.
            mstore(0x00, success)
            log2(0x00, 0x20, finalizedTopic, withdrawalHash)
        }
    }

    /// @notice The gas `finalizeWithdrawal` needs left at its gas check for a withdrawal of gas
    ///         limit `gasLimit` (at most `MAX_WITHDRAWAL_GAS_LIMIT`, so nothing overflows).
    function _finalizeGas(uint256 gasLimit) internal pure returns (uint256) {
        return (gasLimit * 64 + 62) / 63 + FINALIZE_CALL_OVERHEAD + FINALIZE_RESERVE;
    }

    /// @notice Whether the output `proven` was proven against is still posted, unchanged.
    function _outputStands(ProvenWithdrawal memory proven) internal view returns (bool) {
        return proven.outputIndex < oracle.nextOutputIndex()
            && oracle.getL2Output(proven.outputIndex).outputRoot == proven.outputRoot;
    }
}
