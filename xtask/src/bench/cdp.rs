//! A minimal Chrome DevTools Protocol client over tokio-tungstenite: start
//! Debian's headless Chromium, call methods, read events. Enough for M6; a
//! full CDP crate (chromiumoxide) would add a large build for a few calls.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, Context};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Value>>>>;

pub struct Browser {
    _child: Child,
    pub cdp: Cdp,
}

/// Starts headless Chromium with a fresh profile (an empty cache: a cold load)
/// and connects to it. The flags are the ones this machine needs: no sandbox
/// as root, and no background traffic to Google's hosts (refused here).
pub async fn launch(profile_dir: &std::path::Path) -> anyhow::Result<Browser> {
    let mut child = Command::new("/usr/bin/chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--remote-debugging-port=0",
        ])
        .arg(format!("--user-data-dir={}", profile_dir.display()))
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("start /usr/bin/chromium")?;
    let stderr = child.stderr.take().context("chromium stderr")?;
    let mut lines = BufReader::new(stderr).lines();
    let url = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(l) = lines.next_line().await? {
            if let Some(u) = l.split("DevTools listening on ").nth(1) {
                return anyhow::Ok(u.trim().to_owned());
            }
        }
        bail!("chromium exited before listening")
    })
    .await
    .context("chromium did not start within 30 s")??;
    // Keep draining stderr so Chromium never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(Browser { _child: child, cdp: Cdp::connect(&url).await? })
}

pub struct Cdp {
    out: mpsc::UnboundedSender<String>,
    next: AtomicU64,
    pending: Pending,
    events: mpsc::UnboundedReceiver<Value>,
}

impl Cdp {
    async fn connect(url: &str) -> anyhow::Result<Cdp> {
        let config =
            tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default().max_message_size(Some(256 << 20));
        let (ws, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), false).await?;
        let (mut sink, mut stream) = ws.split();
        let (out, mut out_rx) = mpsc::unbounded_channel::<String>();
        let (ev_tx, events) = mpsc::unbounded_channel();
        let pending: Pending = Arc::default();
        tokio::spawn(async move {
            while let Some(m) = out_rx.recv().await {
                if sink.send(Message::text(m)).await.is_err() {
                    break;
                }
            }
        });
        let p = pending.clone();
        tokio::spawn(async move {
            while let Some(Ok(msg)) = stream.next().await {
                let Message::Text(t) = msg else { continue };
                let Ok(v) = serde_json::from_str::<Value>(t.as_str()) else { continue };
                match v.get("id").and_then(|i| i.as_u64()) {
                    Some(id) => {
                        if let Some(tx) = p.lock().unwrap_or_else(|e| e.into_inner()).remove(&id) {
                            let _ = tx.send(v);
                        }
                    }
                    None => {
                        let _ = ev_tx.send(v);
                    }
                }
            }
        });
        Ok(Cdp { out, next: AtomicU64::new(1), pending, events })
    }

    /// Calls a method (on a page's session when given) and returns its result.
    pub async fn call(&self, session: Option<&str>, method: &str, params: Value) -> anyhow::Result<Value> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = s.into();
        }
        let (tx, rx) = oneshot::channel();
        self.pending.lock().unwrap_or_else(|e| e.into_inner()).insert(id, tx);
        self.out.send(msg.to_string()).context("CDP connection closed")?;
        let v = tokio::time::timeout(Duration::from_secs(30), rx)
            .await
            .with_context(|| format!("{method}: no answer"))??;
        if let Some(e) = v.get("error") {
            bail!("{method}: {e}");
        }
        Ok(v["result"].clone())
    }

    /// The next event, or `None` after `timeout` without one.
    pub async fn event(&mut self, timeout: Duration) -> Option<Value> {
        tokio::time::timeout(timeout, self.events.recv()).await.ok().flatten()
    }

    /// Evaluates an expression in the page and returns its value.
    pub async fn eval(&self, session: &str, expr: &str) -> anyhow::Result<Value> {
        let r = self
            .call(
                Some(session),
                "Runtime.evaluate",
                json!({"expression": expr, "returnByValue": true, "awaitPromise": true}),
            )
            .await?;
        Ok(r["result"]["value"].clone())
    }

    /// A new tab with the Network and Page domains on; returns its session id.
    pub async fn new_page(&self) -> anyhow::Result<String> {
        let t = self.call(None, "Target.createTarget", json!({"url": "about:blank"})).await?;
        let target = t["targetId"].as_str().context("targetId")?;
        let s = self.call(None, "Target.attachToTarget", json!({"targetId": target, "flatten": true})).await?;
        let session = s["sessionId"].as_str().context("sessionId")?.to_owned();
        self.call(Some(&session), "Network.enable", json!({})).await?;
        self.call(Some(&session), "Page.enable", json!({})).await?;
        Ok(session)
    }
}
