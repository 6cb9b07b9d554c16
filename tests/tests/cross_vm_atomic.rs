//! One transaction across the three VMs, through the RPC: `CrossVm.sol` moves tokens of the
//! WebAssembly ERC-20 (`tests/wasm/out/erc20.wasm`), pays lamports from its own Solana address
//! to a fresh Solana account with the System program (through the Solana precompile), and
//! calls back into the EVM. When the last step succeeds, all three VMs' changes are there
//! (seen through both the Ethereum and the Solana RPC); when it fails, every one of them is
//! rolled back and the sender still pays the gas.

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol,
    sol_types::{SolCall, SolError},
};
use e2e::{RawRpc, TestNode, dev_accounts, wait_receipt};
use execution::wasm::{deploy_initcode, encode_program};
use serde_json::{Value, json};

const ERC20_WASM: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/wasm/out/erc20.wasm"));
const CROSS_VM_JSON: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/contracts/out/CrossVm.json"));

sol! {
    function initialize(string name, string symbol, uint256 supply);
    function transfer(address to, uint256 amount) returns (bool);
    function balanceOf(address owner) returns (uint256);
    function run(address token, address to, uint256 amount, bytes32 solanaRecipient, uint64 lamports, bool failLast);
    function completed() returns (uint256);
    function solanaAddress() returns (bytes32);
}

const GWEI: u128 = 1_000_000_000;

/// Sends `tx`; its status, gas used and what it paid for gas.
async fn send(node: &TestNode, tx: TransactionRequest) -> eyre::Result<(bool, u64, u128)> {
    let hash = *node.provider.send_transaction(tx).await?.tx_hash();
    let receipt = wait_receipt(&node.provider, hash).await?;
    let paid = u128::from(receipt.gas_used) * receipt.effective_gas_price;
    Ok((receipt.status(), receipt.gas_used, paid))
}

async fn call(node: &TestNode, to: Address, data: Vec<u8>) -> eyre::Result<Bytes> {
    let request = TransactionRequest::default().with_to(to).with_input(Bytes::from(data));
    Ok(node.provider.call(request).await?)
}

async fn tokens(node: &TestNode, token: Address, owner: Address) -> eyre::Result<U256> {
    let out = call(node, token, balanceOfCall { owner }.abi_encode()).await?;
    Ok(balanceOfCall::abi_decode_returns(&out)?)
}

async fn completed_runs(node: &TestNode, cross: Address) -> eyre::Result<U256> {
    let out = call(node, cross, completedCall {}.abi_encode()).await?;
    Ok(completedCall::abi_decode_returns(&out)?)
}

/// Lamports of `key` through the Solana RPC (0 for no account).
async fn lamports(solana: &RawRpc, key: B256) -> eyre::Result<u64> {
    let key = bs58::encode(key).into_string();
    let answer = solana.call("getBalance", json!([key, {"commitment": "confirmed"}])).await?;
    answer["value"].as_u64().ok_or_else(|| eyre::eyre!("getBalance answered {answer}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_last_step_rolls_back_wasm_tokens_solana_lamports_and_evm_state()
-> eyre::Result<()> {
    let node = TestNode::start().await?;
    let (http, _) =
        node.handle().solana_rpc_addrs.ok_or_else(|| eyre::eyre!("no Solana RPC served"))?;
    let solana = RawRpc::new(format!("http://{http}").parse()?);
    let owner = dev_accounts()[0].address;

    // The WASM token, its supply with the owner.
    let code = Bytes::from(deploy_initcode(&encode_program(ERC20_WASM)));
    let hash = *node
        .provider
        .send_transaction(TransactionRequest::default().with_deploy_code(code))
        .await?
        .tx_hash();
    let token = wait_receipt(&node.provider, hash).await?.contract_address.expect("created");
    let supply = U256::from(10u128.pow(24));
    let init = initializeCall { name: "Wasm".into(), symbol: "WSM".into(), supply }.abi_encode();
    assert!(send(&node, TransactionRequest::default().with_to(token).with_input(init)).await?.0);

    // CrossVm, holding 1,000 tokens.
    let artifact: Value = serde_json::from_str(CROSS_VM_JSON)?;
    let bytecode: Bytes = artifact["bytecode"].as_str().unwrap_or_default().parse()?;
    let hash = *node
        .provider
        .send_transaction(TransactionRequest::default().with_deploy_code(bytecode))
        .await?
        .tx_hash();
    let cross = wait_receipt(&node.provider, hash).await?.contract_address.expect("created");
    let fund = transferCall { to: cross, amount: U256::from(1_000) }.abi_encode();
    assert!(send(&node, TransactionRequest::default().with_to(token).with_input(fund)).await?.0);
    let own_key = solanaAddressCall::abi_decode_returns(
        &call(&node, cross, solanaAddressCall {}.abi_encode()).await?,
    )?;
    let mut expected_key = [0u8; 32];
    expected_key[12..].copy_from_slice(cross.as_slice());
    assert_eq!(own_key, B256::from(expected_key), "a contract's Solana address is its account id");

    let recipient = Address::repeat_byte(0x77);
    let solana_recipient = B256::repeat_byte(0x3c);
    let sol = 1_000_000_000u64; // 1 SOL: a new system account must be rent-exempt
    let run = |fail_last: bool| {
        let data = runCall {
            token,
            to: recipient,
            amount: U256::from(100),
            solanaRecipient: solana_recipient,
            lamports: sol,
            failLast: fail_last,
        };
        TransactionRequest::default()
            .with_to(cross)
            .with_input(data.abi_encode())
            .with_value(U256::from(2 * u128::from(sol) * GWEI))
    };

    // Last step fails: eth_call and eth_estimateGas say why, and a sent one changes nothing in
    // any VM but the sender's balance, which pays the gas.
    let failing = node.provider.call(run(true)).await.expect_err("the last step reverts");
    let data = failing.as_error_resp().and_then(|e| e.as_revert_data()).expect("revert data");
    let reason = alloy::sol_types::Revert::abi_decode(&data)?.reason;
    assert_eq!(reason, "last step failed");
    assert!(node.provider.estimate_gas(run(true)).await.is_err());
    let before = node.provider.get_balance(owner).await?;
    let (ok, gas_used, paid) = send(&node, run(true).with_gas_limit(500_000)).await?;
    assert!(!ok, "the transaction reverts");
    // All three steps ran before the revert, and their gas is charged.
    assert!(gas_used > 60_000, "gas used {gas_used}");
    assert_eq!(node.provider.get_balance(owner).await?, before - U256::from(paid));
    assert_eq!(tokens(&node, token, recipient).await?, U256::ZERO);
    assert_eq!(tokens(&node, token, cross).await?, U256::from(1_000));
    assert_eq!(lamports(&solana, solana_recipient).await?, 0);
    assert_eq!(completed_runs(&node, cross).await?, U256::ZERO);
    assert_eq!(node.provider.get_balance(cross).await?, U256::ZERO);

    // Last step succeeds: the WASM tokens moved, the Solana account holds the lamports (out of
    // the contract's EVM balance), and the EVM callback's state is kept.
    let hash = *node.provider.send_transaction(run(false)).await?.tx_hash();
    assert!(wait_receipt(&node.provider, hash).await?.status(), "the transaction succeeds");
    // Replayed for a trace (the block's transactions again, Solana calls included), it shows
    // the call into the Solana precompile.
    let trace =
        node.rpc.call("debug_traceTransaction", json!([hash, {"tracer": "callTracer"}])).await?;
    let text = trace.to_string().to_lowercase();
    assert!(text.contains("0x0000000000000000000000000000000000000500"), "{trace}");
    assert_eq!(tokens(&node, token, recipient).await?, U256::from(100));
    assert_eq!(tokens(&node, token, cross).await?, U256::from(900));
    assert_eq!(lamports(&solana, solana_recipient).await?, sol);
    assert_eq!(completed_runs(&node, cross).await?, U256::from(1));
    let left = U256::from(u128::from(sol) * GWEI);
    assert_eq!(node.provider.get_balance(cross).await?, left);
    let cross_key = B256::from(expected_key);
    assert_eq!(lamports(&solana, cross_key).await?, sol, "one balance, seen from Solana");
    Ok(())
}
