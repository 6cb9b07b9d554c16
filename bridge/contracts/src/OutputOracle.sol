// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

/// @title OutputOracle
/// @notice The L1 record of L2 output roots. The proposer posts `(outputRoot, l2BlockNumber)`
///         with block numbers strictly increasing; an output is finalized once the challenge
///         period has passed since it was posted. Until then the guardian may delete it, and
///         every output after it. Modelled on OP Stack's `L2OutputOracle`.
contract OutputOracle {
    /// @notice One posted output.
    struct Output {
        bytes32 outputRoot;
        uint128 timestamp;
        uint128 l2BlockNumber;
    }

    /// @notice Emitted when an output is posted.
    event OutputProposed(
        bytes32 indexed outputRoot, uint256 indexed outputIndex, uint256 indexed l2BlockNumber, uint256 l1Timestamp
    );

    /// @notice Emitted when the guardian deletes outputs `newNextOutputIndex..prevNextOutputIndex`.
    event OutputsDeleted(uint256 indexed prevNextOutputIndex, uint256 indexed newNextOutputIndex);

    /// @notice The only account that may post outputs.
    address public immutable proposer;
    /// @notice The only account that may delete outputs.
    address public immutable guardian;
    /// @notice Seconds an output stays open to deletion.
    uint256 public immutable challengePeriod;

    Output[] internal outputs;

    constructor(address proposer_, address guardian_, uint256 challengePeriod_) {
        require(proposer_ != address(0), "OutputOracle: proposer is the zero address");
        require(guardian_ != address(0), "OutputOracle: guardian is the zero address");
        proposer = proposer_;
        guardian = guardian_;
        challengePeriod = challengePeriod_;
    }

    /// @notice Posts the output root of L2 block `l2BlockNumber`.
    function proposeL2Output(bytes32 outputRoot, uint256 l2BlockNumber) external {
        require(msg.sender == proposer, "OutputOracle: only the proposer can propose outputs");
        require(outputRoot != bytes32(0), "OutputOracle: output root cannot be zero");
        require(
            outputs.length == 0 || l2BlockNumber > outputs[outputs.length - 1].l2BlockNumber,
            "OutputOracle: block number must be greater than the latest output's"
        );
        require(l2BlockNumber <= type(uint128).max, "OutputOracle: block number too large");
        emit OutputProposed(outputRoot, outputs.length, l2BlockNumber, block.timestamp);
        outputs.push(
            Output({outputRoot: outputRoot, timestamp: uint128(block.timestamp), l2BlockNumber: uint128(l2BlockNumber)})
        );
    }

    /// @notice Deletes output `outputIndex` and every later one, if it is not finalized.
    function deleteL2Outputs(uint256 outputIndex) external {
        require(msg.sender == guardian, "OutputOracle: only the guardian can delete outputs");
        require(outputIndex < outputs.length, "OutputOracle: cannot delete outputs after the latest output index");
        require(
            block.timestamp - outputs[outputIndex].timestamp < challengePeriod,
            "OutputOracle: cannot delete outputs that have already been finalized"
        );
        uint256 prevNext = outputs.length;
        while (outputs.length > outputIndex) {
            outputs.pop();
        }
        emit OutputsDeleted(prevNext, outputIndex);
    }

    /// @notice Output `outputIndex`; reverts if there is none.
    function getL2Output(uint256 outputIndex) external view returns (Output memory) {
        require(outputIndex < outputs.length, "OutputOracle: no output at this index");
        return outputs[outputIndex];
    }

    /// @notice Whether output `outputIndex` exists and its challenge period is over.
    function isFinalized(uint256 outputIndex) public view returns (bool) {
        return outputIndex < outputs.length && block.timestamp - outputs[outputIndex].timestamp >= challengePeriod;
    }

    /// @notice How many outputs there are: the index the next one gets.
    function nextOutputIndex() external view returns (uint256) {
        return outputs.length;
    }

    /// @notice The L2 block of the latest output; 0 if there is none.
    function latestBlockNumber() external view returns (uint256) {
        return outputs.length == 0 ? 0 : outputs[outputs.length - 1].l2BlockNumber;
    }

    /// @notice The index of the first output at or after L2 block `l2BlockNumber`: the output a
    ///         withdrawal from that block is proven against. Reverts if there is none yet.
    function getL2OutputIndexAfter(uint256 l2BlockNumber) external view returns (uint256) {
        uint256 length = outputs.length;
        require(
            length > 0 && outputs[length - 1].l2BlockNumber >= l2BlockNumber,
            "OutputOracle: no output covers this block yet"
        );
        uint256 lo = 0;
        uint256 hi = length - 1;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (outputs[mid].l2BlockNumber < l2BlockNumber) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
