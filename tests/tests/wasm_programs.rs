//! A WebAssembly program on a running node: the C Stylus ERC-20 (`tests/wasm/out/erc20.wasm`)
//! deployed through the RPC with an ordinary creation, its compiled form kept in the data
//! directory, still answering after a restart, and re-executed by a follower deriving the
//! chain from DA to the same blocks and state roots.

use std::path::Path;

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::Provider,
    rpc::types::TransactionRequest,
};
use e2e::{TestNode, assert_same_chain, dev_accounts, sync_status, wait_receipt};
use execution::wasm::{deploy_initcode, encode_program};

const ERC20_WASM: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/wasm/out/erc20.wasm"));

fn selector(signature: &str) -> Vec<u8> {
    keccak256(signature)[..4].to_vec()
}

fn word(value: U256) -> [u8; 32] {
    value.to_be_bytes()
}

fn address_word(address: Address) -> [u8; 32] {
    let mut out = [0u8; 32];
    out[12..].copy_from_slice(address.as_slice());
    out
}

/// `initialize("Wasm", "WSM", supply)`.
fn initialize(supply: U256) -> Vec<u8> {
    let mut data = selector("initialize(string,string,uint256)");
    data.extend(word(U256::from(0x60)));
    data.extend(word(U256::from(0xa0)));
    data.extend(word(supply));
    for s in ["Wasm", "WSM"] {
        data.extend(word(U256::from(s.len())));
        let mut padded = s.as_bytes().to_vec();
        padded.resize(32, 0);
        data.extend(padded);
    }
    data
}

async fn send(
    node: &TestNode,
    tx: TransactionRequest,
) -> eyre::Result<alloy::rpc::types::TransactionReceipt> {
    let hash = *node.provider.send_transaction(tx).await?.tx_hash();
    let receipt = wait_receipt(&node.provider, hash).await?;
    assert!(receipt.status(), "transaction failed: {receipt:?}");
    Ok(receipt)
}

async fn balance_of(node: &TestNode, token: Address, owner: Address) -> eyre::Result<U256> {
    let mut data = selector("balanceOf(address)");
    data.extend(address_word(owner));
    let call = TransactionRequest::default().with_to(token).with_input(Bytes::from(data));
    Ok(U256::from_be_slice(&node.provider.call(call).await?))
}

/// The compiled artifacts in the node's WASM cache directory.
fn artifacts(data_dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let Ok(engines) = std::fs::read_dir(data_dir.join(sequencer::node::WASM_CACHE_DIR)) else {
        return found;
    };
    for engine in engines.flatten() {
        for file in std::fs::read_dir(engine.path()).into_iter().flatten().flatten() {
            found.push(file.path());
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wasm_erc20_survives_a_restart_and_a_follower_re_executes_it() -> eyre::Result<()> {
    let mut sequencer = TestNode::start().await?;
    let [owner, recipient] = [dev_accounts()[0].address, Address::repeat_byte(0x77)];
    let code = encode_program(ERC20_WASM);
    let deployed = send(
        &sequencer,
        TransactionRequest::default().with_deploy_code(Bytes::from(deploy_initcode(&code))),
    )
    .await?;
    let token = deployed.contract_address.expect("a creation receipt has contractAddress");
    assert_eq!(sequencer.provider.get_code_at(token).await?, Bytes::from(code.clone()));
    let supply = U256::from(10u128.pow(24));
    let init =
        TransactionRequest::default().with_to(token).with_input(Bytes::from(initialize(supply)));
    send(&sequencer, init).await?;
    let mut transfer = selector("transfer(address,uint256)");
    transfer.extend(address_word(recipient));
    transfer.extend(word(U256::from(1234)));
    let receipt = send(
        &sequencer,
        TransactionRequest::default().with_to(token).with_input(Bytes::from(transfer)),
    )
    .await?;
    assert_eq!(receipt.inner.logs().len(), 1, "one Transfer event");
    assert_eq!(balance_of(&sequencer, token, recipient).await?, U256::from(1234));
    assert_eq!(balance_of(&sequencer, token, owner).await?, supply - U256::from(1234));

    // The compiled program is in the data directory, named by its code hash.
    let code_hash = B256::from(keccak256(&code));
    let kept = artifacts(&sequencer.config.data_dir);
    assert!(
        kept.iter().any(|path| path.file_name().unwrap().to_string_lossy() == format!("{code_hash}.cwasm")),
        "{kept:?}"
    );

    // After a restart the program answers as before.
    sequencer.restart().await?;
    assert_eq!(balance_of(&sequencer, token, recipient).await?, U256::from(1234));

    // A follower derives the chain from DA, re-executing the program, to the same blocks.
    let head = sync_status(&sequencer.rpc).await?.unsafe_head;
    let follower = sequencer.local_da_follower(head).await?;
    assert_same_chain(&sequencer, &follower, head).await?;
    assert_eq!(balance_of(&follower, token, recipient).await?, U256::from(1234));
    Ok(())
}
