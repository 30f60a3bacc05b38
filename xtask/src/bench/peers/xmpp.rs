//! A minimal XMPP-over-WebSocket client (RFC 7395): open the stream, SASL
//! PLAIN, bind a resource, send presence; then chat messages as text frames.
//! Plain string matching instead of an XML parser: the harness talks to one
//! known server and only needs a handful of elements.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use anyhow::{bail, Context};
use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

pub type Ws = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

pub const DOMAIN: &str = "localhost";
const OPEN: &str = r#"<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="localhost" version="1.0"/>"#;

/// Reads frames until one contains `needle`; a stream error or a SASL
/// failure is an error.
async fn expect(ws: &mut Ws, needle: &str) -> anyhow::Result<String> {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(30), ws.next())
            .await
            .with_context(|| format!("XMPP: no {needle} within 30 s"))?
            .context("XMPP: socket closed")??;
        let Message::Text(t) = msg else { continue };
        let t = t.as_str();
        if t.contains(needle) {
            return Ok(t.to_owned());
        }
        if t.contains("<failure") || t.contains("stream:error") || t.contains("<close") {
            bail!("XMPP: waiting for {needle}, got {t}");
        }
    }
}

async fn send(ws: &mut Ws, s: &str) -> anyhow::Result<()> {
    ws.send(Message::text(s.to_owned())).await?;
    Ok(())
}

/// Connects `user@localhost/bench` through `/xmpp-websocket` from `src`.
pub async fn login(port: u16, user: &str, src: IpAddr) -> anyhow::Result<Ws> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(src, 0))?;
    let stream = socket.connect(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    stream.set_nodelay(true)?;
    let mut req = format!("ws://127.0.0.1:{port}/xmpp-websocket").into_client_request()?;
    req.headers_mut().insert("Sec-WebSocket-Protocol", "xmpp".parse()?);
    let config = WebSocketConfig::default().read_buffer_size(4096);
    let (mut ws, _) = tokio_tungstenite::client_async_with_config(req, stream, Some(config)).await?;
    send(&mut ws, OPEN).await?;
    expect(&mut ws, "PLAIN").await?;
    let creds = base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0bench"));
    send(&mut ws, &format!(r#"<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN">{creds}</auth>"#))
        .await?;
    expect(&mut ws, "<success").await?;
    send(&mut ws, OPEN).await?;
    expect(&mut ws, "bind").await?;
    send(
        &mut ws,
        r#"<iq xmlns="jabber:client" type="set" id="bind1"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"><resource>bench</resource></bind></iq>"#,
    )
    .await?;
    expect(&mut ws, "<jid>").await?;
    send(&mut ws, r#"<presence xmlns="jabber:client"/>"#).await?;
    Ok(ws)
}

/// A one-to-one chat message whose body carries its scheduled send time.
pub fn chat(to: &str, id: u64, sched: u64) -> String {
    format!(
        r#"<message xmlns="jabber:client" to="{to}@{DOMAIN}/bench" type="chat" id="m{id}"><body>t={sched}; Hello, I have a question about my order. Is it shipped yet?</body></message>"#
    )
}

/// The scheduled time in a received chat message, if it is one of ours.
pub fn sched_of(frame: &str) -> Option<u64> {
    if !frame.starts_with("<message") {
        return None;
    }
    let rest = frame.split("<body>t=").nth(1)?;
    rest.split(';').next()?.parse().ok()
}
