//! The public endpoint against hostile and careless clients, on the real `manifold` binary:
//! while 2,000 connections withhold their request bodies (also with the node started under
//! `ulimit -n 1024`), and while HTTP/2 connections hold streams open with no body, a client
//! calling `eth_blockNumber` on fresh connections is served within a second; every request id
//! shape is echoed back or refused with `-32600`, never answered `null`; malformed bodies get
//! their own status (413 chunked or not, 400 for broken framing), and subscriptions over plain
//! HTTP get geth's `-32601`.
//!
//! Attacks stay bounded (a few thousand connections, seconds) and on 127.0.0.1 only.

use std::{
    net::SocketAddr,
    path::Path,
    time::{Duration, Instant},
};

use e2e::{ManifoldProcess, RawRpc, manifold_bin};
use eyre::{WrapErr, ensure, eyre};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// The bound within which a well-behaved client must be served during an attack.
const SERVED_WITHIN: Duration = Duration::from_secs(1);

/// Raises this test process's soft open-file limit to its hard one (the attacks need a few
/// thousand sockets).
fn raise_own_fd_limit() {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: plain calls on a struct we own.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

fn socket_addr(node: &ManifoldProcess) -> eyre::Result<SocketAddr> {
    let url = &node.info.rpc_url;
    let host = url.host_str().ok_or_else(|| eyre!("no host in {url}"))?;
    let port = url.port().ok_or_else(|| eyre!("no port in {url}"))?;
    Ok(format!("{host}:{port}").parse()?)
}

/// One HTTP/1.1 exchange on a fresh connection: `request` sent as is, the whole response read
/// (the request says `Connection: close`); returns the status and the body.
async fn exchange(addr: SocketAddr, request: &[u8]) -> eyre::Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(request).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let text = String::from_utf8_lossy(&response).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| eyre!("no HTTP status in {text:?}"))?;
    let body = text.split_once("\r\n\r\n").map(|(_, body)| body.to_string()).unwrap_or_default();
    Ok((status, body))
}

fn post(body: &str) -> Vec<u8> {
    format!(
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// `eth_blockNumber` on `count` fresh connections, one after another; fails unless every one
/// is answered with a block number within [`SERVED_WITHIN`]. Returns the slowest.
async fn well_behaved_client(addr: SocketAddr, count: usize) -> eyre::Result<Duration> {
    let request = post(r#"{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}"#);
    let mut slowest = Duration::ZERO;
    for i in 0..count {
        let started = Instant::now();
        let (status, body) =
            tokio::time::timeout(SERVED_WITHIN, exchange(addr, &request))
                .await
                .map_err(|_| eyre!("call {i} not served within {SERVED_WITHIN:?}"))??;
        let elapsed = started.elapsed();
        ensure!(status == 200, "call {i}: HTTP {status} {body}");
        let answer: Value = serde_json::from_str(body.trim())
            .wrap_err_with(|| format!("call {i}: not JSON: {body:?}"))?;
        ensure!(answer["result"].as_str().is_some_and(|r| r.starts_with("0x")), "{answer}");
        slowest = slowest.max(elapsed);
    }
    Ok(slowest)
}

/// Opens `count` connections that send headers announcing a 62-byte body and only 5 bytes
/// of it, and keeps them open (a connection the server closes is simply not reopened).
async fn withhold_bodies(addr: SocketAddr, count: usize) -> Vec<TcpStream> {
    let head = b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
                 Content-Length: 62\r\n\r\n{\"jso";
    let mut held = Vec::with_capacity(count);
    for _ in 0..count {
        let Ok(Ok(mut stream)) =
            tokio::time::timeout(Duration::from_secs(2), TcpStream::connect(addr)).await
        else {
            continue;
        };
        if stream.write_all(head).await.is_ok() {
            held.push(stream);
        }
    }
    held
}

/// A `/metrics` counter or gauge of the node.
async fn metric(addr: SocketAddr, name: &str) -> eyre::Result<f64> {
    let request = b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    let (_, body) = exchange(addr, request).await?;
    body.lines()
        .find_map(|line| line.strip_prefix(&format!("{name} "))?.trim().parse().ok())
        .ok_or_else(|| eyre!("no metric {name} in /metrics"))
}

async fn withheld_bodies_do_not_lock_out(node: &ManifoldProcess) -> eyre::Result<()> {
    let addr = socket_addr(node)?;
    let held = withhold_bodies(addr, 2000).await;
    ensure!(held.len() >= 1500, "only {} attacking connections opened", held.len());
    // The attack goes on (more withholding connections) while the client calls.
    let more = tokio::spawn(withhold_bodies(addr, 500));
    let slowest = well_behaved_client(addr, 20).await.wrap_err_with(|| node.stderr_tail())?;
    let more = more.await?;
    let shed = metric(addr, "manifold_rpc_connections_shed_total").await?;
    ensure!(shed > 0.0, "the node shed no withholding connection");
    eprintln!(
        "withheld bodies: {} + {} attackers, slowest eth_blockNumber {slowest:?}, {shed} shed",
        held.len(),
        more.len()
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withheld_bodies_do_not_lock_other_clients_out() -> eyre::Result<()> {
    raise_own_fd_limit();
    let dir = tempfile::tempdir()?;
    let node = ManifoldProcess::spawn(&dir.path().join("data"), dir.path(), "node").await?;
    withheld_bodies_do_not_lock_out(&node).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withheld_bodies_do_not_lock_other_clients_out_under_1024_open_files() -> eyre::Result<()> {
    raise_own_fd_limit();
    let dir = tempfile::tempdir()?;
    let bin = manifold_bin()?;
    let data = dir.path().join("data");
    let script = format!(
        "ulimit -n 1024 && exec '{}' devnet --data-dir '{}' --rpc-port 0 --json",
        bin.display(),
        data.display()
    );
    let node =
        ManifoldProcess::spawn_program(Path::new("/bin/sh"), &["-c", &script], dir.path(), "node")
            .await?;
    withheld_bodies_do_not_lock_out(&node).await?;
    let log = node.stderr_tail();
    ensure!(log.contains("open-file limit"), "the node logs its open-file limits:\n{log}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_streams_without_bodies_do_not_lock_other_clients_out() -> eyre::Result<()> {
    raise_own_fd_limit();
    let dir = tempfile::tempdir()?;
    let node = ManifoldProcess::spawn(&dir.path().join("data"), dir.path(), "node").await?;
    let addr = socket_addr(&node)?;
    let mut connections = Vec::new();
    let mut streams = Vec::new();
    for _ in 0..6 {
        let tcp = TcpStream::connect(addr).await?;
        let (mut client, connection) = h2::client::handshake(tcp).await?;
        connections.push(tokio::spawn(connection));
        // Up to 200 streams each: HEADERS announcing a body, and no DATA. The server's stream
        // limit holds the rest back on our side.
        for _ in 0..200 {
            let ready =
                tokio::time::timeout(Duration::from_millis(200), client.clone().ready()).await;
            let Ok(Ok(mut ready)) = ready else { break };
            let request = http::Request::post(format!("http://{addr}/"))
                .header("content-type", "application/json")
                .header("content-length", "62")
                .body(())?;
            match ready.send_request(request, false) {
                Ok((response, body)) => streams.push((response, body)),
                Err(_) => break,
            }
            client = ready;
        }
    }
    ensure!(streams.len() >= 300, "only {} idle streams opened", streams.len());
    let slowest = well_behaved_client(addr, 20).await.wrap_err_with(|| node.stderr_tail())?;
    eprintln!("http/2: {} idle streams, slowest eth_blockNumber {slowest:?}", streams.len());
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn every_id_shape_is_echoed_or_refused_as_invalid() -> eyre::Result<()> {
    let dir = tempfile::tempdir()?;
    let node = ManifoldProcess::spawn(&dir.path().join("data"), dir.path(), "node").await?;
    let rpc = RawRpc::new(node.info.rpc_url.clone());
    // Valid ids: echoed exactly, the method run.
    for id in ["-1", "18446744073709551616", "1.5", "1e3", r#""\ud800""#, "7", r#""x""#, "null"] {
        let body = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"eth_chainId","params":[]}}"#);
        let (status, text) = rpc.post_text(body).await?;
        ensure!(status == 200, "id {id}: HTTP {status} {text}");
        ensure!(text.contains(&format!(r#""id":{id}"#)), "id {id} not echoed: {text}");
        ensure!(text.contains(r#""result":"0x7a69""#), "id {id}: not run: {text}");
    }
    // Not ids: -32600 with id null.
    for id in ["true", "{}", "[]"] {
        let body = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"eth_chainId","params":[]}}"#);
        let (status, text) = rpc.post_text(body).await?;
        ensure!(status == 200, "id {id}: HTTP {status} {text}");
        let answer: Value = serde_json::from_str(&text)?;
        ensure!(answer["error"]["code"] == json!(-32600) && answer["id"].is_null(), "{id}: {text}");
    }
    let duplicated = r#"{"jsonrpc":"2.0","id":1,"id":2,"method":"eth_chainId","params":[]}"#;
    let (_, text) = rpc.post_text(duplicated).await?;
    ensure!(serde_json::from_str::<Value>(&text)?["error"]["code"] == json!(-32600), "{text}");
    // A transaction sent with id -1 is answered (and so not dropped unseen).
    let (_, text) = rpc
        .post_text(
            r#"{"jsonrpc":"2.0","id":-1,"method":"eth_sendRawTransaction","params":["0x00"]}"#,
        )
        .await?;
    let answer: Value = serde_json::from_str(&text)?;
    ensure!(answer["id"] == json!(-1) && answer["error"]["code"].is_i64(), "{text}");
    // Batches: every element answered, with its own id.
    let batch = r#"[{"jsonrpc":"2.0","id":-5,"method":"eth_chainId"},{"jsonrpc":"2.0","id":true,"method":"eth_chainId"}]"#;
    let (_, text) = rpc.post_text(batch).await?;
    let answers: Vec<Value> = serde_json::from_str(&text)?;
    ensure!(answers.len() == 2, "{text}");
    ensure!(text.contains(r#""id":-5"#), "{text}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_bodies_get_their_own_status_and_subscriptions_need_a_websocket()
-> eyre::Result<()> {
    let dir = tempfile::tempdir()?;
    let node = ManifoldProcess::spawn(&dir.path().join("data"), dir.path(), "node").await?;
    let addr = socket_addr(&node)?;
    // 20 MB, chunked: 413 like the same size with Content-Length.
    let chunk = vec![b' '; 1 << 20];
    let stream = chunked_body(chunk, 20);
    let client = reqwest::Client::new();
    let response = client
        .post(node.info.rpc_url.clone())
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await?;
    ensure!(response.status().as_u16() == 413, "chunked 20 MB: {}", response.status());
    let sized = b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
                  Content-Length: 20971520\r\nConnection: close\r\n\r\n";
    let (status, _) = exchange(addr, sized).await?;
    ensure!(status == 413, "Content-Length 20 MB: {status}");
    // Both Content-Length and Transfer-Encoding, the body not chunked: 400, not 500.
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}"#;
    let contradictory = format!(
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let (status, text) = exchange(addr, contradictory.as_bytes()).await?;
    ensure!(status == 400, "contradictory framing: HTTP {status} {text}");
    // Subscriptions over plain HTTP: geth's -32601.
    let rpc = RawRpc::new(node.info.rpc_url.clone());
    let error = rpc.expect_error("eth_subscribe", json!(["newHeads"])).await?;
    ensure!(
        (error.code, error.message.as_str()) == (-32601, "notifications not supported"),
        "{error:?}"
    );
    // The node still serves.
    well_behaved_client(addr, 1).await?;
    Ok(())
}

/// `count` copies of `chunk` as a body stream (sent chunked).
fn chunked_body(
    chunk: Vec<u8>,
    count: usize,
) -> impl futures::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    futures::stream::iter((0..count).map(move |_| Ok(chunk.clone())))
}
