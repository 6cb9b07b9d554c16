//! Hardhat 2's `hardhat node` (from `tests/l1-hardhat`, installed by `scripts/test.sh`) as a
//! child process on a free port: the third-party Ethereum dev node that the Ethereum DA and
//! bridge tests run against besides Manifold's own dev L1. It is killed when dropped.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use eyre::{WrapErr, bail};
use serde_json::json;

use crate::RawRpc;

/// Chain id of the Hardhat node (`tests/l1-hardhat/hardhat.config.js`).
pub const HARDHAT_CHAIN_ID: u64 = 31_338;

/// A running `hardhat node`.
pub struct HardhatNode {
    child: tokio::process::Child,
    /// Its HTTP JSON-RPC URL.
    pub url: String,
    /// A raw JSON-RPC client of it.
    pub rpc: RawRpc,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl HardhatNode {
    /// Starts it and waits until it answers `eth_chainId` with [`HARDHAT_CHAIN_ID`].
    pub async fn start() -> eyre::Result<Self> {
        let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("l1-hardhat");
        let bin = project.join("node_modules/.bin/hardhat");
        if !bin.is_file() {
            bail!(
                "Hardhat is not installed ({} is missing): run `bash scripts/test.sh` (it runs \
                 `npm ci` in tests/l1-hardhat)",
                bin.display()
            );
        }
        let dir = tempfile::Builder::new().prefix("manifold-hardhat-").tempdir()?;
        let log = dir.path().join("hardhat.log");
        let out = std::fs::File::create(&log)?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = tokio::process::Command::new(&bin)
            .args(["node", "--hostname", "127.0.0.1", "--port", &port.to_string()])
            .current_dir(&project)
            .env("HARDHAT_DISABLE_TELEMETRY_PROMPT", "true")
            .stdin(Stdio::null())
            .stdout(Stdio::from(out.try_clone()?))
            .stderr(Stdio::from(out))
            .kill_on_drop(true)
            .spawn()
            .wrap_err_with(|| format!("spawning {}", bin.display()))?;
        let url = format!("http://127.0.0.1:{port}");
        let mut hardhat = Self { child, rpc: RawRpc::new(url.parse()?), url, log, _dir: dir };
        let started = std::time::Instant::now();
        loop {
            if let Some(status) = hardhat.child.try_wait()? {
                bail!(
                    "hardhat node exited ({status}) before serving; its log:\n{}",
                    hardhat.log_text()
                );
            }
            if let Ok(Ok(id)) = hardhat.rpc.request("eth_chainId", json!([])).await {
                let id = id
                    .as_str()
                    .and_then(|t| u64::from_str_radix(t.trim_start_matches("0x"), 16).ok());
                assert_eq!(id, Some(HARDHAT_CHAIN_ID), "hardhat.config.js chain id");
                return Ok(hardhat);
            }
            if started.elapsed() > crate::READY_TIMEOUT {
                bail!(
                    "hardhat node did not answer eth_chainId within {:?}; its log:\n{}",
                    crate::READY_TIMEOUT,
                    hardhat.log_text()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// What the node has logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for HardhatNode {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}
