//! The widget's frame page (W2, W11). The server renders the whole panel in the
//! visitor's language and the inbox's colours, inlines the stylesheet, and adds
//! a JSON data block with what `static/widget/frame.js` needs (inbox settings,
//! the strings it shows). So the frame costs the page itself and two cached
//! modules: no stylesheet, no settings or translations fetched at start.
//!
//! The CSP stays strict: the two inline `<style>` blocks are allowed by their
//! SHA-256 hashes, scripts only from Parlor's origin, and the JSON data block
//! is data (`type="application/json"`), never executed.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use std::collections::BTreeMap;

use i18n::Catalogue;

use crate::pages::{self, json_for_html};
use crate::AppState;

const CSS: &str = "widget/widget.css";

/// The catalogue's areas frame.js shows: its language's only.
const BROWSER_AREAS: &[&str] = &["widget.", "activity.", "error."];

// ---------------------------------------------------------------- colours

/// The inbox's accent and what goes on it. Text on the accent must stay
/// readable (WCAG AA) whatever colour an admin picks.
#[derive(Debug, PartialEq, Eq)]
pub struct Colors {
    /// As configured: focus rings.
    pub brand: String,
    /// A text-safe variant: header, own bubbles, buttons.
    pub accent: String,
    pub on_accent: &'static str,
    /// Icon colour on the loader's launcher, which uses `brand` as is.
    pub launcher_fg: &'static str,
}

const DARK_TEXT: &str = "#111827";
const WHITE: &str = "#ffffff";

/// `#rgb` or `#rrggbb` (a parsed `HexColor`) as 0..255 channels.
fn rgb(hex: &str) -> [f64; 3] {
    let x = hex.trim_start_matches('#');
    let long: String = if x.len() == 3 { x.chars().flat_map(|c| [c, c]).collect() } else { x.to_owned() };
    let channel = |i: usize| long.get(i..i + 2).and_then(|s| u8::from_str_radix(s, 16).ok()).map_or(0.0, f64::from);
    [channel(0), channel(2), channel(4)]
}

/// WCAG relative luminance.
fn luminance(c: [f64; 3]) -> f64 {
    let lin = |v: f64| {
        let v = v / 255.0;
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2])
}

impl Colors {
    /// Light brand colours (yellow, mint) get dark text; others are darkened in
    /// small steps until white text on them reaches 4.5:1.
    pub fn of(hex: &str) -> Colors {
        let mut c = rgb(hex);
        if luminance(c) > 0.45 {
            return Colors { brand: hex.into(), accent: hex.into(), on_accent: DARK_TEXT, launcher_fg: DARK_TEXT };
        }
        while 1.05 / (luminance(c) + 0.05) < 4.5 {
            c = c.map(|v| (v * 0.94).round());
        }
        Colors {
            brand: hex.into(),
            accent: format!("rgb({} {} {})", c[0], c[1], c[2]),
            on_accent: WHITE,
            launcher_fg: WHITE,
        }
    }

    fn css(&self) -> String {
        format!(":root{{--brand:{};--accent:{};--on-accent:{}}}", self.brand, self.accent, self.on_accent)
    }
}

// ---------------------------------------------------------------- the page

fn csp_hash(text: &str) -> String {
    format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes())))
}

#[derive(Template)]
#[template(path = "widget_frame.html")]
struct FramePage<'a> {
    lang: &'static str,
    v: &'static str,
    s: &'static Catalogue,
    inbox_name: &'a str,
    welcome_title: &'a str,
    welcome_tagline: &'a str,
    /// The inbox's greeting, when it has one switched on.
    greeting: Option<&'a str>,
    /// The catalogue key of the header's "Typically replies …" line.
    reply_time_key: &'static str,
    css: &'static str,
    colors: &'a str,
    config: &'a str,
}

/// The frame for a website token no inbox has: a 404 whose only script tells
/// the loader, which then shows no launcher (a raw error in the panel helps
/// no visitor).
#[derive(Template)]
#[template(path = "widget_unknown.html")]
struct UnknownPage {
    v: &'static str,
}

fn unknown_token(state: &AppState) -> Response {
    let csp = "default-src 'none'; script-src 'self'; frame-ancestors *; base-uri 'none'; form-action 'none'";
    let mut res = pages::page(UnknownPage { v: state.assets.version() }.render(), csp);
    *res.status_mut() = StatusCode::NOT_FOUND;
    res
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Config<'a> {
    website_token: &'a str,
    lang: &'a str,
    inbox_name: &'a str,
    color: &'a str,
    fg: &'a str,
    /// `lock_to_single_conversation`: else the visitor may have several (W2).
    single: bool,
    /// The inbox's picture (`/blobs/…`), shown until someone answers; empty: none.
    avatar: String,
    strings: BTreeMap<&'static str, &'static str>,
}

#[derive(Deserialize)]
pub struct FrameQuery {
    website_token: Option<String>,
    lang: Option<String>,
}

pub async fn widget_frame(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<FrameQuery>) -> Response {
    // Not the shape of a website token: not found, without asking the database.
    let inbox = match q.website_token.as_deref().map(domain::WebsiteToken::parse) {
        Some(Ok(token)) => state.app.public_inbox(token.as_str()).await.ok(),
        _ => None,
    };
    let Some(inbox) = inbox else { return unknown_token(&state) };
    let lang = pages::language(&headers, q.lang.as_deref());
    let s = i18n::catalogue(lang);
    // Parsed on the way in (HexColor); checked again because it lands in CSS.
    let color = domain::HexColor::parse(&inbox.widget_color)
        .map(|c| c.as_str().to_owned())
        .unwrap_or_else(|_| "#1f6feb".into());
    let colors = Colors::of(&color);
    let color_css = colors.css();
    let config = json_for_html(&Config {
        website_token: &inbox.website_token,
        lang: lang.code(),
        inbox_name: &inbox.name,
        color: &colors.brand,
        fg: colors.launcher_fg,
        single: inbox.lock_to_single_conversation,
        avatar: crate::api::avatar_url(&inbox.avatar),
        strings: s.subset(BROWSER_AREAS),
    });
    let html = FramePage {
        lang: lang.code(),
        v: state.assets.version(),
        s,
        inbox_name: &inbox.name,
        welcome_title: if inbox.welcome_title.is_empty() { s.get("widget.title") } else { &inbox.welcome_title },
        welcome_tagline: if inbox.welcome_tagline.is_empty() {
            s.get("widget.tagline")
        } else {
            &inbox.welcome_tagline
        },
        greeting: Some(inbox.greeting_message.as_str()).filter(|g| inbox.greeting_enabled && !g.is_empty()),
        reply_time_key: match inbox.reply_time.as_str() {
            "in_a_few_hours" => "widget.repliesHours",
            "in_a_day" => "widget.repliesDay",
            _ => "widget.replies",
        },
        css: state.assets.text(CSS),
        colors: &color_css,
        config: &config,
    }
    .render();
    let csp = format!(
        "default-src 'self'; script-src 'self'; style-src {} {}; img-src 'self' data:; connect-src 'self'; \
         frame-ancestors {}; base-uri 'none'; form-action 'none'",
        state.assets.get(CSS).map(|a| format!("'sha256-{}'", a.sha256)).unwrap_or_default(),
        csp_hash(&color_css),
        frame_ancestors(&inbox.allowed_domains),
    );
    // The page is the same for every visitor of an inbox in one language: the
    // browser may keep it but asks each time; unchanged, the answer is a 304.
    let etag = html.as_ref().ok().map(|body| {
        let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body.as_bytes()));
        format!("W/\"{}\"", &digest[..22])
    });
    let fresh = etag.as_deref().is_some_and(|tag| crate::assets::not_modified(&headers, tag));
    let mut res = pages::page(html, &csp);
    if res.status() != StatusCode::OK {
        return res;
    }
    if fresh {
        *res.status_mut() = StatusCode::NOT_MODIFIED;
        *res.body_mut() = axum::body::Body::empty();
        res.headers_mut().remove(header::CONTENT_TYPE);
    }
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::VARY, HeaderValue::from_static("accept-language, accept-encoding"));
    if let Some(v) = etag.and_then(|t| HeaderValue::from_str(&t).ok()) {
        h.insert(header::ETAG, v);
    }
    res
}

/// Who may frame the widget: any site, or Parlor itself (the demo page) and
/// the inbox's allowed domains. The list holds only validated host names
/// (`app::inboxes::domain_list`), so it cannot break out of the header.
fn frame_ancestors(allowed_domains: &str) -> String {
    if allowed_domains.is_empty() {
        return "*".into();
    }
    let mut out = String::from("'self'");
    for host in allowed_domains.split(',') {
        out.push_str(&format!(" https://{host} http://{host}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_match_what_the_browser_code_computed() {
        // Expected values from the former static/widget/color.js.
        let cases = [
            ("#1f93ff", "rgb(24 115 199)", WHITE, WHITE),
            ("#1f6feb", "rgb(31 111 235)", WHITE, WHITE),
            ("#ffd500", "#ffd500", DARK_TEXT, DARK_TEXT),
            ("#000", "rgb(0 0 0)", WHITE, WHITE),
            ("#abc", "#abc", DARK_TEXT, DARK_TEXT),
            ("#3fb950", "rgb(43 128 55)", WHITE, WHITE),
        ];
        for (hex, accent, on_accent, launcher_fg) in cases {
            let c = Colors::of(hex);
            assert_eq!((c.accent.as_str(), c.on_accent, c.launcher_fg), (accent, on_accent, launcher_fg), "{hex}");
        }
    }
}
