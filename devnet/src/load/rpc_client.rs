//! A minimal JSON-RPC client for the load generator, over HTTP or WebSocket: one connection per
//! client, single requests or JSON-RPC batches, raw JSON in and out — what every Ethereum node speaks, with
//! nothing between the tool and the wire that would cap its rate.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

/// One client: its own connection to the node, HTTP or WebSocket.
#[derive(Debug, Clone)]
pub(super) struct RpcClient {
    transport: Transport,
}

type WsStream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

#[derive(Debug, Clone)]
enum Transport {
    Http {
        http: reqwest::Client,
        url: reqwest::Url,
    },
    /// One request in flight at a time: its answer is the next message.
    Ws(std::sync::Arc<tokio::sync::Mutex<WsStream>>),
}

/// What one JSON-RPC call answered.
pub(super) type Answer = Result<Value, String>;

impl RpcClient {
    /// A client of `url` (`http(s)://` or `ws(s)://`) with a connection of its own.
    pub(super) async fn connect(url: &reqwest::Url) -> eyre::Result<Self> {
        let transport = match url.scheme() {
            "ws" | "wss" => {
                let (stream, _) = tokio_tungstenite::connect_async(url.as_str()).await?;
                Transport::Ws(std::sync::Arc::new(tokio::sync::Mutex::new(stream)))
            }
            _ => {
                let http = reqwest::Client::builder()
                    .pool_max_idle_per_host(1)
                    .timeout(Duration::from_secs(120))
                    .build()?;
                Transport::Http { http, url: url.clone() }
            }
        };
        Ok(Self { transport })
    }

    /// Sends `body` and returns the node's answer.
    async fn exchange(&self, body: &Value) -> eyre::Result<Value> {
        match &self.transport {
            Transport::Http { http, url } => {
                Ok(http.post(url.clone()).json(body).send().await?.json().await?)
            }
            Transport::Ws(stream) => {
                let mut stream = stream.lock().await;
                stream.send(Message::text(body.to_string())).await?;
                loop {
                    match stream.next().await {
                        Some(Ok(Message::Text(text))) => return Ok(serde_json::from_str(&text)?),
                        Some(Ok(Message::Binary(bytes))) => {
                            return Ok(serde_json::from_slice(&bytes)?);
                        }
                        Some(Ok(_)) => continue,
                        Some(Err(e)) => return Err(e.into()),
                        None => eyre::bail!("the node closed the WebSocket"),
                    }
                }
            }
        }
    }

    /// Calls `method` with `params`.
    pub(super) async fn call(&self, method: &str, params: Value) -> eyre::Result<Value> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let reply = self.exchange(&body).await?;
        answer(&reply).map_err(|e| eyre::eyre!("{method}: {e}"))
    }

    /// Calls `method` once per params of `calls` in one JSON-RPC batch; the answers in order.
    pub(super) async fn batch(&self, method: &str, calls: &[Value]) -> eyre::Result<Vec<Answer>> {
        let body: Vec<Value> = calls
            .iter()
            .enumerate()
            .map(|(id, params)| json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .collect();
        let reply = self.exchange(&Value::Array(body)).await?;
        let Value::Array(items) = reply else {
            // A node that refuses the whole batch answers one error object.
            let why =
                answer(&reply).err().unwrap_or_else(|| format!("not a batch answer: {reply}"));
            return Ok(vec![Err(why); calls.len()]);
        };
        let mut answers = vec![Err("no answer".to_string()); calls.len()];
        for item in &items {
            if let Some(id) = item["id"].as_u64().and_then(|id| usize::try_from(id).ok())
                && id < answers.len()
            {
                answers[id] = answer(item);
            }
        }
        Ok(answers)
    }
}

/// The result of one JSON-RPC response object, or its error's message.
fn answer(reply: &Value) -> Answer {
    match (reply.get("result"), reply.get("error")) {
        (Some(result), None) => Ok(result.clone()),
        (_, Some(error)) => Err(error["message"].as_str().unwrap_or("error").to_string()),
        _ => Err(format!("not a JSON-RPC response: {reply}")),
    }
}

/// A JSON quantity (`"0x1a"`) as a number.
pub(super) fn quantity(value: &Value) -> eyre::Result<u64> {
    let text = value.as_str().ok_or_else(|| eyre::eyre!("not a quantity: {value}"))?;
    Ok(u64::from_str_radix(text.trim_start_matches("0x"), 16)?)
}
