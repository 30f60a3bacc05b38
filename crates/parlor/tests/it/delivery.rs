//! How pages and files travel: compression by Accept-Encoding (the same bytes
//! once decoded) and caching of fingerprinted files.

use std::io::Read;

use futures_util::SinkExt;
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, ETAG, IF_NONE_MATCH, VARY};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::helpers::*;

struct Got {
    status: u16,
    encoding: Option<String>,
    vary: String,
    cache: String,
    etag: Option<String>,
    /// Decoded.
    body: Vec<u8>,
}

fn header(res: &reqwest::Response, name: reqwest::header::HeaderName) -> Option<String> {
    let values: Vec<&str> = res.headers().get_all(name).iter().filter_map(|v| v.to_str().ok()).collect();
    (!values.is_empty()).then(|| values.join(", "))
}

async fn fetch(url: &str, accept: Option<&str>, if_none_match: Option<&str>) -> Got {
    let mut req = no_redirect_client().get(url);
    if let Some(a) = accept {
        req = req.header(ACCEPT_ENCODING, a);
    }
    if let Some(tag) = if_none_match {
        req = req.header(IF_NONE_MATCH, tag);
    }
    let res = req.send().await.expect("send");
    let encoding = header(&res, CONTENT_ENCODING);
    let got = |body| Got {
        status: res.status().as_u16(),
        encoding: encoding.clone(),
        vary: header(&res, VARY).unwrap_or_default().to_ascii_lowercase(),
        cache: header(&res, CACHE_CONTROL).unwrap_or_default(),
        etag: header(&res, ETAG),
        body,
    };
    let mut got = got(Vec::new());
    let raw = res.bytes().await.expect("body").to_vec();
    got.body = match encoding.as_deref() {
        None => raw,
        Some("gzip") => {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&raw[..]).read_to_end(&mut out).expect("valid gzip");
            out
        }
        Some("br") => {
            let mut out = Vec::new();
            brotli::Decompressor::new(&raw[..], 4096).read_to_end(&mut out).expect("valid brotli");
            out
        }
        Some(other) => panic!("unexpected Content-Encoding {other}"),
    };
    got
}

/// Asks for `url` without Accept-Encoding, with gzip and with brotli: the same
/// body every time, compressed as asked, and `Vary: Accept-Encoding` on all.
async fn assert_negotiated(url: &str) -> Vec<u8> {
    let plain = fetch(url, None, None).await;
    assert_eq!(plain.status, 200, "{url}");
    assert_eq!(plain.encoding, None, "{url}: nothing asked, nothing compressed");
    for (accept, expected) in [("gzip", "gzip"), ("gzip, deflate, br", "br"), ("br;q=0, gzip;q=0.8", "gzip")] {
        let got = fetch(url, Some(accept), None).await;
        assert_eq!(got.status, 200, "{url}");
        assert_eq!(got.encoding.as_deref(), Some(expected), "{url} with {accept}");
        assert_eq!(got.body, plain.body, "{url} with {accept}: decoded body differs");
        assert!(got.vary.contains("accept-encoding"), "{url} with {accept}: Vary is {:?}", got.vary);
    }
    assert!(plain.vary.contains("accept-encoding"), "{url}: Vary is {:?}", plain.vary);
    plain.body
}

fn frame_url(app: &TestApp, token: &str) -> String {
    format!("{}/widget/frame?website_token={token}", app.url)
}

/// `/static/<version>/` as the frame page links it.
fn static_prefix(html: &str) -> String {
    let at = html.find("/widget/frame.js").expect("the frame links frame.js");
    let start = html[..at].rfind("/static/").expect("under /static/");
    html[start..at].to_owned()
}

#[tokio::test]
async fn static_files_are_served_compressed_as_negotiated_and_the_fingerprinted_ones_cached_for_good() {
    let app = TestApp::spawn().await;
    let frame = String::from_utf8(fetch(&frame_url(&app, &app.website_token), None, None).await.body).expect("utf-8");
    let prefix = static_prefix(&frame);
    for path in ["/widget.js", &format!("{prefix}/widget/frame.js"), &format!("{prefix}/shared/lib.js")] {
        let body = assert_negotiated(&format!("{}{path}", app.url)).await;
        assert!(body.len() > 1000, "{path}");
    }
    let versioned = fetch(&format!("{}{prefix}/widget/frame.js", app.url), Some("gzip"), None).await;
    assert!(
        versioned.cache.contains("immutable") && versioned.cache.contains("max-age=31536000"),
        "{}",
        versioned.cache
    );
    // The loader's URL is embedded by websites: cached briefly, then revalidated.
    let loader = fetch(&format!("{}/widget.js", app.url), Some("gzip"), None).await;
    assert!(!loader.cache.contains("immutable"), "{}", loader.cache);
    let etag = loader.etag.expect("an ETag");
    let again = fetch(&format!("{}/widget.js", app.url), Some("gzip"), Some(&etag)).await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    // Another encoding is another representation: no 304 for the gzip tag.
    let plain = fetch(&format!("{}/widget.js", app.url), None, Some(&etag)).await;
    assert_eq!(plain.status, 200);
    app.stop().await;
}

#[tokio::test]
async fn pages_and_large_api_answers_are_compressed_and_the_socket_is_not() {
    let app = TestApp::spawn().await;
    assert_negotiated(&format!("{}/login", app.url)).await;
    let doc = assert_negotiated(&format!("{}/api/openapi.json", app.url)).await;
    serde_json::from_slice::<Value>(&doc).expect("the decoded OpenAPI document is JSON");
    // A small answer is not worth compressing.
    let health = fetch(&format!("{}/healthz", app.url), Some("gzip, br"), None).await;
    assert_eq!(health.encoding, None);
    // The socket's handshake ignores Accept-Encoding, and the socket works.
    let v = app.visitor().await;
    let mut ws = app.ws_with(&[("accept-encoding", "gzip, deflate, br")]).await.expect("upgrade");
    ws.send(WsMessage::text(json!({"event": "authenticate", "pubsub_token": v.pubsub_token}).to_string()))
        .await
        .expect("send");
    assert_eq!(next_json(&mut ws).await["event"], "authenticated");
    app.stop().await;
}
