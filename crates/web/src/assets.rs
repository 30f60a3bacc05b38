//! The browser's files (embedded with gzip and brotli copies by the `assets`
//! crate, handed over by the binary), served by content negotiation with ETags. Pages link them under
//! the fingerprint `/static/<VERSION>/…`, which browsers may keep for a year;
//! plain `/static/…` and the loader `/widget.js` (whose URL websites embed) are
//! cached for minutes and revalidated.

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// One file the binary hands over (the `assets` crate embeds them).
pub struct Asset {
    /// Relative to `static/`, with `/`.
    pub path: &'static str,
    pub raw: &'static [u8],
    /// Present where compressing saved bytes.
    pub gzip: Option<&'static [u8]>,
    pub br: Option<&'static [u8]>,
    /// SHA-256 of `raw`, base64: a CSP hash source when the file is inlined.
    pub sha256: &'static str,
}

/// The browser's files and their version, as a value: `web` does not depend on
/// the crate that embeds them, so editing a script never rebuilds `web`.
#[derive(Clone)]
pub struct Assets(Arc<Inner>);

struct Inner {
    version: &'static str,
    files: HashMap<&'static str, Asset>,
}

/// Fingerprinted URLs: the content never changes under one version.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Stable URLs: cached for a few minutes, then revalidated with the ETag.
pub const SHORT: &str = "public, max-age=300";

impl Assets {
    /// `version` changes whenever any file does; it fingerprints their URLs.
    pub fn new(version: &'static str, files: impl IntoIterator<Item = Asset>) -> Assets {
        Assets(Arc::new(Inner { version, files: files.into_iter().map(|a| (a.path, a)).collect() }))
    }

    pub fn version(&self) -> &'static str {
        self.0.version
    }

    pub fn get(&self, path: &str) -> Option<&Asset> {
        self.0.files.get(path)
    }

    /// A file's text, for pages that inline it.
    pub fn text(&self, path: &str) -> &'static str {
        self.get(path).and_then(|a| std::str::from_utf8(a.raw).ok()).unwrap_or_default()
    }

    /// The file at a `/static/` path: the fingerprinted form `<version>/<file>` or
    /// the plain `<file>`. A fingerprint of an older build (a page rendered before
    /// an upgrade) still gets the current file, but only cached briefly.
    pub fn lookup(&self, path: &str) -> Option<(&Asset, &'static str)> {
        if let Some(asset) = self.get(path) {
            return Some((asset, SHORT));
        }
        let (version, rest) = path.split_once('/')?;
        self.get(rest).map(|asset| (asset, if version == self.0.version { IMMUTABLE } else { SHORT }))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

/// The best of brotli, gzip and identity that `Accept-Encoding` allows
/// (RFC 9110 §12.5.3: q-values, `*`, `q=0` refuses), brotli on a tie.
pub fn negotiate(accept: &str, have_br: bool, have_gzip: bool) -> Encoding {
    let (mut br, mut gzip, mut any) = (None, None, None);
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
            .map_or(1.0, |v| v.trim().parse::<f32>().unwrap_or(0.0));
        match coding.as_str() {
            "br" => br = Some(q),
            "gzip" | "x-gzip" => gzip = Some(q),
            "*" => any = Some(q),
            _ => {}
        }
    }
    let br = if have_br { br.or(any).unwrap_or(0.0) } else { 0.0 };
    let gzip = if have_gzip { gzip.or(any).unwrap_or(0.0) } else { 0.0 };
    if br > 0.0 && br >= gzip {
        Encoding::Brotli
    } else if gzip > 0.0 {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

/// Whether `If-None-Match` names `etag` (weak comparison, as for GET).
pub fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    let etag = etag.trim_start_matches("W/");
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|list| list.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag))
}

/// The asset in the best encoding the request accepts.
pub fn serve(asset: &Asset, req: &HeaderMap, cache: &'static str) -> Response {
    let accept = req.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let encoding = negotiate(accept, asset.br.is_some(), asset.gzip.is_some());
    let (body, coding) = match (encoding, asset.br, asset.gzip) {
        (Encoding::Brotli, Some(br), _) => (br, Some("br")),
        (Encoding::Gzip, _, Some(gz)) => (gz, Some("gzip")),
        _ => (asset.raw, None),
    };
    // Each encoding is its own representation, so its own strong ETag.
    let tag = asset.sha256.get(..22).unwrap_or(asset.sha256);
    let etag = format!("\"{tag}{}\"", coding.map(|c| format!("-{c}")).unwrap_or_default());
    let fresh = not_modified(req, &etag);
    let mut res = if fresh { StatusCode::NOT_MODIFIED.into_response() } else { body.into_response() };
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if asset.gzip.is_some() || asset.br.is_some() {
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    // A 304 only refreshes what a cache keeps; the body's metadata stays out.
    if !fresh {
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime(asset.path)));
        if let Some(c) = coding {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(c));
        }
    }
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; style-src 'self'"));
    res
}

fn mime(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "json" => "application/json",
        "html" => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_follows_q_values_and_prefers_brotli() {
        use Encoding::*;
        assert_eq!(negotiate("gzip, deflate, br, zstd", true, true), Brotli);
        assert_eq!(negotiate("gzip, deflate", true, true), Gzip);
        assert_eq!(negotiate("br;q=0.5, gzip", true, true), Gzip);
        assert_eq!(negotiate("br;q=0, gzip;q=0", true, true), Identity);
        assert_eq!(negotiate("", true, true), Identity);
        assert_eq!(negotiate("identity", true, true), Identity);
        assert_eq!(negotiate("*", true, true), Brotli);
        assert_eq!(negotiate("*;q=0.1, br;q=0", true, true), Gzip);
        assert_eq!(negotiate("GZIP", true, true), Gzip);
        assert_eq!(negotiate("br", false, true), Identity);
        assert_eq!(negotiate("gzip;q=nonsense", true, true), Identity);
    }

    #[test]
    fn fingerprinted_paths_are_immutable_and_old_fingerprints_are_not() {
        let file = Asset { path: "widget/frame.js", raw: b"x", gzip: None, br: None, sha256: "" };
        let assets = Assets::new("a1b2c3d4e5f6", [file]);
        let lookup = |p: &str| assets.lookup(p);
        assert_eq!(
            lookup("a1b2c3d4e5f6/widget/frame.js").map(|(a, c)| (a.path, c)),
            Some(("widget/frame.js", IMMUTABLE))
        );
        assert_eq!(lookup("0123456789ab/widget/frame.js").map(|(a, c)| (a.path, c)), Some(("widget/frame.js", SHORT)));
        assert_eq!(lookup("widget/frame.js").map(|(_, c)| c), Some(SHORT));
        assert!(lookup("widget/nope.js").is_none());
        assert!(lookup("../Cargo.toml").is_none());
    }
}
