//! The `eth_` flow a wallet or dapp goes through, against an in-process node: chain id and
//! funding, transfers of every transaction type with exact fee accounting, an ERC-20 deployed
//! and used (calls, logs, revert reasons), blocks/transactions/receipts queries, and
//! `eth_getProof` verified against the block's state root.

use alloy::{
    consensus::{Transaction as _, TxType},
    eips::Typed2718,
    eips::{BlockId, BlockNumberOrTag},
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::Provider,
    rpc::types::{AccessList, AccessListItem, Filter, TransactionRequest},
    sol_types::{Revert, SolCall, SolError, SolEvent, SolValue},
};
use alloy_trie::{EMPTY_ROOT_HASH, KECCAK_EMPTY, Nibbles, TrieAccount, proof::verify_proof};
use e2e::{
    CHAIN_ID, ETHER, FEE_VAULT, IToken, TestNode, TokenArtifact, dev_accounts, error_payload,
    wait_receipt,
};
use serde_json::json;

const DEV_BALANCE: u128 = 10_000 * ETHER;
const REVERT_REASON: &str = "ERC20: transfer amount exceeds balance";

async fn balance(node: &TestNode, address: Address) -> eyre::Result<U256> {
    Ok(node.provider.get_balance(address).await?)
}

#[tokio::test(flavor = "multi_thread")]
async fn chain_id_and_dev_accounts_are_funded() -> eyre::Result<()> {
    let node = TestNode::start().await?;
    assert_eq!(node.provider.get_chain_id().await?, CHAIN_ID);
    assert_eq!(node.rpc.call("eth_chainId", json!([])).await?, json!("0x7a69"));
    assert_eq!(node.rpc.call("net_version", json!([])).await?, json!("31337"));
    for account in dev_accounts() {
        assert_eq!(balance(&node, account.address).await?, U256::from(DEV_BALANCE));
        assert_eq!(node.provider.get_transaction_count(account.address).await?, 0);
    }
    assert_eq!(balance(&node, Address::repeat_byte(0x77)).await?, U256::ZERO);
    // Genesis is block 0 (empty blocks follow every block time, see `empty_blocks.rs`).
    let genesis = node
        .provider
        .get_block_by_number(BlockNumberOrTag::Earliest)
        .await?
        .expect("genesis block");
    assert_eq!(genesis.header.number, 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn eip1559_transfer_moves_value_and_pays_fees_to_the_vault() -> eyre::Result<()> {
    // Blocks only with transactions: the scheduler's metrics below count this one block.
    let node = TestNode::start_with(|c| c.chain.empty_blocks = false).await?;
    let from = dev_accounts()[0].address;
    let to = Address::random();
    let value = U256::from(ETHER);
    let from_before = balance(&node, from).await?;
    let vault_before = balance(&node, FEE_VAULT).await?;

    // Default fillers: nonce, gas (eth_estimateGas), fees (eth_feeHistory), chain id.
    let tx = TransactionRequest::default().with_to(to).with_value(value);
    let hash = *node.provider.send_transaction(tx).await?.tx_hash();
    let receipt = wait_receipt(&node.provider, hash).await?;

    assert!(receipt.status(), "receipt {receipt:?}");
    assert_eq!(receipt.transaction_hash, hash);
    assert_eq!(receipt.from, from);
    assert_eq!(receipt.to, Some(to));
    assert_eq!(receipt.gas_used, 21_000);
    assert_eq!(receipt.inner.tx_type(), TxType::Eip1559);
    let fee = U256::from(receipt.gas_used) * U256::from(receipt.effective_gas_price);
    assert!(fee > U256::ZERO, "a transfer costs something");

    let from_after = balance(&node, from).await?;
    assert_eq!(from_before - from_after, value + fee, "sender pays value + gasUsed * price");
    assert_eq!(balance(&node, to).await?, value);
    assert_eq!(
        balance(&node, FEE_VAULT).await? - vault_before,
        fee,
        "the fee vault receives base and priority fees"
    );
    assert_eq!(node.provider.get_transaction_count(from).await?, 1);

    // The effective price is min(maxFee, baseFee + tip) of the including block.
    let block = node
        .provider
        .get_block_by_number(receipt.block_number.expect("mined").into())
        .await?
        .expect("including block");
    let base_fee = u128::from(block.header.base_fee_per_gas.expect("london block"));
    let tx = node.provider.get_transaction_by_hash(hash).await?.expect("tx by hash");
    let expected = tx.inner.effective_gas_price(Some(base_fee as u64));
    assert_eq!(receipt.effective_gas_price, expected);
    assert!(receipt.effective_gas_price >= base_fee);

    // The block went through the scheduler, which ran a one-transaction block sequentially.
    let metrics = node.handle().ctx.metrics.encode();
    assert!(
        metrics.contains("manifold_blocks_executed_total{strategy=\"sequential\"} 1\n"),
        "{metrics}"
    );
    assert!(metrics.contains("manifold_parallel_aborts_total 0\n"), "{metrics}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn legacy_eip155_and_eip2930_transfers_are_mined() -> eyre::Result<()> {
    let node = TestNode::start().await?;
    let from = dev_accounts()[1].address;
    let to = Address::random();
    let gas_price = node.provider.get_gas_price().await? * 2;
    let mut spent = U256::ZERO;

    // Legacy with EIP-155 replay protection (chain id filled by the provider).
    let legacy = TransactionRequest::default()
        .with_from(from)
        .with_to(to)
        .with_value(U256::from(1_000))
        .with_gas_price(gas_price)
        .with_gas_limit(21_000);
    let hash = *node.provider.send_transaction(legacy).await?.tx_hash();
    let receipt = wait_receipt(&node.provider, hash).await?;
    assert!(receipt.status());
    assert_eq!(receipt.inner.tx_type(), TxType::Legacy);
    assert_eq!(receipt.effective_gas_price, gas_price);
    spent += U256::from(1_000) + U256::from(receipt.gas_used) * U256::from(gas_price);
    let tx = node.provider.get_transaction_by_hash(hash).await?.expect("legacy tx");
    assert_eq!(tx.inner.chain_id(), Some(CHAIN_ID), "EIP-155 chain id is kept");
    assert_eq!(tx.inner.ty(), 0);

    // EIP-2930 with an access list: gas = 21000 + 2400 (address) + 1900 (slot).
    let access_list =
        AccessList(vec![AccessListItem { address: to, storage_keys: vec![B256::ZERO] }]);
    let eip2930 = TransactionRequest::default()
        .with_from(from)
        .with_to(to)
        .with_value(U256::from(2_000))
        .with_gas_price(gas_price)
        .with_access_list(access_list.clone())
        .with_gas_limit(30_000);
    let hash = *node.provider.send_transaction(eip2930).await?.tx_hash();
    let receipt = wait_receipt(&node.provider, hash).await?;
    assert!(receipt.status());
    assert_eq!(receipt.inner.tx_type(), TxType::Eip2930);
    assert_eq!(receipt.gas_used, 21_000 + 2_400 + 1_900);
    spent += U256::from(2_000) + U256::from(receipt.gas_used) * U256::from(gas_price);
    let tx = node.provider.get_transaction_by_hash(hash).await?.expect("2930 tx");
    assert_eq!(tx.inner.ty(), 1);
    assert_eq!(tx.inner.access_list(), Some(&access_list));

    assert_eq!(balance(&node, to).await?, U256::from(3_000));
    assert_eq!(balance(&node, from).await?, U256::from(DEV_BALANCE) - spent);
    assert_eq!(node.provider.get_transaction_count(from).await?, 2);
    Ok(())
}

/// Deploys Token.json from dev account 0 with `supply`; returns its address.
async fn deploy_token(node: &TestNode, supply: U256) -> eyre::Result<Address> {
    let artifact = TokenArtifact::load()?;
    let deploy = TransactionRequest::default().with_deploy_code(artifact.deploy_code(
        "Manifold Token",
        "MFT",
        supply,
    ));
    let hash = *node.provider.send_transaction(deploy).await?.tx_hash();
    let receipt = wait_receipt(&node.provider, hash).await?;
    assert!(receipt.status(), "deployment reverted: {receipt:?}");
    let address = receipt.contract_address.expect("deployment receipt has contractAddress");
    assert_eq!(address, dev_accounts()[0].address.create(0));
    let code = node.provider.get_code_at(address).await?;
    match artifact.deployed_bytecode {
        Some(runtime) => assert_eq!(code, runtime, "runtime code equals the artifact's"),
        None => assert!(!code.is_empty()),
    }
    Ok(address)
}

#[tokio::test(flavor = "multi_thread")]
async fn erc20_deploy_call_transfer_and_logs() -> eyre::Result<()> {
    let node = TestNode::start().await?;
    let [owner, recipient] = [dev_accounts()[0].address, dev_accounts()[1].address];
    let supply = U256::from(1_000_000u64) * U256::from(ETHER);
    let address = deploy_token(&node, supply).await?;
    let token = IToken::new(address, &node.provider);

    assert_eq!(token.name().call().await?, "Manifold Token");
    assert_eq!(token.symbol().call().await?, "MFT");
    assert_eq!(token.totalSupply().call().await?, supply);
    assert_eq!(token.balanceOf(owner).call().await?, supply);
    assert_eq!(token.balanceOf(recipient).call().await?, U256::ZERO);

    let amount = U256::from(1234u64) * U256::from(ETHER);
    let hash = *token.transfer(recipient, amount).send().await?.tx_hash();
    let receipt = wait_receipt(&node.provider, hash).await?;
    assert!(receipt.status());
    assert_eq!(receipt.inner.logs().len(), 1);
    let in_receipt = receipt.inner.logs()[0].log_decode::<IToken::Transfer>()?;
    assert_eq!(
        (in_receipt.inner.from, in_receipt.inner.to, in_receipt.inner.value),
        (owner, recipient, amount)
    );
    assert_eq!(token.balanceOf(owner).call().await?, supply - amount);
    assert_eq!(token.balanceOf(recipient).call().await?, amount);

    // All Transfer events of the token: the mint in the constructor, then the transfer.
    let all = Filter::new()
        .address(address)
        .event_signature(IToken::Transfer::SIGNATURE_HASH)
        .from_block(0);
    let logs = node.provider.get_logs(&all).await?;
    assert_eq!(logs.len(), 2, "mint + transfer: {logs:?}");
    let mint = logs[0].log_decode::<IToken::Transfer>()?;
    assert_eq!((mint.inner.from, mint.inner.to, mint.inner.value), (Address::ZERO, owner, supply));

    // By indexed `to` (topic 2): only the transfer, with its position in the chain.
    let to_recipient = all.clone().topic2(recipient.into_word());
    let logs = node.provider.get_logs(&to_recipient).await?;
    assert_eq!(logs.len(), 1, "{logs:?}");
    let log = &logs[0];
    assert_eq!(log.address(), address);
    assert_eq!(log.topics()[0], IToken::Transfer::SIGNATURE_HASH);
    assert_eq!(log.topics()[1], owner.into_word());
    assert_eq!(log.topics()[2], recipient.into_word());
    assert_eq!(U256::abi_decode(&log.data().data)?, amount);
    assert_eq!(log.transaction_hash, Some(hash));
    assert_eq!(log.block_hash, receipt.block_hash);
    assert_eq!(log.block_number, receipt.block_number);
    assert_eq!(log.log_index, Some(0));

    // By indexed `from` (topic 1) = the owner: the transfer only (the mint is from 0x0).
    let from_owner = all.clone().topic1(owner.into_word());
    assert_eq!(node.provider.get_logs(&from_owner).await?.len(), 1);
    // Another event signature, another address, a block range before the transfer: nothing.
    let approvals =
        Filter::new().address(address).event_signature(IToken::Approval::SIGNATURE_HASH);
    assert!(node.provider.get_logs(&approvals.from_block(0)).await?.is_empty());
    let elsewhere = all.clone().address(Address::repeat_byte(1));
    assert!(node.provider.get_logs(&elsewhere).await?.is_empty());
    let transfer_block = receipt.block_number.expect("mined");
    let before = all.clone().to_block(transfer_block - 1).topic2(recipient.into_word());
    assert!(node.provider.get_logs(&before).await?.is_empty());
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn revert_reason_is_returned_by_call_and_estimate_gas() -> eyre::Result<()> {
    let node = TestNode::start().await?;
    let [owner, recipient] = [dev_accounts()[0].address, dev_accounts()[1].address];
    let supply = U256::from(1_000u64);
    let address = deploy_token(&node, supply).await?;
    let calldata = Bytes::from(
        IToken::transferCall { to: recipient, amount: supply + U256::from(1) }.abi_encode(),
    );
    let expected_data = Revert::from(REVERT_REASON).abi_encode();
    let call = json!({"from": owner, "to": address, "data": calldata});

    for method in ["eth_call", "eth_estimateGas"] {
        let params = if method == "eth_call" { json!([call, "latest"]) } else { json!([call]) };
        let error = node.rpc.expect_error(method, params).await?;
        assert_eq!(error.code, 3, "{method}: {error:?}");
        assert_eq!(error.message, format!("execution reverted: {REVERT_REASON}"), "{method}");
        let data: Bytes = error
            .data
            .as_ref()
            .and_then(|d| d.as_str())
            .ok_or_else(|| eyre::eyre!("{method}: no revert data in {error:?}"))?
            .parse()?;
        assert_eq!(data.as_ref(), expected_data.as_slice(), "{method}: revert data");
        assert_eq!(Revert::abi_decode(&data)?.reason, REVERT_REASON);
    }

    // Through alloy's contract binding too.
    let token = IToken::new(address, &node.provider);
    let error = token
        .transfer(recipient, supply + U256::from(1))
        .from(owner)
        .call()
        .await
        .expect_err("over-balance transfer reverts");
    let reason = error.as_decoded_error::<Revert>().map(|r| r.reason);
    assert_eq!(reason.as_deref(), Some(REVERT_REASON), "{error:?}");
    let alloy::contract::Error::TransportError(transport) = token
        .transfer(recipient, supply + U256::from(1))
        .from(owner)
        .estimate_gas()
        .await
        .expect_err("estimate of an over-balance transfer fails")
    else {
        panic!("estimateGas failed without a JSON-RPC error");
    };
    let payload = error_payload(&transport).expect("JSON-RPC error object");
    assert_eq!(payload.message, format!("execution reverted: {REVERT_REASON}"));

    // A transfer within the balance is fine for both.
    let ok = IToken::transferCall { to: recipient, amount: supply }.abi_encode();
    let ok_call = json!({"from": owner, "to": address, "data": Bytes::from(ok)});
    let result = node.rpc.call("eth_call", json!([ok_call, "latest"])).await?;
    assert_eq!(result, json!(format!("0x{}", "0".repeat(63) + "1")));
    let gas = node.rpc.call("eth_estimateGas", json!([ok_call])).await?;
    let gas = u64::from_str_radix(gas.as_str().unwrap_or_default().trim_start_matches("0x"), 16)?;
    assert!(gas > 21_000 && gas < 200_000, "estimate {gas}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn blocks_transactions_and_receipts_are_served() -> eyre::Result<()> {
    // Blocks only when there is work, so that ours stays the head ("latest") while it is read.
    let node = TestNode::start_with(|c| c.chain.empty_blocks = false).await?;
    let from = dev_accounts()[2].address;
    let to = Address::random();
    let tx = TransactionRequest::default().with_from(from).with_to(to).with_value(U256::from(7));
    let hash = *node.provider.send_transaction(tx).await?.tx_hash();
    let receipt = wait_receipt(&node.provider, hash).await?;
    let number = receipt.block_number.expect("mined");
    let block_hash = receipt.block_hash.expect("mined");
    assert!(number >= 1);
    // Nothing else is sent: ours is the head.
    assert_eq!(node.provider.get_block_number().await?, number);

    // Latest, with full transactions.
    let latest = node
        .provider
        .get_block_by_number(BlockNumberOrTag::Latest)
        .full()
        .await?
        .expect("latest block");
    assert_eq!(latest.header.number, number);
    assert_eq!(latest.header.hash, block_hash);
    let txs = latest.transactions.as_transactions().expect("full transactions");
    let full = txs.iter().find(|t| *t.inner.tx_hash() == hash).expect("our tx in latest");
    assert_eq!(full.inner.signer(), from);
    assert_eq!(full.inner.to(), Some(to));
    assert_eq!(full.inner.value(), U256::from(7));
    assert_eq!(full.block_hash, Some(block_hash));
    assert_eq!(full.block_number, Some(number));

    // Hashes only; by hash; parent linkage.
    let hashes = node.provider.get_block_by_number(number.into()).await?.expect("by number");
    assert!(hashes.transactions.hashes().any(|h| h == hash));
    assert!(hashes.transactions.as_transactions().is_none(), "hashes only by default");
    let by_hash = node.provider.get_block_by_hash(block_hash).full().await?.expect("by hash");
    assert_eq!(by_hash.header, latest.header);
    let parent =
        node.provider.get_block_by_number((number - 1).into()).await?.expect("parent block");
    assert_eq!(latest.header.parent_hash, parent.header.hash);
    assert!(latest.header.timestamp >= parent.header.timestamp);
    assert!(node.provider.get_block_by_number((number + 100).into()).await?.is_none());

    // eth_getTransactionByHash.
    let tx = node.provider.get_transaction_by_hash(hash).await?.expect("tx by hash");
    assert_eq!(*tx.inner.tx_hash(), hash);
    assert_eq!(tx.block_hash, Some(block_hash));
    assert_eq!(tx.block_number, Some(number));
    assert_eq!(tx.transaction_index, receipt.transaction_index);
    assert_eq!(tx.inner.signer(), from);
    assert_eq!(tx.inner.nonce(), 0);
    assert!(node.provider.get_transaction_by_hash(B256::repeat_byte(9)).await?.is_none());
    assert!(node.provider.get_transaction_receipt(B256::repeat_byte(9)).await?.is_none());

    // eth_getBlockReceipts, by number and by hash.
    for id in [BlockId::number(number), BlockId::hash(block_hash)] {
        let receipts =
            node.provider.get_block_receipts(id).await?.expect("receipts of a known block");
        assert_eq!(receipts.len(), latest.transactions.len());
        let ours = receipts.iter().find(|r| r.transaction_hash == hash).expect("our receipt");
        assert_eq!(ours, &receipt);
    }
    let cumulative: Vec<u64> = node
        .provider
        .get_block_receipts(BlockId::number(number))
        .await?
        .unwrap_or_default()
        .iter()
        .map(|r| r.inner.cumulative_gas_used())
        .collect();
    assert!(cumulative.windows(2).all(|w| w[0] < w[1]), "cumulative gas grows: {cumulative:?}");
    assert_eq!(cumulative.last().copied(), Some(latest.header.gas_used));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn get_proof_matches_state_and_verifies_against_the_state_root() -> eyre::Result<()> {
    let node = TestNode::start().await?;
    let owner = dev_accounts()[0].address;
    let supply = U256::from(424_242u64);
    let token = deploy_token(&node, supply).await?;

    // Nothing else happens on this node, so `latest` is stable between the calls.
    let head =
        node.provider.get_block_by_number(BlockNumberOrTag::Latest).await?.expect("head block");
    let state_root = head.header.state_root;
    let at = BlockId::number(head.header.number);

    // An externally owned account.
    let proof = node.provider.get_proof(owner, vec![]).block_id(at).await?;
    assert_eq!(proof.address, owner);
    assert_eq!(proof.balance, node.provider.get_balance(owner).block_id(at).await?);
    assert_eq!(proof.nonce, node.provider.get_transaction_count(owner).block_id(at).await?);
    assert_eq!(proof.nonce, 1);
    assert_eq!(proof.code_hash, KECCAK_EMPTY);
    assert_eq!(proof.storage_hash, EMPTY_ROOT_HASH);
    let leaf = TrieAccount::new(proof.nonce, proof.balance, proof.storage_hash, proof.code_hash);
    verify_proof(
        state_root,
        Nibbles::unpack(keccak256(owner)),
        Some(alloy_rlp::encode(leaf)),
        &proof.account_proof,
    )
    .map_err(|e| eyre::eyre!("account proof of {owner} does not verify: {e}"))?;

    // The contract, with the storage slot of balanceOf[owner] (mapping at slot 3).
    let slot = keccak256((owner, U256::from(3)).abi_encode());
    let proof = node.provider.get_proof(token, vec![slot]).block_id(at).await?;
    let code = node.provider.get_code_at(token).block_id(at).await?;
    assert_eq!(proof.code_hash, keccak256(&code));
    assert_ne!(proof.storage_hash, EMPTY_ROOT_HASH);
    assert_eq!(proof.nonce, 1, "a contract starts at nonce 1 (EIP-161)");
    let leaf = TrieAccount::new(proof.nonce, proof.balance, proof.storage_hash, proof.code_hash);
    verify_proof(
        state_root,
        Nibbles::unpack(keccak256(token)),
        Some(alloy_rlp::encode(leaf)),
        &proof.account_proof,
    )
    .map_err(|e| eyre::eyre!("account proof of the token does not verify: {e}"))?;
    assert_eq!(proof.storage_proof.len(), 1);
    let storage = &proof.storage_proof[0];
    assert_eq!(storage.value, supply);
    assert_eq!(
        node.provider.get_storage_at(token, U256::from_be_bytes(slot.0)).block_id(at).await?,
        supply
    );
    verify_proof(
        proof.storage_hash,
        Nibbles::unpack(keccak256(slot)),
        Some(alloy_rlp::encode(storage.value)),
        &storage.proof,
    )
    .map_err(|e| eyre::eyre!("storage proof does not verify: {e}"))?;

    // An absent account: default fields and a valid exclusion proof.
    let absent = Address::repeat_byte(0xab);
    let proof = node.provider.get_proof(absent, vec![]).block_id(at).await?;
    assert_eq!((proof.balance, proof.nonce), (U256::ZERO, 0));
    verify_proof(state_root, Nibbles::unpack(keccak256(absent)), None, &proof.account_proof)
        .map_err(|e| eyre::eyre!("exclusion proof of {absent} does not verify: {e}"))?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn pending_nonce_counts_pooled_transactions() -> eyre::Result<()> {
    // Blocks every 10 s: the three transactions stay in the pool while we look.
    let node = TestNode::start_with(|config| config.chain.block_time_ms = 10_000).await?;
    let key = e2e::signer(&dev_accounts()[7]);
    let mut hashes = Vec::new();
    for nonce in 0..3 {
        let tx = e2e::signed_transfer(&key, nonce, Address::repeat_byte(3), 1)?;
        hashes.push(*node.provider.send_raw_transaction(&e2e::raw(&tx)).await?.tx_hash());
    }
    // A gapped nonce is pooled but does not count.
    let gapped = e2e::signed_transfer(&key, 10, Address::repeat_byte(3), 1)?;
    let _ = node.provider.send_raw_transaction(&e2e::raw(&gapped)).await?;
    let address = key.address();
    assert_eq!(node.provider.get_transaction_count(address).pending().await?, 3);
    if node.provider.get_block_number().await? > 0 {
        // The builder's first tick came after our sends (a very slow start): nothing to see.
        return Ok(());
    }
    assert_eq!(node.provider.get_transaction_count(address).latest().await?, 0);
    let pending = node.provider.get_transaction_by_hash(hashes[2]).await?.expect("pooled tx");
    assert_eq!(pending.block_number, None);
    assert_eq!(pending.block_hash, None);
    assert!(node.provider.get_transaction_receipt(hashes[2]).await?.is_none());
    Ok(())
}
