//! The accept loop. `axum::serve` has no header-read timeout, so a slow client
//! could hold connections forever (slowloris, threats.md #32): serve with hyper's
//! own builder, a per-address connection cap, and graceful shutdown.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;
use tower_http::timeout::TimeoutBody;

const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest pause between two pieces of a request body (threats.md #32: a
/// body trickled a byte at a time pins a task, a socket and an address's
/// slot). The whole request has a deadline as well (`WebConfig`).
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long shutdown waits for requests in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Counts open connections per client address.
#[derive(Default, Clone)]
struct PerIp(Arc<Mutex<HashMap<IpAddr, usize>>>);

struct Slot(PerIp, IpAddr);

/// A connection's place in its address's count, in every request's extensions:
/// a WebSocket upgrade keeps it for the socket's life. (hyper's connection task
/// ends at the upgrade; without this, upgraded sockets did not count and one
/// address could hold any number of them.)
#[derive(Clone)]
pub struct ConnectionSlot(#[allow(dead_code)] Arc<Slot>);

impl PerIp {
    fn take(&self, ip: IpAddr, max: usize) -> Option<Slot> {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let n = map.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(Slot(self.clone(), ip))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut map = (self.0).0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = map.get_mut(&self.1) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.1);
            }
        }
    }
}

/// Serves until `shutdown` turns true, then stops accepting and drains.
/// `body_idle` is the longest pause allowed inside a request body (at most
/// [`BODY_IDLE_TIMEOUT`] in production; tests shorten it).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    max_per_ip: usize,
    body_idle: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    // Every connection task holds a clone of `alive`; when all are gone the
    // receiver sees `None`: that is "drained".
    let (alive, mut drained) = tokio::sync::mpsc::channel::<()>(1);
    let per_ip = PerIp::default();
    loop {
        let (stream, peer): (tokio::net::TcpStream, SocketAddr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off, keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => break,
        };
        let Some(slot) = per_ip.take(peer.ip(), max_per_ip) else {
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let slot = ConnectionSlot(Arc::new(slot));
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            req.extensions_mut().insert(slot.clone());
            let req = req.map(|body| axum::body::Body::new(TimeoutBody::new(body_idle, body)));
            router.clone().oneshot(req)
        });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_READ_TIMEOUT)
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        let alive = alive.clone();
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            let _alive = alive;
            let mut conn = std::pin::pin!(conn);
            let result = tokio::select! {
                r = conn.as_mut() => r,
                _ = stop.changed() => {
                    // Finish the request in flight, then close.
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(alive);
    if tokio::time::timeout(DRAIN_TIMEOUT, drained.recv()).await.is_err() {
        tracing::warn!("shutdown: some connections did not finish in time");
    }
}
