//! Foundry's `anvil` (the npm binary package `@foundry-rs/anvil-linux-amd64`, installed in
//! `tests/js` by `scripts/test.sh`) as a child process on a free port: the reference Ethereum
//! dev node that Manifold is measured against. It is killed when dropped.

use std::{path::Path, process::Stdio, time::Duration};

use eyre::{WrapErr, bail};
use serde_json::json;

use crate::RawRpc;

/// A running `anvil`.
pub struct AnvilNode {
    child: tokio::process::Child,
    /// Its HTTP JSON-RPC URL.
    pub url: String,
}

impl AnvilNode {
    /// Starts anvil with `args` (besides the port) and waits until it answers `eth_chainId`.
    pub async fn start(args: &[&str]) -> eyre::Result<Self> {
        let bin = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("js/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
        if !bin.is_file() {
            bail!(
                "anvil is not installed ({} is missing): run `bash scripts/test.sh` (it runs \
                 `npm ci` in tests/js)",
                bin.display()
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut child = tokio::process::Command::new(&bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .wrap_err_with(|| format!("spawning {}", bin.display()))?;
        let url = format!("http://127.0.0.1:{port}");
        let rpc = RawRpc::new(url.parse()?);
        let started = std::time::Instant::now();
        loop {
            if let Some(status) = child.try_wait()? {
                bail!("anvil exited ({status}) before serving");
            }
            if let Ok(Ok(_)) = rpc.request("eth_chainId", json!([])).await {
                return Ok(Self { child, url });
            }
            if started.elapsed() > crate::READY_TIMEOUT {
                bail!("anvil did not answer eth_chainId within {:?}", crate::READY_TIMEOUT);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for AnvilNode {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}
