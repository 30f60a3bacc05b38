//! M6: the widget's cold load in headless Chromium, driven over CDP (cdp.rs).
//!
//! 1. First visit, empty cache: open `/demo`, click the launcher, wait until
//!    the network is quiet. Counted: every request the widget made (the demo
//!    page's own document and assets excluded), the loader's size and the
//!    whole widget's (loader + frame HTML + its JS/CSS), raw and gzip-compressed
//!    (gzip level 6, done here: Parlor sends them uncompressed, and real
//!    deployments compress at the proxy; both are reported).
//! 2. The visitor sends a message, so the widget now has an identity.
//! 3. Returning visitor, cache cleared: open `/demo` again and time from the
//!    loader script's arrival (script start: an async script runs on arrival)
//!    to the socket's handshake answer (socket open). A first-time visitor opens
//!    no socket until they write, so this is where the socket's start is timed.

use std::collections::HashMap;
use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde_json::{json, Value};

use super::cdp::{self, Cdp};
use super::procs::{self, Db};
use super::report::{Report, NONE};
use super::Ctx;

#[derive(Default, Debug)]
struct Req {
    url: String,
    kind: String,
    finished: Option<f64>,
    encoded: f64,
}

#[derive(Default)]
struct Load {
    reqs: HashMap<String, Req>,
    loaded: bool,
    ws_open: Option<f64>,
}

impl Load {
    /// The widget's requests: everything but the host page's own.
    fn widget(&self) -> Vec<&Req> {
        let mut v: Vec<&Req> = self
            .reqs
            .values()
            .filter(|r| {
                let path = r.url.splitn(4, '/').nth(3).map(|p| format!("/{p}")).unwrap_or_default();
                r.url.starts_with("http")
                    && !(path == "/demo"
                        || path.starts_with("/demo?")
                        || path.starts_with("/static/demo/")
                        || path.starts_with("/favicon"))
            })
            .collect();
        v.sort_by(|a, b| a.url.cmp(&b.url));
        v
    }

    fn apply(&mut self, e: &Value) {
        let p = &e["params"];
        let id = p["requestId"].as_str().unwrap_or_default().to_owned();
        match e["method"].as_str().unwrap_or_default() {
            "Network.requestWillBeSent" => {
                let r = self.reqs.entry(id).or_default();
                r.url = p["request"]["url"].as_str().unwrap_or_default().to_owned();
                r.kind = p["type"].as_str().unwrap_or_default().to_owned();
            }
            "Network.loadingFinished" => {
                if let Some(r) = self.reqs.get_mut(&id) {
                    r.finished = p["timestamp"].as_f64();
                    r.encoded = p["encodedDataLength"].as_f64().unwrap_or(0.0);
                }
            }
            "Network.webSocketHandshakeResponseReceived" => {
                self.ws_open = self.ws_open.or(p["timestamp"].as_f64());
            }
            "Page.loadEventFired" => self.loaded = true,
            _ => {}
        }
    }
}

/// Applies the page's events until `done` holds and the network has been
/// quiet for `quiet`, or `max` passed.
async fn collect(
    cdp: &mut Cdp,
    session: &str,
    load: &mut Load,
    done: fn(&Load) -> bool,
    quiet: Duration,
    max: Duration,
) {
    let deadline = Instant::now() + max;
    while Instant::now() < deadline {
        match cdp.event(quiet).await {
            Some(e) if e["sessionId"].as_str() == Some(session) => load.apply(&e),
            Some(_) => {}
            None if done(load) => return,
            None => {}
        }
    }
}

/// Retries a page expression until it returns true (the widget builds its DOM
/// asynchronously).
async fn until_true(cdp: &Cdp, session: &str, expr: &str, what: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if cdp.eval(session, expr).await?.as_bool() == Some(true) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("{what} not found in the page within 10 s")
}

const CLICK_LAUNCHER: &str = "(() => { const r = document.querySelector('parlor-widget')?.shadowRoot; \
    const b = r?.querySelector('[data-testid=launcher]') || r?.querySelector('button'); if (!b) return false; b.click(); return true; })()";
const FOCUS_INPUT: &str = "(() => { const f = document.querySelector('parlor-widget')?.shadowRoot?.querySelector('iframe'); \
    const i = f?.contentDocument?.querySelector('[data-testid=widget-input]'); if (!i) return false; f.focus(); i.focus(); return true; })()";

fn gzip_len(body: &[u8]) -> anyhow::Result<usize> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    e.write_all(body)?;
    Ok(e.finish()?.len())
}

pub async fn run(ctx: &Ctx, rep: &mut Report) -> anyhow::Result<()> {
    procs::ensure_installed("/usr/bin/chromium", &["chromium"]).await?;
    let db = Db { data_dir: ctx.fresh_dir("m6")?, url: None };
    let server = procs::start_parlor(ctx, "m6-parlor", &db, None).await?;
    let r = async {
        let mut b = cdp::launch(&ctx.fresh_dir("m6-chromium")?).await?;
        let r = measure(ctx, rep, &mut b.cdp, &server.base).await;
        drop(b);
        r
    }
    .await;
    server.proc.stop().await;
    r
}

async fn measure(_ctx: &Ctx, rep: &mut Report, cdp: &mut Cdp, base: &str) -> anyhow::Result<()> {
    let s = cdp.new_page().await?;
    let demo = format!("{base}/demo");
    // 1. First visit, cold cache, launcher clicked.
    let mut first = Load::default();
    cdp.call(Some(&s), "Page.navigate", json!({"url": demo})).await?;
    collect(cdp, &s, &mut first, |l| l.loaded, Duration::from_millis(300), Duration::from_secs(15)).await;
    until_true(cdp, &s, CLICK_LAUNCHER, "the launcher").await?;
    collect(cdp, &s, &mut first, |_| true, Duration::from_millis(1500), Duration::from_secs(15)).await;
    let widget = first.widget();
    let http = reqwest::Client::new();
    let (mut raw, mut gz, mut transfer, mut loader) = (0usize, 0usize, 0f64, None);
    let mut listed = Vec::new();
    for r in &widget {
        transfer += r.encoded;
        listed.push(format!("{} {}", r.kind, r.url.trim_start_matches(base)));
        // The widget's code and page; API answers are data, not the widget's weight.
        if !matches!(r.kind.as_str(), "Document" | "Script" | "Stylesheet" | "Font" | "Image") {
            continue;
        }
        let body = http.get(&r.url).header("accept-encoding", "identity").send().await?.bytes().await?;
        let z = gzip_len(&body)?;
        raw += body.len();
        gz += z;
        if r.url.ends_with("/widget.js") {
            loader = Some((body.len(), z));
        }
    }
    let (loader_raw, loader_gz) = loader.context("the page loaded no /widget.js")?;
    let enc = http.get(format!("{base}/widget.js")).header("accept-encoding", "gzip, br").send().await?;
    let server_enc = enc.headers().get("content-encoding").and_then(|v| v.to_str().ok()).unwrap_or("none").to_owned();
    eprintln!("bench:   widget requests: {listed:?}");
    eprintln!("bench:   loader {loader_raw} B ({loader_gz} B gzip); widget {raw} B ({gz} B gzip); server encoding: {server_enc}");
    // 2. The visitor writes: the widget creates its contact and opens its socket.
    until_true(cdp, &s, FOCUS_INPUT, "the widget's message input").await?;
    cdp.call(Some(&s), "Input.insertText", json!({"text": "Hello, is the Ethiopia roast in stock?"})).await?;
    for t in ["keyDown", "keyUp"] {
        let key = json!({"type": t, "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r"});
        cdp.call(Some(&s), "Input.dispatchKeyEvent", key).await?;
    }
    let mut wrote = Load::default();
    collect(cdp, &s, &mut wrote, |l| l.ws_open.is_some(), Duration::from_millis(300), Duration::from_secs(10)).await;
    if wrote.ws_open.is_none() {
        bail!("the widget opened no socket after the visitor's first message");
    }
    // 3. Returning visitor, cold cache.
    cdp.call(Some(&s), "Network.clearBrowserCache", json!({})).await?;
    let mut again = Load::default();
    cdp.call(Some(&s), "Page.navigate", json!({"url": demo})).await?;
    collect(
        cdp,
        &s,
        &mut again,
        |l| l.loaded && l.ws_open.is_some(),
        Duration::from_millis(500),
        Duration::from_secs(20),
    )
    .await;
    let script = again.reqs.values().find(|r| r.url.ends_with("/widget.js")).and_then(|r| r.finished);
    let to_socket = match (script, again.ws_open) {
        (Some(a), Some(b)) => (b - a) * 1000.0,
        _ => f64::NAN,
    };
    eprintln!(
        "bench:   returning visitor: script start → socket open {to_socket:.1} ms, {} requests",
        again.widget().len()
    );
    let note = json!({"server_content_encoding": server_enc, "compression": "gzip level 6 by the harness"});
    rep.add("M6.loader_bytes", loader_raw as f64, "B", NONE, json!({"what": "/widget.js uncompressed"}));
    rep.add("M6.loader_gzip_bytes", loader_gz as f64, "B", NONE, note.clone());
    rep.add(
        "M6.widget_bytes",
        raw as f64,
        "B",
        NONE,
        json!({"what": "loader + frame HTML + its JS/CSS, uncompressed"}),
    );
    rep.add("M6.widget_gzip_bytes", gz as f64, "B", NONE, note);
    rep.add(
        "M6.widget_transfer_bytes",
        transfer,
        "B",
        NONE,
        json!({"what": "bytes Chromium received for the widget, headers included"}),
    );
    rep.add(
        "M6.requests",
        widget.len() as f64,
        "requests",
        NONE,
        json!({"requests": listed, "visit": "first, launcher opened"}),
    );
    rep.add(
        "M6.returning_requests",
        again.widget().len() as f64,
        "requests",
        NONE,
        json!({"visit": "returning, cache cleared"}),
    );
    rep.add(
        "M6.script_to_socket_ms",
        to_socket,
        "ms",
        NONE,
        json!({"visit": "returning visitor, cache cleared, loopback"}),
    );
    Ok(())
}
