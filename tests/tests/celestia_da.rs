//! The Celestia DA backend (`da::CelestiaDa`) against the Celestia dev server
//! (`devnet::celestia_dev`) started in this process: round trips, receipts and commitments,
//! empty and future heights, confirmation, namespaces, tokens and permissions, the raw
//! celestia-node JSON-RPC shapes, a restart and an outage of the server, celestia-rpc's own
//! header decoding, and a sequencer posting its batches to it.

use std::time::Duration;

use alloy::{eips::BlockNumberOrTag, primitives::Address, providers::Provider};
use base64::Engine;
use bytes::Bytes;
use celestia_rpc::{BlobClient, HeaderClient};
use celestia_types::{Blob, nmt::Namespace};
use da::{BatchAssembler, CelestiaDa, DaBackend, DaError, DaReceipt};
use devnet::celestia_dev::{self, CelestiaDevOptions, CelestiaDevServer};
use e2e::{
    TIMEOUT, TestNode, dev_accounts, poll_until, raw, signed_transfer, signer, wait_receipt,
};
use node_config::{CelestiaDaConfig, DEFAULT_CELESTIA_NAMESPACE_ID, DaBackendKind, Secret};
use serde_json::{Value, json};

/// Block time of the dev server in these tests.
const BLOCK_TIME: Duration = Duration::from_millis(100);

/// A dev server in its own temporary directory.
struct DevServer {
    server: Option<CelestiaDevServer>,
    dir: tempfile::TempDir,
}

impl DevServer {
    async fn start() -> eyre::Result<Self> {
        let dir = tempfile::Builder::new().prefix("manifold-celestia-e2e-").tempdir()?;
        let server = celestia_dev::start(CelestiaDevOptions {
            listen: "127.0.0.1:0".parse()?,
            data_dir: dir.path().join("celestia"),
            block_time: BLOCK_TIME,
        })
        .await?;
        Ok(Self { server: Some(server), dir })
    }

    fn get(&self) -> &CelestiaDevServer {
        self.server.as_ref().expect("server is running")
    }

    /// Stops the server; the directory stays.
    async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            tokio::time::timeout(TIMEOUT, server.stop()).await.expect("server stops in time");
        }
    }

    /// Starts a server again on the same directory and address.
    async fn restart_at(&mut self, addr: std::net::SocketAddr) -> eyre::Result<()> {
        self.stop().await;
        self.server = Some(
            celestia_dev::start(CelestiaDevOptions {
                listen: addr,
                data_dir: self.dir.path().join("celestia"),
                block_time: BLOCK_TIME,
            })
            .await?,
        );
        Ok(())
    }

    fn config(&self, token: Option<&str>) -> CelestiaDaConfig {
        CelestiaDaConfig {
            url: self.get().url(),
            auth_token: token.map(Secret::new),
            request_timeout_ms: 10_000,
            ..CelestiaDaConfig::default()
        }
    }

    /// A backend posting with the write token.
    async fn writer(&self) -> eyre::Result<CelestiaDa> {
        Ok(CelestiaDa::connect(&self.config(Some(self.get().write_token()))).await?)
    }

    /// Raw JSON-RPC `method(params)` with an optional token: (HTTP status, body or null).
    async fn raw(
        &self,
        token: Option<&str>,
        method: &str,
        params: Value,
    ) -> eyre::Result<(u16, Value)> {
        let mut request = reqwest::Client::new()
            .post(self.get().url())
            .json(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.timeout(TIMEOUT).send().await?;
        let status = response.status().as_u16();
        let text = response.text().await?;
        let body = if text.trim().is_empty() { Value::Null } else { serde_json::from_str(&text)? };
        Ok((status, body))
    }
}

fn namespace() -> Namespace {
    Namespace::const_v0(DEFAULT_CELESTIA_NAMESPACE_ID.0)
}

/// Incompressible-ish bytes, so blobs span several shares.
fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64 ^ seed;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

fn transient(result: Result<impl std::fmt::Debug, DaError>) -> bool {
    matches!(result, Err(ref e) if e.is_transient())
}

#[tokio::test(flavor = "multi_thread")]
async fn submitted_blobs_read_back_byte_exact_with_celestias_commitment() -> eyre::Result<()> {
    let server = DevServer::start().await?;
    let da = server.writer().await?;
    assert_eq!(da.name(), "celestia");
    assert_eq!(da.namespace(), namespace());

    let small = Bytes::from_static(b"one frame");
    let large = Bytes::from(pseudo_random(5_000, 1));
    let (first, second) = tokio::join!(da.submit(small.clone()), da.submit(large.clone()));
    let (first, second) = (first?, second?);
    for (receipt, data) in [(&first, &small), (&second, &large)] {
        assert!(receipt.height >= 2, "block 1 is the dev chain's first, empty block");
        assert!(receipt.height <= da.head_height().await?, "included at or below the head");
        let blobs = da.blobs_at(receipt.height).await?;
        assert!(blobs.contains(data), "blob at its receipt height, byte-exact");
        // The receipt's commitment is Celestia's share commitment of the blob, signed by the
        // node's account (share version 1).
        let expected =
            Blob::new(namespace(), data.to_vec(), Some(celestia_dev::dev_account()))?.commitment;
        assert_eq!(receipt.commitment.0, *expected.hash());
        assert!(da.is_confirmed(receipt).await?, "an included blob is final");
    }
    if first.height == second.height {
        // One block: both, in submission order within the block is not guaranteed by
        // concurrent submits, but nothing else is there.
        assert_eq!(da.blobs_at(first.height).await?.len(), 2);
    }

    // Made-up receipts are not confirmed.
    let made_up = DaReceipt { height: first.height, commitment: [7u8; 32].into() };
    assert!(!da.is_confirmed(&made_up).await?);
    let future = DaReceipt { height: da.head_height().await? + 1_000, ..first.clone() };
    assert!(!da.is_confirmed(&future).await?);
    let wrong_height = DaReceipt { height: 1, ..first.clone() };
    assert!(!da.is_confirmed(&wrong_height).await?);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_heights_are_empty_and_heights_above_the_head_are_not_available() -> eyre::Result<()>
{
    let server = DevServer::start().await?;
    let da = server.writer().await?;
    server.get().wait_for_height(4).await;
    let head = da.head_height().await?;
    assert!(head >= 4, "the dev chain grows every block time (head {head})");
    for height in 1..=head {
        assert_eq!(da.blobs_at(height).await?, Vec::<Bytes>::new(), "nothing posted at {height}");
    }
    assert_eq!(da.blobs_at(0).await?, Vec::<Bytes>::new(), "height 0 never holds a blob");
    let above = head + 1_000;
    match da.blobs_at(above).await {
        Err(DaError::HeightNotAvailable { height, head: reported }) => {
            assert_eq!(height, above);
            assert!(reported >= head && reported < above, "reported head {reported}");
        }
        other => panic!("expected HeightNotAvailable, got {other:?}"),
    }
    Ok(())
}

/// Anyone may post to a namespace: a reader with `batcher_address` reads only the blobs the
/// batcher's account signed, so a forged frame posted unsigned is passed over; a reader
/// without it reads both. A poster whose node's account is not the configured batcher
/// refuses to post.
#[tokio::test(flavor = "multi_thread")]
async fn only_blobs_signed_by_the_batcher_are_read() -> eyre::Result<()> {
    let server = DevServer::start().await?;
    let batcher = celestia_dev::dev_account().to_string();
    let with_batcher = |token: &str| CelestiaDaConfig {
        batcher_address: Some(batcher.clone()),
        ..server.config(Some(token))
    };
    let writer = CelestiaDa::connect(&with_batcher(server.get().write_token())).await?;
    let genuine = Bytes::from_static(b"the batcher's frame");
    let receipt = writer.submit(genuine.clone()).await?;

    // Someone else's blob in the same namespace: unsigned (share version 0), through the
    // node's own JSON-RPC.
    let forged = b"a forged frame";
    let (status, body) = server
        .raw(
            Some(server.get().write_token()),
            "blob.Submit",
            json!([[{"namespace": base64_of(namespace().as_bytes()), "data": base64_of(forged),
                     "share_version": 0, "commitment": null, "index": -1}], {}]),
        )
        .await?;
    assert_eq!(status, 200, "{body}");
    let forged_height = body["result"].as_u64().expect("a height");
    server.get().wait_for_height(forged_height.max(receipt.height)).await;

    let reader = CelestiaDa::connect(&with_batcher(server.get().read_token())).await?;
    let open_reader = CelestiaDa::connect(&server.config(Some(server.get().read_token()))).await?;
    let mut read = Vec::new();
    let mut read_openly = Vec::new();
    for height in [receipt.height, forged_height] {
        read.extend(reader.blobs_at(height).await?);
        read_openly.extend(open_reader.blobs_at(height).await?);
    }
    read_openly.dedup();
    assert_eq!(read, vec![genuine.clone()], "only the signed blob is read");
    assert!(read_openly.contains(&Bytes::from_static(forged)), "the forged blob is there");
    assert!(read_openly.contains(&genuine));

    // A sequencer whose node signs as another account would post blobs nobody reads.
    let mut misconfigured = server.config(Some(server.get().write_token()));
    misconfigured.batcher_address = Some("celestia1377k5an3f94v6wyaceu0cf4nq6gk2jtpc46g7h".into());
    let error = CelestiaDa::connect(&misconfigured).await?.submit(genuine).await.unwrap_err();
    assert!(matches!(error, DaError::Misconfigured { .. }), "{error:?}");
    assert!(error.to_string().contains(&batcher), "{error}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn blobs_of_other_namespaces_are_not_returned() -> eyre::Result<()> {
    let server = DevServer::start().await?;
    let ours = server.writer().await?;
    let mut other_config = server.config(Some(server.get().write_token()));
    other_config.namespace = alloy::primitives::FixedBytes(*b"\0\0\0foreign");
    let theirs = CelestiaDa::connect(&other_config).await?;
    assert_ne!(ours.namespace(), theirs.namespace());

    let mine = Bytes::from_static(b"our batch frame");
    let foreign = Bytes::from_static(b"someone else's blob");
    let (a, b) = tokio::join!(ours.submit(mine.clone()), theirs.submit(foreign.clone()));
    let (a, b) = (a?, b?);
    assert_eq!(ours.blobs_at(a.height).await?, vec![mine.clone()]);
    assert_eq!(theirs.blobs_at(b.height).await?, vec![foreign.clone()]);
    assert!(!ours.blobs_at(b.height).await?.contains(&foreign), "foreign blob leaked");
    assert!(!ours.is_confirmed(&b).await?, "another namespace's blob is not ours to confirm");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_decide_who_may_read_and_write() -> eyre::Result<()> {
    let server = DevServer::start().await?;
    let read_token = server.get().read_token().to_owned();

    // A read token reads but cannot post: a non-transient error that asks for a write token.
    let reader = CelestiaDa::connect(&server.config(Some(&read_token))).await?;
    assert!(reader.head_height().await? >= 1);
    match reader.submit(Bytes::from_static(b"x")).await {
        Err(DaError::Misconfigured { reason, .. }) => {
            assert!(reason.contains("need 'write'"), "{reason}");
            assert!(reason.contains("auth write"), "{reason}");
        }
        other => panic!("expected Misconfigured, got {other:?}"),
    }
    // No token: not even reading.
    let anonymous = CelestiaDa::connect(&server.config(None)).await?;
    match anonymous.head_height().await {
        Err(DaError::Misconfigured { reason, .. }) => {
            assert!(reason.contains("auth read"), "{reason}")
        }
        other => panic!("expected Misconfigured, got {other:?}"),
    }
    // A token this node did not sign: HTTP 401, misconfigured.
    let forged = CelestiaDa::connect(&server.config(Some("eyJhbGciOiJIUzI1NiJ9.e30.c2ln"))).await?;
    let error = forged.head_height().await.unwrap_err();
    assert!(matches!(error, DaError::Misconfigured { .. }) && !error.is_transient(), "{error:?}");

    // A gas price below the node's minimum is refused, which shows it is sent.
    let mut cheap = server.config(Some(server.get().write_token()));
    cheap.gas_price = celestia_dev::MIN_GAS_PRICE / 2.0;
    let cheap = CelestiaDa::connect(&cheap).await?;
    match cheap.submit(Bytes::from_static(b"x")).await {
        Err(DaError::Misconfigured { reason, .. }) => {
            assert!(reason.contains("insufficient fee"), "{reason}");
            assert!(reason.contains("da.celestia.gas_price"), "{reason}");
        }
        other => panic!("expected Misconfigured, got {other:?}"),
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn raw_json_rpc_has_celestia_nodes_shapes_and_errors() -> eyre::Result<()> {
    let server = DevServer::start().await?;
    let write = server.get().write_token().to_owned();
    let read = server.get().read_token().to_owned();
    let ns = json!(base64_of(namespace().as_bytes()));
    let blob = |data: &[u8]| {
        json!({"namespace": base64_of(namespace().as_bytes()), "data": base64_of(data),
               "share_version": 0, "commitment": null, "index": -1})
    };
    let options = json!({"gas_price": 0.004, "is_gas_price_set": true});

    // blob.Submit: the height; without a token or with a read token: refused.
    let (status, body) =
        server.raw(Some(&write), "blob.Submit", json!([[blob(b"raw")], options])).await?;
    assert_eq!(status, 200);
    let height = body["result"].as_u64().unwrap_or_else(|| panic!("height in {body}"));
    for token in [None, Some(read.as_str())] {
        let (_, body) = server.raw(token, "blob.Submit", json!([[blob(b"raw")], options])).await?;
        assert_eq!(body["error"]["code"], 1, "{body}");
        assert_eq!(
            body["error"]["message"],
            "missing permission to invoke 'Submit' (need 'write')"
        );
    }
    let (status, body) =
        server.raw(Some("not.a.token"), "blob.Submit", json!([[blob(b"raw")], options])).await?;
    assert_eq!((status, body), (401, Value::Null), "a bad token is refused before any method");
    // An empty blob, as celestia-node refuses it while decoding the parameters.
    let (_, body) = server.raw(Some(&write), "blob.Submit", json!([[blob(b"")], options])).await?;
    assert_eq!(body["error"]["code"], -32700, "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("blob data must be > 0 && <= 1974272, but it was 0 bytes"),
        "{message}"
    );

    // blob.GetAll: the blob (celestia-node's JSON), `null` where there is none.
    let (_, body) = server.raw(Some(&read), "blob.GetAll", json!([height, [ns]])).await?;
    let blobs = body["result"].as_array().unwrap_or_else(|| panic!("blobs in {body}"));
    assert_eq!(blobs.len(), 1);
    assert_eq!(blobs[0]["data"], base64_of(b"raw"));
    assert_eq!(blobs[0]["share_version"], 0);
    let commitment = blobs[0]["commitment"].clone();
    let expected = Blob::new(namespace(), b"raw".to_vec(), None)?.commitment;
    assert_eq!(commitment, json!(base64_of(expected.hash())));
    let (_, body) = server.raw(Some(&read), "blob.GetAll", json!([1, [ns]])).await?;
    assert_eq!(body["result"], Value::Null, "{body}");
    let (_, body) = server.raw(None, "blob.GetAll", json!([1, [ns]])).await?;
    assert_eq!(body["error"]["message"], "missing permission to invoke 'GetAll' (need 'read')");

    // blob.Get: the blob by commitment; "blob: not found" for a missing one.
    let (_, body) = server.raw(Some(&read), "blob.Get", json!([height, ns, commitment])).await?;
    assert_eq!(body["result"]["data"], base64_of(b"raw"), "{body}");
    let (_, body) =
        server.raw(Some(&read), "blob.Get", json!([1, ns, base64_of(&[9u8; 32])])).await?;
    assert_eq!(body["error"]["code"], 1, "{body}");
    assert_eq!(body["error"]["message"], "blob: not found");

    // Heights: from the future, zero, wrong parameter count.
    let head = server.get().head_height();
    let (_, body) = server.raw(Some(&read), "header.GetByHeight", json!([head + 100])).await?;
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("header: given height is from the future"), "{body}");
    let (_, body) = server.raw(Some(&read), "header.GetByHeight", json!([0])).await?;
    assert_eq!(body["error"]["message"], "header/store: height must be bigger than zero");
    let (_, body) = server.raw(Some(&read), "blob.GetAll", json!([1])).await?;
    assert_eq!(body["error"]["code"], -32602, "{body}");

    // /health, without a token.
    let health: Value =
        reqwest::get(format!("{}/health", server.get().url())).await?.json().await?;
    assert_eq!(health["status"], "ok");
    assert!(health["head"].as_u64().unwrap_or_default() >= height);
    Ok(())
}

/// Standard base64 with padding, as Go encodes `[]byte`.
fn base64_of(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test(flavor = "multi_thread")]
async fn celestia_rpc_decodes_and_validates_the_servers_headers_and_blobs() -> eyre::Result<()> {
    let server = DevServer::start().await?;
    let da = server.writer().await?;
    let receipt = da.submit(Bytes::from(pseudo_random(2_000, 2))).await?;
    server.get().wait_for_height(receipt.height + 1).await;

    let client = celestia_rpc::Client::new(
        &server.get().url(),
        Some(server.get().read_token()),
        None,
        Some(TIMEOUT),
    )
    .await?;
    let head = client.header_local_head().await?;
    head.validate()?;
    assert!(head.height() > receipt.height);
    let network_head = client.header_network_head().await?;
    network_head.validate()?;
    let genesis = client.header_get_by_height(1).await?;
    genesis.validate()?;
    // Headers of one run chain to each other as a light client checks them.
    let at = client.header_get_by_height(receipt.height).await?;
    let next = client.header_get_by_height(receipt.height + 1).await?;
    at.validate()?;
    at.verify_adjacent(&next)?;
    genesis.verify(&next)?;

    // celestia-rpc's own blob calls: the blob validates against its commitment.
    let blobs = client.blob_get_all(receipt.height, &[namespace()]).await?.unwrap_or_default();
    assert_eq!(blobs.len(), 1);
    blobs[0].validate()?;
    assert_eq!(*blobs[0].commitment.hash(), receipt.commitment.0);
    let by_commitment = client.blob_get(receipt.height, namespace(), blobs[0].commitment).await?;
    assert_eq!(by_commitment.data, blobs[0].data);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn websocket_endpoints_work_too() -> eyre::Result<()> {
    let server = DevServer::start().await?;
    let mut config = server.config(Some(server.get().write_token()));
    config.url = server.get().ws_url();
    let da = CelestiaDa::connect(&config).await?;
    let data = Bytes::from_static(b"over websocket");
    let receipt = da.submit(data.clone()).await?;
    assert_eq!(da.blobs_at(receipt.height).await?, vec![data]);
    assert!(da.is_confirmed(&receipt).await?);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn restart_keeps_every_blob_and_an_outage_is_transient() -> eyre::Result<()> {
    let mut server = DevServer::start().await?;
    let addr = server.get().addr();
    let write_token = server.get().write_token().to_owned();
    let da = server.writer().await?;
    let data = Bytes::from(pseudo_random(3_000, 3));
    let receipt = da.submit(data.clone()).await?;
    let head_before = da.head_height().await?;

    // Server down: every call fails, transiently (the batcher retries).
    server.stop().await;
    assert!(transient(da.head_height().await), "head during the outage");
    assert!(transient(da.blobs_at(receipt.height).await), "read during the outage");
    assert!(transient(da.submit(Bytes::from_static(b"y")).await), "submit during the outage");
    assert!(transient(da.is_confirmed(&receipt).await), "confirm during the outage");
    // A backend made during the outage connects all the same.
    let late = CelestiaDa::connect(&CelestiaDaConfig {
        url: format!("http://{addr}"),
        auth_token: Some(Secret::new(write_token.clone())),
        ..CelestiaDaConfig::default()
    })
    .await?;
    assert!(transient(late.head_height().await));

    // Back on the same directory and port: same tokens, every height, blobs byte-exact.
    server.restart_at(addr).await?;
    assert_eq!(server.get().write_token(), write_token, "tokens persist");
    assert!(da.head_height().await? >= head_before);
    assert_eq!(da.blobs_at(receipt.height).await?, vec![data.clone()]);
    assert!(da.is_confirmed(&receipt).await?);
    assert!(late.head_height().await? >= head_before);
    let after = da.submit(Bytes::from_static(b"after the restart")).await?;
    assert!(after.height > head_before, "heights continue after the restart");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn sequencer_posts_its_blocks_to_celestia() -> eyre::Result<()> {
    let server = DevServer::start().await?;
    let url = server.get().url();
    let token = server.get().write_token().to_owned();
    let node = TestNode::start_with(move |config| {
        config.da.backend = DaBackendKind::Celestia;
        config.da.celestia.url = url;
        config.da.celestia.auth_token = Some(Secret::new(token));
        config.da.celestia.request_timeout_ms = 10_000;
        config.da.celestia.max_blob_bytes = 4_096;
    })
    .await?;

    let accounts = dev_accounts();
    let mut sent = Vec::new();
    for round in 0..3u64 {
        let mut hashes = Vec::new();
        for account in &accounts[..2] {
            let tx = signed_transfer(&signer(account), round, Address::repeat_byte(0xce), 1)?;
            let hash = *node.provider.send_raw_transaction(&raw(&tx)).await?.tx_hash();
            hashes.push(hash);
            sent.push(hash);
        }
        for hash in hashes {
            assert!(wait_receipt(&node.provider, hash).await?.status());
        }
    }
    let head = node.provider.get_block_number().await?;
    assert!(head >= 3, "three rounds make at least three blocks (head {head})");
    poll_until(&format!("the safe head to reach {head}"), TIMEOUT, || async {
        let safe = node.provider.get_block_by_number(BlockNumberOrTag::Safe).await?;
        Ok(safe.filter(|b| b.header.number >= head).map(|_| ()))
    })
    .await?;
    // Celestia is final once included: the batcher's is_confirmed moves `finalized` too.
    poll_until(&format!("the finalized head to reach {head}"), TIMEOUT, || async {
        let finalized = node.provider.get_block_by_number(BlockNumberOrTag::Finalized).await?;
        Ok(finalized.filter(|b| b.header.number >= head).map(|_| ()))
    })
    .await?;

    // Read every batch back from Celestia and decode it.
    let reader = CelestiaDa::connect(&CelestiaDaConfig {
        url: server.get().url(),
        auth_token: Some(Secret::new(server.get().read_token())),
        ..CelestiaDaConfig::default()
    })
    .await?;
    let mut assembler = BatchAssembler::new();
    let mut blocks = Vec::new();
    for height in 1..=reader.head_height().await? {
        for blob in reader.blobs_at(height).await? {
            assert!(blob.len() <= 4_096, "frames respect max_blob_bytes");
            da::decode_frame(&blob)?;
            if let Some(batch) = assembler.push_blob(&blob)? {
                blocks.extend(batch.blocks);
            }
        }
    }
    assert_eq!(assembler.pending_batches(), 0, "no incomplete batch on Celestia");
    let numbers: Vec<u64> = blocks.iter().map(|b| b.number).collect();
    // Blocks sealed since `head` was read (empty ones) may follow.
    let last = numbers.last().copied().unwrap_or_default();
    assert!(last >= head, "Celestia stops at block {last}, before {head}");
    assert_eq!(numbers, (1..=last).collect::<Vec<_>>(), "every block once, in order");
    let mut on_da = Vec::new();
    for block in &blocks {
        let rpc = node.provider.get_block_by_number(block.number.into()).await?.expect("block");
        assert_eq!(block.block_hash, rpc.header.hash, "block {}", block.number);
        on_da.extend(block.transactions.iter().map(e2e::da_evm_hash));
    }
    sent.sort();
    on_da.sort();
    assert_eq!(on_da, sent, "every sent transaction is on Celestia");
    Ok(())
}

/// `manifold celestia-dev --json` on `data_dir`: the child and its JSON line.
async fn spawn_cli(
    data_dir: &std::path::Path,
) -> eyre::Result<(
    tokio::process::Child,
    Value,
    tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
)> {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(e2e::manifold_bin()?)
        .arg("celestia-dev")
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--port", "0", "--block-time", "100", "--json", "--log", "warn"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let mut stdout = tokio::io::BufReader::new(child.stdout.take().expect("piped stdout")).lines();
    let line = tokio::time::timeout(e2e::READY_TIMEOUT, stdout.next_line())
        .await??
        .ok_or_else(|| eyre::eyre!("celestia-dev exited before printing its JSON line"))?;
    Ok((child, serde_json::from_str(&line)?, stdout))
}

/// SIGTERM, then the exit status (within the timeout).
async fn terminate(mut child: tokio::process::Child) -> eyre::Result<std::process::ExitStatus> {
    let pid = child.id().expect("child is running").to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status()?.success());
    Ok(tokio::time::timeout(TIMEOUT, child.wait()).await??)
}

#[tokio::test(flavor = "multi_thread")]
async fn celestia_dev_command_serves_and_resumes_its_directory() -> eyre::Result<()> {
    let dir = tempfile::tempdir()?;
    let (child, info, _stdout) = spawn_cli(dir.path()).await?;
    assert_eq!(info["namespace"], DEFAULT_CELESTIA_NAMESPACE_ID.to_string());
    let config = |info: &Value| CelestiaDaConfig {
        url: info["url"].as_str().unwrap_or_default().to_owned(),
        auth_token: info["write_token"].as_str().map(Secret::new),
        ..CelestiaDaConfig::default()
    };
    let da = CelestiaDa::connect(&config(&info)).await?;
    let data = Bytes::from_static(b"posted through the CLI server");
    let receipt = da.submit(data.clone()).await?;
    assert!(terminate(child).await?.success(), "clean exit on SIGTERM");

    // Same directory: same tokens, the blob is still there.
    let (child, again, _stdout) = spawn_cli(dir.path()).await?;
    assert_eq!(again["write_token"], info["write_token"]);
    assert_eq!(again["read_token"], info["read_token"]);
    let da = CelestiaDa::connect(&config(&again)).await?;
    assert_eq!(da.blobs_at(receipt.height).await?, vec![data]);
    assert!(terminate(child).await?.success());
    Ok(())
}
