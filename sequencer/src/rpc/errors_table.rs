//! The error table: every method the Ethereum endpoint serves, called with malformed params
//! over HTTP, answers geth's code and message and no `data` (geth's behaviour, read off
//! go-ethereum's `rpc/json.go`, `common/hexutil`, `encoding/json` and `eth/filters`).

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::strict_calls::tests::{call, method_names, post, serve};

/// What the message must be.
enum Expected {
    /// Exactly this.
    Exact(&'static str),
    /// This, then a text of our own (a dev method's format, which geth does not have).
    Prefix(&'static str),
}

use Expected::{Exact, Prefix};

/// `(method, params, code, message)`, on a fresh devnet (head 0). One row a line.
#[rustfmt::skip]
const TABLE: &[(&str, &str, i64, Expected)] = &[
    ("web3_clientVersion", r#"[1]"#, -32602, Exact("too many arguments, want at most 0")),
    ("net_version", r#"[1]"#, -32602, Exact("too many arguments, want at most 0")),
    ("net_listening", r#"[1]"#, -32602, Exact("too many arguments, want at most 0")),
    ("net_peerCount", r#"[1]"#, -32602, Exact("too many arguments, want at most 0")),
    ("eth_chainId", r#"[1]"#, -32602, Exact("too many arguments, want at most 0")),
    ("eth_syncing", r#"[1]"#, -32602, Exact("too many arguments, want at most 0")),
    ("eth_accounts", r#"[1]"#, -32602, Exact("too many arguments, want at most 0")),
    ("eth_coinbase", r#"[1]"#, -32602, Exact("too many arguments, want at most 0")),
    ("eth_mining", r#"[1]"#, -32602, Exact("too many arguments, want at most 0")),
    ("eth_hashrate", r#"[1]"#, -32602, Exact("too many arguments, want at most 0")),
    ("eth_config", r#"[1]"#, -32602, Exact("too many arguments, want at most 0")),
    ("eth_blockNumber", r#"[1]"#, -32602, Exact("too many arguments, want at most 0")),
    ("eth_gasPrice", r#"[1]"#, -32602, Exact("too many arguments, want at most 0")),
    ("eth_maxPriorityFeePerGas", r#"[1]"#, -32602, Exact("too many arguments, want at most 0")),
    ("eth_blobBaseFee", r#"[1]"#, -32602, Exact("too many arguments, want at most 0")),
    ("eth_newBlockFilter", r#"[1]"#, -32602, Exact("too many arguments, want at most 0")),
    ("txpool_status", r#"[1]"#, -32602, Exact("too many arguments, want at most 0")),
    ("txpool_content", r#"[1]"#, -32602, Exact("too many arguments, want at most 0")),
    ("txpool_inspect", r#"[1]"#, -32602, Exact("too many arguments, want at most 0")),
    ("manifold_syncStatus", r#"[1]"#, -32602, Exact("too many arguments, want at most 0")),
    ("anvil_nodeInfo", r#"[1]"#, -32602, Exact("too many arguments, want at most 0")),
    ("eth_chainId", r#"{}"#, -32602, Exact("non-array args")),
    ("web3_sha3", r#"[]"#, -32602, Exact("missing value for required argument 0")),
    ("web3_sha3", r#"["abcd"]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal hex string without 0x prefix into Go value of type hexutil.Bytes")),
    ("web3_sha3", r#"["0xabc"]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal hex string of odd length into Go value of type hexutil.Bytes")),
    ("web3_sha3", r#"["0xzz"]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal invalid hex string into Go value of type hexutil.Bytes")),
    ("web3_sha3", r#"[1]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal non-string into Go value of type hexutil.Bytes")),
    ("web3_sha3", r#"["0x","0x"]"#, -32602, Exact("too many arguments, want at most 1")),
    ("eth_getBalance", r#"{"address":"0x00000000000000000000000000000000000000aa"}"#, -32602, Exact("non-array args")),
    ("eth_getBalance", r#"[]"#, -32602, Exact("missing value for required argument 0")),
    ("eth_getBalance", r#"["0xaa","latest"]"#, -32602, Exact("invalid argument 0: hex string has length 2, want 40 for common.Address")),
    ("eth_getBalance", r#"["0x00000000000000000000000000000000000000aa00","latest"]"#, -32602, Exact("invalid argument 0: hex string has length 42, want 40 for common.Address")),
    ("eth_getBalance", r#"["0xabc"]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal hex string of odd length into Go value of type common.Address")),
    ("eth_getBalance", r#"["00000000000000000000000000000000000000aa"]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal hex string without 0x prefix into Go value of type common.Address")),
    ("eth_getBalance", r#"[123,"latest"]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal non-string into Go value of type common.Address")),
    ("eth_getBalance", r#"[null,"latest"]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal non-string into Go value of type common.Address")),
    ("eth_getBalance", r#"["0x00000000000000000000000000000000000000aa","0x01"]"#, -32602, Exact("invalid argument 1: hex number with leading zero digits")),
    ("eth_getBalance", r#"["0x00000000000000000000000000000000000000aa","0x"]"#, -32602, Exact("invalid argument 1: hex string \"0x\"")),
    ("eth_getBalance", r#"["0x00000000000000000000000000000000000000aa","12"]"#, -32602, Exact("invalid argument 1: hex string without 0x prefix")),
    ("eth_getBalance", r#"["0x00000000000000000000000000000000000000aa",12]"#, -32602, Exact("invalid argument 1: json: cannot unmarshal number into Go value of type string")),
    ("eth_getBalance", r#"["0x00000000000000000000000000000000000000aa","0x1ffffffffffffffff"]"#, -32602, Exact("invalid argument 1: hex number > 64 bits")),
    ("eth_getBalance", r#"["0x00000000000000000000000000000000000000aa","0x8000000000000000"]"#, -32602, Exact("invalid argument 1: blocknumber too high")),
    ("eth_getBalance", r#"["0x00000000000000000000000000000000000000aa",{"blockNumber":"0x0","blockHash":"0x0000000000000000000000000000000000000000000000000000000000000001"}]"#, -32602, Exact("invalid argument 1: cannot specify both BlockHash and BlockNumber, choose one or the other")),
    ("eth_getBalance", r#"["0x00000000000000000000000000000000000000aa",{}]"#, -32602, Exact("invalid argument 1: must specify either BlockHash or BlockNumber")),
    ("eth_getBalance", r#"["0x00000000000000000000000000000000000000aa",{"blockNumber":"zz"}]"#, -32602, Exact("invalid argument 1: json: cannot unmarshal object into Go value of type string")),
    ("eth_getBalance", r#"["0x00000000000000000000000000000000000000aa","0xzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"]"#, -32602, Exact("invalid argument 1: invalid hex string")),
    ("eth_getBalance", r#"["0x00000000000000000000000000000000000000aa","latest",1]"#, -32602, Exact("too many arguments, want at most 2")),
    ("eth_getTransactionCount", r#"["0xzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz","latest"]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal invalid hex string into Go value of type common.Address")),
    ("eth_getTransactionCount", r#"["0x00000000000000000000000000000000000000aa","latest",{}]"#, -32602, Exact("too many arguments, want at most 2")),
    ("eth_getCode", r#"["0x1234","latest"]"#, -32602, Exact("invalid argument 0: hex string has length 4, want 40 for common.Address")),
    ("eth_getCode", r#"["0x00000000000000000000000000000000000000aa","earliest",1]"#, -32602, Exact("too many arguments, want at most 2")),
    ("eth_getStorageAt", r#"["0x00000000000000000000000000000000000000aa"]"#, -32602, Exact("missing value for required argument 1")),
    ("eth_getStorageAt", r#"["0x00000000000000000000000000000000000000aa",1]"#, -32602, Exact("invalid argument 1: json: cannot unmarshal number into Go value of type string")),
    ("eth_getStorageAt", r#"["0x00000000000000000000000000000000000000aa","0x000000000000000000000000000000000000000000000000000000000000000000"]"#, -32602, Exact("storage key too long (want at most 32 bytes): \"0x000000000000000000000000000000000000000000000000000000000000000000\"")),
    ("eth_getStorageAt", r#"["0x00000000000000000000000000000000000000aa","0xzz"]"#, -32602, Exact("invalid hex in storage key: \"0xzz\"")),
    ("eth_getStorageAt", r#"["0x00000000000000000000000000000000000000aa","0x0","latest",1]"#, -32602, Exact("too many arguments, want at most 3")),
    ("eth_getProof", r#"["0x00000000000000000000000000000000000000aa"]"#, -32602, Exact("missing value for required argument 1")),
    ("eth_getProof", r#"["0x00000000000000000000000000000000000000aa","0x0"]"#, -32602, Exact("invalid argument 1: json: cannot unmarshal string into Go value of type []string")),
    ("eth_getProof", r#"["0x00000000000000000000000000000000000000aa",[1]]"#, -32602, Exact("invalid argument 1: json: cannot unmarshal number into Go value of type string")),
    ("eth_getProof", r#"["0x00000000000000000000000000000000000000aa",["0xzz"]]"#, -32602, Exact("invalid hex in storage key: \"0xzz\"")),
    ("eth_call", r#"[]"#, -32602, Exact("missing value for required argument 0")),
    ("eth_call", r#"["0x"]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal string into Go value of type ethapi.TransactionArgs")),
    ("eth_call", r#"[{"to":"0x1234"}]"#, -32602, Exact("invalid argument 0: hex string has length 4, want 40 for common.Address")),
    ("eth_call", r#"[{"from":"00000000000000000000000000000000000000aa"}]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal hex string without 0x prefix into Go struct field TransactionArgs.from of type common.Address")),
    ("eth_call", r#"[{"gas":"0x01"}]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal hex number with leading zero digits into Go struct field TransactionArgs.gas of type hexutil.Uint64")),
    ("eth_call", r#"[{"value":"0x10000000000000000000000000000000000000000000000000000000000000000"}]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal hex number > 256 bits into Go struct field TransactionArgs.value of type *hexutil.Big")),
    ("eth_call", r#"[{"data":"0xabc"}]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal hex string of odd length into Go struct field TransactionArgs.data of type hexutil.Bytes")),
    ("eth_call", r#"[{},"pending2"]"#, -32602, Exact("invalid argument 1: hex string without 0x prefix")),
    ("eth_call", r#"[{},"latest",{},{},{}]"#, -32602, Exact("too many arguments, want at most 4")),
    ("eth_estimateGas", r#"[{"nonce":5}]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal non-string into Go struct field TransactionArgs.nonce of type hexutil.Uint64")),
    ("eth_estimateGas", r#"[{},"latest",{},1]"#, -32602, Exact("too many arguments, want at most 3")),
    ("eth_createAccessList", r#"[{"input":"zz"}]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal hex string without 0x prefix into Go struct field TransactionArgs.input of type hexutil.Bytes")),
    ("eth_createAccessList", r#"[{},"latest",{}]"#, -32602, Exact("too many arguments, want at most 2")),
    ("eth_getBlockByNumber", r#"[]"#, -32602, Exact("missing value for required argument 0")),
    ("eth_getBlockByNumber", r#"["0xnothex",false]"#, -32602, Exact("invalid argument 0: invalid hex string")),
    ("eth_getBlockByNumber", r#"[1,false]"#, -32602, Exact("invalid argument 0: hex string without 0x prefix")),
    ("eth_getBlockByNumber", r#"["0x00",false]"#, -32602, Exact("invalid argument 0: hex number with leading zero digits")),
    ("eth_getBlockByNumber", r#"["latest","yes"]"#, -32602, Exact("invalid argument 1: json: cannot unmarshal string into Go value of type bool")),
    ("eth_getBlockByNumber", r#"["latest",false,1]"#, -32602, Exact("too many arguments, want at most 2")),
    ("eth_getBlockByHash", r#"["0x1234",false]"#, -32602, Exact("invalid argument 0: hex string has length 4, want 64 for common.Hash")),
    ("eth_getBlockByHash", r#"["0x0000000000000000000000000000000000000000000000000000000000000001",1]"#, -32602, Exact("invalid argument 1: json: cannot unmarshal number into Go value of type bool")),
    ("eth_getBlockTransactionCountByNumber", r#"["0x"]"#, -32602, Exact("invalid argument 0: hex string \"0x\"")),
    ("eth_getBlockTransactionCountByHash", r#"[]"#, -32602, Exact("missing value for required argument 0")),
    ("eth_getUncleCountByBlockNumber", r#"[true]"#, -32602, Exact("invalid argument 0: hex string without 0x prefix")),
    ("eth_getUncleCountByBlockHash", r#"["0x0000000000000000000000000000000000000000000000000000000000000001",1]"#, -32602, Exact("too many arguments, want at most 1")),
    ("eth_getUncleByBlockNumberAndIndex", r#"["latest"]"#, -32602, Exact("missing value for required argument 1")),
    ("eth_getUncleByBlockNumberAndIndex", r#"["latest",0]"#, -32602, Exact("invalid argument 1: json: cannot unmarshal non-string into Go value of type hexutil.Uint")),
    ("eth_getUncleByBlockHashAndIndex", r#"["0x0000000000000000000000000000000000000000000000000000000000000001","0x01"]"#, -32602, Exact("invalid argument 1: json: cannot unmarshal hex number with leading zero digits into Go value of type hexutil.Uint")),
    ("eth_getBlockReceipts", r#"[]"#, -32602, Exact("missing value for required argument 0")),
    ("eth_getBlockReceipts", r#"[null]"#, -32602, Exact("invalid argument 0: must specify either BlockHash or BlockNumber")),
    ("eth_getBlockReceipts", r#"["0xg"]"#, -32602, Exact("invalid argument 0: invalid hex string")),
    ("eth_sendRawTransaction", r#"[]"#, -32602, Exact("missing value for required argument 0")),
    ("eth_sendRawTransaction", r#"["not hex at all"]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal hex string without 0x prefix into Go value of type hexutil.Bytes")),
    ("eth_getTransactionByHash", r#"["0x000000000000000000000000000000000000000000000000000000000000000100"]"#, -32602, Exact("invalid argument 0: hex string has length 66, want 64 for common.Hash")),
    ("eth_getTransactionByHash", r#"[]"#, -32602, Exact("missing value for required argument 0")),
    ("eth_getRawTransactionByHash", r#"[1]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal non-string into Go value of type common.Hash")),
    ("debug_traceTransaction", r#"[1]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal non-string into Go value of type common.Hash")),
    ("debug_traceTransaction", r#"["0x00","0x1","0x2"]"#, -32602, Exact("invalid argument 0: hex string has length 2, want 64 for common.Hash")),
    ("debug_traceCall", r#"[]"#, -32602, Exact("missing value for required argument 0")),
    ("debug_traceBlockByNumber", r#"[]"#, -32602, Exact("missing value for required argument 0")),
    ("debug_traceBlockByHash", r#"[1]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal non-string into Go value of type common.Hash")),
    ("debug_getRawHeader", r#"[]"#, -32602, Exact("missing value for required argument 0")),
    ("debug_getRawBlock", r#"[]"#, -32602, Exact("missing value for required argument 0")),
    ("debug_getRawReceipts", r#"[]"#, -32602, Exact("missing value for required argument 0")),
    ("debug_getRawTransaction", r#"[1]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal non-string into Go value of type common.Hash")),
    ("eth_getTransactionByBlockHashAndIndex", r#"["0x0000000000000000000000000000000000000000000000000000000000000001","0x1",1]"#, -32602, Exact("too many arguments, want at most 2")),
    ("eth_getTransactionByBlockNumberAndIndex", r#"["latest","0x"]"#, -32602, Exact("invalid argument 1: json: cannot unmarshal hex string \"0x\" into Go value of type hexutil.Uint")),
    ("eth_getTransactionReceipt", r#"["0xgggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg"]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal invalid hex string into Go value of type common.Hash")),
    ("eth_feeHistory", r#"[]"#, -32602, Exact("missing value for required argument 0")),
    ("eth_feeHistory", r#"["ten","latest"]"#, -32602, Exact("invalid argument 0: invalid hex or decimal integer \"ten\"")),
    ("eth_feeHistory", r#"["0x1"]"#, -32602, Exact("missing value for required argument 1")),
    ("eth_feeHistory", r#"["0x1","latest","x"]"#, -32602, Exact("invalid argument 2: json: cannot unmarshal string into Go value of type []float64")),
    ("eth_feeHistory", r#"["0x1","latest",["a"]]"#, -32602, Exact("invalid argument 2: json: cannot unmarshal string into Go value of type float64")),
    ("eth_getLogs", r#"[]"#, -32602, Exact("missing value for required argument 0")),
    ("eth_getLogs", r#"["latest"]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal string into Go value of type filters.input")),
    ("eth_getLogs", r#"[{"fromBlock":"0x2","toBlock":"0x1"}]"#, -32602, Exact("invalid block range params")),
    ("eth_getLogs", r#"[{"fromBlock":"0x0","toBlock":"0x5"}]"#, -32602, Exact("block range extends beyond current head block")),
    ("eth_getLogs", r#"[{"fromBlock":"0x5"}]"#, -32602, Exact("invalid block range params")),
    ("eth_getLogs", r#"[{"blockHash":"0x0000000000000000000000000000000000000000000000000000000000000001","fromBlock":"0x0"}]"#, -32602, Exact("invalid argument 0: cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other")),
    ("eth_getLogs", r#"[{"fromBlock":"pending"}]"#, -32602, Exact("pending logs are not supported")),
    ("eth_getLogs", r#"[{"fromBlock":1}]"#, -32602, Exact("invalid argument 0: hex string without 0x prefix")),
    ("eth_getLogs", r#"[{"address":"0x1234"}]"#, -32602, Exact("invalid argument 0: invalid address: hex has invalid length 2 after decoding; expected 20 for address")),
    ("eth_getLogs", r#"[{"address":["0x00000000000000000000000000000000000000aa",5]}]"#, -32602, Exact("invalid argument 0: non-string address at index 1")),
    ("eth_getLogs", r#"[{"address":5}]"#, -32602, Exact("invalid argument 0: invalid addresses in query")),
    ("eth_getLogs", r#"[{"topics":["0x12"]}]"#, -32602, Exact("invalid argument 0: hex has invalid length 1 after decoding; expected 32 for topic")),
    ("eth_getLogs", r#"[{"topics":[5]}]"#, -32602, Exact("invalid argument 0: invalid topic(s)")),
    ("eth_getLogs", r#"[{"topics":[null,null,null,null,null]}]"#, -32602, Exact("invalid argument 0: exceed max topics")),
    ("eth_getLogs", r#"[{"blockHash":"0x12"}]"#, -32602, Exact("invalid argument 0: hex string has length 2, want 64 for common.Hash")),
    ("eth_getLogs", r#"[{"topics":"x"}]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal string into Go struct field input.topics of type []interface {}")),
    ("eth_getLogs", r#"[{},1]"#, -32602, Exact("too many arguments, want at most 1")),
    ("eth_newFilter", r#"[{"fromBlock":"0x2","toBlock":"0x1"}]"#, -32602, Exact("invalid block range params")),
    ("eth_newFilter", r#"[{"fromBlock":"latest","toBlock":"0x1"}]"#, -32602, Exact("invalid block range params")),
    ("eth_newFilter", r#"[{"blockHash":"0x0000000000000000000000000000000000000000000000000000000000000001","toBlock":"latest"}]"#, -32602, Exact("invalid argument 0: cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other")),
    ("eth_newFilter", r#"[{"toBlock":"pending"}]"#, -32602, Exact("pending logs are not supported")),
    ("eth_getFilterChanges", r#"[]"#, -32602, Exact("missing value for required argument 0")),
    ("eth_getFilterChanges", r#"[1]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal number into Go value of type rpc.ID")),
    ("eth_getFilterLogs", r#"[{}]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal object into Go value of type rpc.ID")),
    ("eth_uninstallFilter", r#"["0x1",2]"#, -32602, Exact("too many arguments, want at most 1")),
    ("eth_subscribe", r#"["newHeads"]"#, -32601, Exact("notifications not supported")),
    ("eth_unsubscribe", r#"[]"#, -32602, Exact("missing value for required argument 0")),
    ("eth_unsubscribe", r#"["0x1",2]"#, -32602, Exact("too many arguments, want at most 1")),
    ("txpool_contentFrom", r#"[]"#, -32602, Exact("missing value for required argument 0")),
    ("txpool_contentFrom", r#"["0x12"]"#, -32602, Exact("invalid argument 0: hex string has length 2, want 40 for common.Address")),
    ("manifold_sendTransaction", r#"["zz"]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal hex string without 0x prefix into Go value of type hexutil.Bytes")),
    ("manifold_sendTransaction", r#"["0x02f8608094111111111111111111111111111111111111111180a00000000000000000000000002222222222222222222222222222222222222222018252088001a0333333333333333333333333333333333333333333333333333333333333333380"]"#, -32000, Exact("deposit transactions come only from the L1 portal")),
    ("manifold_transactionStatus", r#"["0x12"]"#, -32602, Exact("invalid argument 0: hex string has length 2, want 64 for common.Hash")),
    ("evm_mine", r#"["x"]"#, -32602, Prefix("invalid argument 0: ")),
    ("evm_mine", r#"[{},1]"#, -32602, Exact("too many arguments, want at most 1")),
    ("evm_increaseTime", r#"[]"#, -32602, Exact("missing value for required argument 0")),
    ("evm_increaseTime", r#"["ten"]"#, -32602, Exact("invalid argument 0: invalid quantity \"ten\"")),
    ("evm_setNextBlockTimestamp", r#"[true]"#, -32602, Exact("invalid argument 0: invalid quantity: want a hex or decimal integer")),
    ("evm_setAutomine", r#"["yes"]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal string into Go value of type bool")),
    ("evm_snapshot", r#"[0]"#, -32602, Exact("too many arguments, want at most 0")),
    ("evm_revert", r#"[]"#, -32602, Exact("missing value for required argument 0")),
    ("evm_revert", r#"["zero"]"#, -32602, Exact("invalid argument 0: invalid quantity \"zero\"")),
    ("anvil_snapshot", r#"[0]"#, -32602, Exact("too many arguments, want at most 0")),
    ("anvil_revert", r#"[{}]"#, -32602, Prefix("invalid argument 0: ")),
    ("anvil_mine", r#"["x"]"#, -32602, Exact("invalid argument 0: invalid quantity \"x\"")),
    ("anvil_setIntervalMining", r#"[]"#, -32602, Exact("missing value for required argument 0")),
    ("anvil_setBalance", r#"["0x00000000000000000000000000000000000000aa"]"#, -32602, Exact("missing value for required argument 1")),
    ("anvil_setBalance", r#"["0x00000000000000000000000000000000000000aa","zz"]"#, -32602, Prefix("invalid argument 1: ")),
    ("anvil_setCode", r#"["0x00000000000000000000000000000000000000aa","zz"]"#, -32602, Exact("invalid argument 1: json: cannot unmarshal hex string without 0x prefix into Go value of type hexutil.Bytes")),
    ("anvil_setNonce", r#"["0x00000000000000000000000000000000000000aa","x"]"#, -32602, Exact("invalid argument 1: invalid quantity \"x\"")),
    ("anvil_setStorageAt", r#"["0x00000000000000000000000000000000000000aa","0xzz","0x1"]"#, -32602, Exact("invalid hex in storage key: \"0xzz\"")),
    ("anvil_impersonateAccount", r#"["0x12"]"#, -32602, Exact("invalid argument 0: hex string has length 2, want 40 for common.Address")),
    ("anvil_stopImpersonatingAccount", r#"[]"#, -32602, Exact("missing value for required argument 0")),
    ("hardhat_impersonateAccount", r#"[1]"#, -32602, Exact("invalid argument 0: json: cannot unmarshal non-string into Go value of type common.Address")),
    ("hardhat_stopImpersonatingAccount", r#"["0x00000000000000000000000000000000000000aa",1]"#, -32602, Exact("too many arguments, want at most 1")),
    ("eth_sendTransaction", r#"[{"from":"0x12"}]"#, -32602, Exact("invalid argument 0: hex string has length 2, want 40 for common.Address")),
    ("eth_sendTransaction", r#"[]"#, -32602, Exact("missing value for required argument 0")),
];

#[tokio::test]
async fn malformed_params_get_geths_errors_without_data() {
    let (server, addr, _dir) = serve().await;
    let mut failures = Vec::new();
    for (method, params, code, expected) in TABLE {
        let params: Value = serde_json::from_str(params).unwrap();
        let answer = post(addr, &call(1, method, Some(params.clone())).to_string()).await;
        let error = &answer["error"];
        let message = error["message"].as_str().unwrap_or_default();
        let fits = match expected {
            Exact(text) => message == *text,
            Prefix(text) => message.starts_with(text) && message.len() > text.len(),
        };
        let members: BTreeSet<&str> =
            error.as_object().map(|e| e.keys().map(String::as_str).collect()).unwrap_or_default();
        if error["code"] != json!(code) || !fits || members != BTreeSet::from(["code", "message"]) {
            failures.push(format!("{method} {params}: {answer}"));
        }
    }
    server.stop().unwrap();
    assert!(failures.is_empty(), "{} rows fail:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn the_table_covers_every_method() {
    let covered: BTreeSet<&str> = TABLE.iter().map(|(method, ..)| *method).collect();
    let missing: Vec<&str> =
        method_names().into_iter().filter(|name| !covered.contains(name)).collect();
    assert!(missing.is_empty(), "methods without a row: {missing:?}");
}
