//! Spawning the real app for a test: `parlor::start` on port 0 with a fresh
//! database. SQLite by default; PostgreSQL when `PARLOR_TEST_DATABASE_URL` names
//! a server (each test gets its own database, copied from a migrated template).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::OnceCell;
use tokio_tungstenite::tungstenite::Message as WsMessage;

pub type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct TestApp {
    pub server: Option<parlor::Server>,
    pub url: String,
    pub http: reqwest::Client,
    pub website_token: String,
    /// The first administrator's API token.
    pub admin_token: String,
    pub config: parlor::Config,
    _dir: tempfile_dir::TempDir,
}

/// A tiny temporary-directory helper (no extra dependency).
pub mod tempfile_dir {
    pub struct TempDir(pub std::path::PathBuf);
    impl TempDir {
        pub fn new() -> TempDir {
            let n: u64 = rand::random();
            let p = std::env::temp_dir().join(format!("parlor-it-{n:016x}"));
            std::fs::create_dir_all(&p).expect("create temp dir");
            TempDir(p)
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

static PG_TEMPLATE: OnceCell<String> = OnceCell::const_new();

fn pg_admin_url() -> Option<String> {
    std::env::var("PARLOR_TEST_DATABASE_URL").ok().filter(|u| u.starts_with("postgres"))
}

fn with_db(url: &str, db: &str) -> String {
    // Replace the path (database name) of a postgres:// URL, keeping any query.
    let (base, query) = url.split_once('?').map(|(b, q)| (b, Some(q))).unwrap_or((url, None));
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[scheme_end..].find('/').map(|i| scheme_end + i).unwrap_or(base.len());
    let mut out = format!("{}/{db}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

async fn pg_exec(admin_url: &str, sql: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin_url).await.expect("connect to the test PostgreSQL server");
    sqlx::query(sql).execute(&mut conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    let _ = conn.close().await;
}

/// A fresh PostgreSQL database for one test, copied from a migrated template.
async fn fresh_pg_database(admin_url: &str) -> String {
    let template = PG_TEMPLATE
        .get_or_init(|| async {
            let name = format!("parlor_tpl_{}", std::process::id());
            pg_exec(admin_url, &format!("DROP DATABASE IF EXISTS {name}")).await;
            pg_exec(admin_url, &format!("CREATE DATABASE {name}")).await;
            let store = app::Store::open(&app::StoreConfig::Postgres { url: with_db(admin_url, &name) })
                .await
                .expect("migrate the template database");
            store.close().await;
            name
        })
        .await;
    let n: u64 = rand::random();
    let name = format!("parlor_t_{}_{n:x}", std::process::id());
    pg_exec(admin_url, &format!("CREATE DATABASE {name} TEMPLATE {template}")).await;
    with_db(admin_url, &name)
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns with a changed configuration (rate limits, public URL…).
    pub async fn spawn_with(change: impl FnOnce(&mut parlor::Config)) -> TestApp {
        let dir = tempfile_dir::TempDir::new();
        let database_url = match pg_admin_url() {
            Some(admin) => Some(fresh_pg_database(&admin).await),
            None => None,
        };
        let mut config = parlor::Config {
            listen: "127.0.0.1:0".parse().expect("address"),
            data_dir: dir.0.clone(),
            database_url,
            public_url: None,
            trusted_proxies: Vec::new(),
            rate_limit_login_per_minute: 1000,
            rate_limit_visitors_per_minute: 10_000,
            rate_limit_visitor_messages_per_second: 1000,
            max_connections_per_ip: 4096,
        };
        change(&mut config);
        let server = parlor::start(&config).await.expect("start the server");
        let url = server.url();
        let website_token = server.first_run.inbox.website_token.clone();
        let admin = server.first_run.admin.clone().expect("a fresh database creates the administrator");
        let http = reqwest::Client::builder().cookie_store(true).build().expect("http client");
        let mut app = TestApp { server: Some(server), url, http, website_token, admin_token: String::new(), config, _dir: dir };
        app.admin_token = app.login_token(&admin.0, &admin.1).await;
        app
    }

    pub fn app(&self) -> &app::App {
        &self.server.as_ref().expect("running").app
    }

    pub async fn stop(mut self) {
        if let Some(s) = self.server.take() {
            s.stop().await;
        }
    }

    /// Creates a user in an account and returns its API token.
    pub async fn create_user(&self, account: i64, email: &str, role: domain::Role) -> (i64, String) {
        let created = self
            .app()
            .create_user(
                domain::AccountId(account),
                &domain::EmailAddress::parse(email).expect("email"),
                &domain::PersonName::parse(&email.split('@').next().unwrap_or("x").replace('.', " ")).expect("name"),
                &domain::NewPassword::parse("correct horse battery".into()).expect("password"),
                role,
            )
            .await
            .expect("create user");
        (created.user_id.0, created.access_token)
    }

    /// A user's API token via the administrator's: creates a user with a known
    /// password and reads the token back the only way there is (creating it).
    async fn login_token(&self, _email: &str, _password: &str) -> String {
        let (_, token) = self.create_user(1, "owner@example.com", domain::Role::Administrator).await;
        token
    }

    pub fn client_api(&self, path: &str) -> String {
        format!("{}/public/api/v1/inboxes/{}{}", self.url, self.website_token, path)
    }

    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1/accounts/1{}", self.url, path)
    }

    /// A new visitor: (source_id, pubsub_token, contact id).
    pub async fn visitor(&self) -> Visitor {
        let res = self.http.post(self.client_api("/contacts")).json(&json!({})).send().await.expect("send");
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.expect("json");
        Visitor {
            source_id: body["source_id"].as_str().expect("source_id").to_owned(),
            pubsub_token: body["pubsub_token"].as_str().expect("pubsub_token").to_owned(),
            contact_id: body["id"].as_i64().expect("id"),
        }
    }

    /// A visitor with an open conversation; returns the conversation's id.
    pub async fn visitor_with_conversation(&self) -> (Visitor, i64) {
        let v = self.visitor().await;
        let res = self
            .http
            .post(self.client_api(&format!("/contacts/{}/conversations", v.source_id)))
            .json(&json!({"additional_attributes": {"initiated_at_url": "https://shop.example/pricing"}}))
            .send()
            .await
            .expect("send");
        assert_eq!(res.status(), 200);
        let c: Value = res.json().await.expect("json");
        (v, c["id"].as_i64().expect("conversation id"))
    }

    pub async fn visitor_says(&self, v: &Visitor, conversation: i64, text: &str) -> Value {
        let res = self
            .http
            .post(self.client_api(&format!("/contacts/{}/conversations/{conversation}/messages", v.source_id)))
            .json(&json!({"content": text}))
            .send()
            .await
            .expect("send");
        assert_eq!(res.status(), 200, "visitor message refused");
        res.json().await.expect("json")
    }

    pub async fn agent_says(&self, token: &str, conversation: i64, text: &str, private: bool) -> Value {
        let res = self
            .http
            .post(self.api(&format!("/conversations/{conversation}/messages")))
            .header("api_access_token", token)
            .json(&json!({"content": text, "private": private}))
            .send()
            .await
            .expect("send");
        assert_eq!(res.status(), 200, "agent message refused");
        res.json().await.expect("json")
    }

    /// GET with an agent token; returns status and JSON body.
    pub async fn get(&self, token: &str, url: &str) -> (u16, Value) {
        let res = self.http.get(url).header("api_access_token", token).send().await.expect("send");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// POST JSON with an agent token; returns status and JSON body.
    pub async fn post(&self, token: &str, url: &str, body: Value) -> (u16, Value) {
        let res = self.http.post(url).header("api_access_token", token).json(&body).send().await.expect("send");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn ws(&self) -> Ws {
        let url = format!("{}/ws", self.url.replace("http://", "ws://"));
        let (ws, _) = tokio_tungstenite::connect_async(url).await.expect("websocket connect");
        ws
    }

    /// An authenticated socket; returns it with the `authenticated` frame's data.
    pub async fn ws_auth(&self, frame: Value) -> (Ws, Value) {
        let mut ws = self.ws().await;
        ws.send(WsMessage::text(frame.to_string())).await.expect("send auth");
        let first = next_json(&mut ws).await;
        assert_eq!(first["event"], "authenticated", "got {first}");
        (ws, first["data"].clone())
    }
}

pub struct Visitor {
    pub source_id: String,
    pub pubsub_token: String,
    pub contact_id: i64,
}

/// The next JSON text frame (skipping pings), failing after 10 s.
pub async fn next_json(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a frame within 10 s")
            .expect("socket open")
            .expect("frame");
        match msg {
            WsMessage::Text(t) => return serde_json::from_str(t.as_str()).expect("JSON frame"),
            WsMessage::Ping(_) | WsMessage::Pong(_) => continue,
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

/// The next frame whose event is `event`, skipping others (typing etc.).
pub async fn next_event(ws: &mut Ws, event: &str) -> Value {
    loop {
        let f = next_json(ws).await;
        if f["event"] == event {
            return f;
        }
    }
}

/// Asserts that no frame other than pings arrives within `ms` milliseconds. Used
/// only to show that something does NOT happen (a comment not reaching a visitor).
pub async fn assert_silent(ws: &mut Ws, ms: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => return,
            Ok(Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_)))) => continue,
            Ok(other) => panic!("expected silence, got {other:?}"),
        }
    }
}

/// The close code the server sent, waiting up to 10 s.
pub async fn close_code(ws: &mut Ws) -> Option<u16> {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("close within 10 s") {
            Some(Ok(WsMessage::Close(frame))) => return frame.map(|f| u16::from(f.code)),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return None,
        }
    }
}
