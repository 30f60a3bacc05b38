//! How pages and files travel: compression by Accept-Encoding (the same bytes
//! once decoded), caching of fingerprinted files, and the widget frame, which
//! inlines its stylesheet and settings under a strict CSP (threats.md #11).

use std::io::Read;

use base64::Engine as _;
use futures_util::SinkExt;
use reqwest::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_SECURITY_POLICY, ETAG, IF_NONE_MATCH, VARY,
};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
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
    assert_negotiated(&frame_url(&app, &app.website_token)).await;
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

/// The text between `open` and the next `</…>` after it.
fn element<'a>(html: &'a str, open: &str) -> &'a str {
    let start = html.find(open).unwrap_or_else(|| panic!("{open} in the page")) + open.len();
    let end = html[start..].find("</").expect("closing tag") + start;
    &html[start..end]
}

#[tokio::test]
async fn the_widget_frame_inlines_its_styles_and_settings_under_a_strict_csp() {
    let app = TestApp::spawn().await;
    let evil = "</script><script>alert(1)</script><!--";
    let res = app
        .http
        .post(app.api("/inboxes"))
        .header("api_access_token", &app.admin_token)
        .json(&json!({"name": evil, "channel": {"type": "web_widget", "widget_color": "#ffd500"}}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 200);
    let inbox: Value = res.json().await.expect("json");
    let token = inbox["website_token"].as_str().expect("website_token");

    let res = no_redirect_client()
        .get(frame_url(&app, token))
        .header("accept-language", "de-DE,de;q=0.9,en;q=0.5")
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 200);
    let csp = header(&res, CONTENT_SECURITY_POLICY).expect("a CSP");
    let html = res.text().await.expect("html");

    // The name cannot break out of the data block, the title or the header.
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("<!--"), "{html}");
    let config: Value = serde_json::from_str(element(&html, r#"<script type="application/json" id="parlor-config">"#))
        .expect("the data block is JSON");
    assert_eq!(config["inboxName"], evil);
    assert_eq!(config["websiteToken"], token);
    assert_eq!(config["lang"], "de");
    assert_eq!(config["color"], "#ffd500");
    assert_eq!(config["fg"], "#111827", "dark launcher icon on a light colour");
    assert_eq!(config["strings"]["widget.sending"], "Wird gesendet…", "German strings only");
    let title = element(&html, "<title>");
    assert!(title.contains("alert(1)") && !title.contains('<'), "escaped in the markup: {title}");
    assert!(html.contains(r#"placeholder="Nachricht schreiben…""#), "the panel is rendered in German");

    // Strict CSP: no inline scripts, and exactly the page's style blocks by hash.
    let directive = |name: &str| -> Vec<String> {
        csp.split(';')
            .map(str::trim)
            .find_map(|d| d.strip_prefix(name).map(|rest| rest.split_whitespace().map(str::to_owned).collect()))
            .unwrap_or_default()
    };
    assert_eq!(directive("script-src "), ["'self'"]);
    assert_eq!(directive("frame-ancestors "), ["*"], "websites embed the frame");
    let mut hashes = Vec::new();
    let mut rest = html.as_str();
    while let Some(at) = rest.find("<style>") {
        let css = element(rest, "<style>");
        hashes.push(format!(
            "'sha256-{}'",
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(css.as_bytes()))
        ));
        rest = &rest[at + 7..];
    }
    assert_eq!(hashes.len(), 2, "the stylesheet and the inbox's colours");
    assert_eq!(directive("style-src "), hashes);
    assert!(!csp.contains("unsafe"), "{csp}");
    assert!(html.contains("--accent:#ffd500"), "the inbox's colour is in the page");

    // Nothing external but the two modules.
    let prefix = static_prefix(&html);
    assert!(!html.contains("rel=\"stylesheet\""));
    assert_eq!(html.matches("/static/").count(), 2, "{html}");
    for module in ["widget/frame.js", "shared/lib.js"] {
        let got = fetch(&format!("{}{prefix}/{module}", app.url), None, None).await;
        assert_eq!(got.status, 200, "{module}");
    }
    app.stop().await;
}

#[tokio::test]
async fn an_unchanged_widget_frame_is_a_304() {
    let app = TestApp::spawn().await;
    let url = frame_url(&app, &app.website_token);
    let first = fetch(&url, Some("gzip"), None).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.cache, "no-cache");
    let etag = first.etag.expect("an ETag");
    assert_eq!(fetch(&url, Some("gzip"), Some(&etag)).await.status, 304);
    // Another language is another page.
    let res =
        no_redirect_client().get(format!("{url}&lang=de")).header(IF_NONE_MATCH, &etag).send().await.expect("send");
    assert_eq!(res.status(), 200);
    // An unknown inbox has no frame.
    assert_eq!(fetch(&frame_url(&app, "nope"), None, None).await.status, 404);
    app.stop().await;
}
