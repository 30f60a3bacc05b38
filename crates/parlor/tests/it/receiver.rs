//! A small HTTP server the job tests run: it answers the probe job's POSTs,
//! records each request's idempotency key, and applies each key once, as a
//! receiver that honours the key does (a mail or webhook endpoint).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore};

#[derive(Default)]
struct State {
    /// The key of every request, in arrival order.
    requests: Vec<String>,
    /// Keys whose effect happened.
    applied: HashSet<String>,
}

pub struct Receiver {
    pub url: String,
    state: Arc<Mutex<State>>,
    /// Held requests wait for a permit before they are answered.
    gate: Arc<Semaphore>,
    arrived: Arc<Notify>,
}

/// How the receiver answers.
#[derive(Clone, Copy, PartialEq)]
pub enum Answer {
    Ok,
    /// 500 to every request: a receiver that is down.
    Fail,
    /// The first request is answered only after [`Receiver::release`].
    HoldFirst,
}

impl Receiver {
    pub async fn start(answer: Answer) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the receiver");
        let url = format!("http://{}/hook", listener.local_addr().expect("address"));
        let state = Arc::new(Mutex::new(State::default()));
        let gate = Arc::new(Semaphore::new(0));
        let arrived = Arc::new(Notify::new());
        let (s, g, a) = (state.clone(), gate.clone(), arrived.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut conn, _)) = listener.accept().await else { return };
                let (s, g, a) = (s.clone(), g.clone(), a.clone());
                tokio::spawn(async move {
                    let Some(key) = read_request(&mut conn).await else { return };
                    let first = {
                        let mut st = s.lock().expect("state");
                        st.requests.push(key.clone());
                        st.requests.len() == 1
                    };
                    a.notify_waiters();
                    if answer == Answer::HoldFirst && first {
                        let _ = g.acquire().await.map(|p| p.forget());
                    }
                    let status = if answer == Answer::Fail {
                        "500 Internal Server Error"
                    } else {
                        s.lock().expect("state").applied.insert(key);
                        "200 OK"
                    };
                    let reply = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                    let _ = conn.write_all(reply.as_bytes()).await;
                });
            }
        });
        Receiver { url, state, gate, arrived }
    }

    /// Every request's idempotency key, in arrival order.
    pub fn requests(&self) -> Vec<String> {
        self.state.lock().expect("state").requests.clone()
    }

    /// How many distinct keys had their effect.
    pub fn applied(&self) -> usize {
        self.state.lock().expect("state").applied.len()
    }

    /// Waits until at least `n` requests arrived (the test fails after 10 s).
    pub async fn wait_for(&self, n: usize) {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        while self.requests().len() < n {
            let notified = self.arrived.notified();
            if self.requests().len() >= n {
                break;
            }
            assert!(tokio::time::timeout_at(deadline, notified).await.is_ok(), "request {n} never arrived");
        }
    }

    /// Answers the held first request.
    pub fn release(&self) {
        self.gate.add_permits(1);
    }
}

/// Reads one request (headers and body); its `Idempotency-Key`.
async fn read_request(conn: &mut tokio::net::TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    let head_end = loop {
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    };
    let length: usize = header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    while buf.len() < head_end + length {
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(header("idempotency-key").unwrap_or_default())
}
