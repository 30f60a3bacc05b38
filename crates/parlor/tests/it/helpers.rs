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

/// A fresh data folder and, on PostgreSQL, a fresh database URL (`None` means
/// SQLite in the folder, `parlor.sqlite3`).
pub async fn fresh_database() -> (tempfile_dir::TempDir, Option<String>) {
    let dir = tempfile_dir::TempDir::new();
    let database_url = match pg_admin_url() {
        Some(admin) => Some(fresh_pg_database(&admin).await),
        None => None,
    };
    (dir, database_url)
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns with a changed configuration (rate limits, public URL…).
    pub async fn spawn_with(change: impl FnOnce(&mut parlor::Config)) -> TestApp {
        let (dir, database_url) = fresh_database().await;
        Self::spawn_on(dir, database_url, change).await
    }

    /// Spawns on a stopped clock of the test's own (with a changed configuration):
    /// time moves only when the test advances it.
    pub async fn spawn_on_manual_clock(
        change: impl FnOnce(&mut parlor::Config),
    ) -> (TestApp, std::sync::Arc<app::testing::ManualClock>) {
        let clock = app::testing::ManualClock::starting_at(now_secs() * 1000);
        let shared = clock.shared();
        let app = Self::spawn_with(move |c| {
            c.clock = shared;
            change(c);
        })
        .await;
        (app, clock)
    }

    /// Spawns on a given data folder and database (`None`: SQLite in the folder),
    /// for tests that prepare the database first (the admin command).
    pub async fn spawn_on(
        dir: tempfile_dir::TempDir,
        database_url: Option<String>,
        change: impl FnOnce(&mut parlor::Config),
    ) -> TestApp {
        let mut config = parlor::Config {
            listen: "127.0.0.1:0".parse().expect("address"),
            data_dir: dir.0.clone(),
            database_url,
            nats_url: None,
            public_url: None,
            trusted_proxies: Vec::new(),
            rate_limit_login_per_minute: 1000,
            rate_limit_visitors_per_minute: 10_000,
            rate_limit_visitor_messages_per_second: 1000,
            max_connections_per_ip: 4096,
            request_timeout_secs: 30,
            ws_ping_every: Duration::from_secs(30),
            s3_url: None,
            s3_bucket: "parlor".into(),
            s3_region: "us-east-1".into(),
            s3_access_key_id: String::new(),
            s3_secret_access_key: String::new(),
            clock: Default::default(),
        };
        change(&mut config);
        let server = parlor::start(&config).await.expect("start the server");
        let url = server.url();
        let website_token = server.first_run.inbox.website_token.clone();
        let http = reqwest::Client::builder().cookie_store(true).build().expect("http client");
        let mut app =
            TestApp { server: Some(server), url, http, website_token, admin_token: String::new(), config, _dir: dir };
        app.admin_token = app.login_token().await;
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

    /// An administrator's API token: creates one with a known password and reads
    /// the token back the only way there is (creating it).
    async fn login_token(&self) -> String {
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

impl TestApp {
    /// Runs one SQL statement on the test's database, beside the server: for
    /// set-ups the API does not offer (removing an inbox membership).
    pub async fn sql(&self, statement: &str) {
        use sqlx::Connection;
        match &self.config.database_url {
            Some(url) => {
                let mut conn = sqlx::PgConnection::connect(url).await.expect("connect to the test database");
                sqlx::query(statement).execute(&mut conn).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
                let _ = conn.close().await;
            }
            None => {
                let options = sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(self.config.data_dir.join("parlor.sqlite3"))
                    .busy_timeout(Duration::from_secs(10));
                let mut conn = sqlx::SqliteConnection::connect_with(&options).await.expect("open the test database");
                sqlx::query(statement).execute(&mut conn).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
                let _ = conn.close().await;
            }
        }
    }

    /// A website inbox created beside the API; returns its id and website token.
    pub async fn new_inbox(&self, account: i64, name: &str) -> (i64, String) {
        let inbox = app::testing::create_inbox(self.app(), domain::AccountId(account), name).await.expect("inbox");
        (inbox.id.0, inbox.website_token)
    }

    /// A visitor with a conversation (and one message) in the inbox with this
    /// website token.
    pub async fn conversation_in(&self, website_token: &str) -> (Visitor, i64) {
        let base = format!("{}/public/api/v1/inboxes/{website_token}", self.url);
        let (status, contact) = self.send(reqwest::Method::POST, &format!("{base}/contacts"), Some(json!({}))).await;
        assert_eq!(status, 200, "{contact}");
        let v = Visitor {
            source_id: contact["source_id"].as_str().expect("source_id").to_owned(),
            pubsub_token: contact["pubsub_token"].as_str().expect("pubsub_token").to_owned(),
            contact_id: contact["id"].as_i64().expect("id"),
        };
        let url = format!("{base}/contacts/{}/conversations", v.source_id);
        let (status, c) = self.send(reqwest::Method::POST, &url, Some(json!({}))).await;
        assert_eq!(status, 200, "{c}");
        let id = c["id"].as_i64().expect("id");
        let (status, _) =
            self.send(reqwest::Method::POST, &format!("{url}/{id}/messages"), Some(json!({"content": "mine"}))).await;
        assert_eq!(status, 200);
        (v, id)
    }

    /// A Client API path of this visitor's conversation.
    pub fn conv_path(&self, v: &Visitor, conversation: i64, rest: &str) -> String {
        self.client_api(&format!("/contacts/{}/conversations/{conversation}{rest}", v.source_id))
    }

    /// A request without credentials; returns status and JSON body (Null if none).
    pub async fn send(&self, method: reqwest::Method, url: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("send");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// A request with an agent's token and a JSON body (PATCH, DELETE, …).
    pub async fn send_as(&self, token: &str, method: reqwest::Method, url: &str, body: Value) -> (u16, Value) {
        let res =
            self.http.request(method, url).header("api_access_token", token).json(&body).send().await.expect("send");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// POST of a raw body (for malformed JSON), optionally with an agent token.
    pub async fn post_raw(&self, token: Option<&str>, url: &str, body: &str) -> (u16, Value) {
        let mut req = self.http.post(url).header("content-type", "application/json").body(body.to_owned());
        if let Some(t) = token {
            req = req.header("api_access_token", t);
        }
        let res = req.send().await.expect("send");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// The messages a visitor sees in a conversation (Client API).
    pub async fn visitor_messages(&self, v: &Visitor, conversation: i64) -> Vec<Value> {
        let (status, body) = self.send(reqwest::Method::GET, &self.conv_path(v, conversation, "/messages"), None).await;
        assert_eq!(status, 200, "{body}");
        body.as_array().expect("a message list").clone()
    }

    /// The messages an agent sees in a conversation (Application API).
    pub async fn agent_messages(&self, token: &str, conversation: i64) -> Vec<Value> {
        let (status, body) = self.get(token, &self.api(&format!("/conversations/{conversation}/messages"))).await;
        assert_eq!(status, 200, "{body}");
        body["payload"].as_array().expect("payload").clone()
    }

    /// A conversation as an agent sees it.
    pub async fn conversation(&self, token: &str, conversation: i64) -> Value {
        let (status, body) = self.get(token, &self.api(&format!("/conversations/{conversation}"))).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Signs in through the login form; returns the session cookie's value.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let res = no_redirect_client()
            .post(format!("{}/login", self.url))
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .expect("send");
        assert_eq!(res.status(), 303, "sign-in refused");
        session_from(&res).expect("a session cookie")
    }

    /// A WebSocket upgrade with extra headers (Cookie, Origin).
    pub async fn ws_with(&self, headers: &[(&str, &str)]) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut req = format!("{}/ws", self.url.replace("http://", "ws://")).into_client_request().expect("request");
        for (k, v) in headers {
            req.headers_mut().insert(
                reqwest::header::HeaderName::from_bytes(k.as_bytes()).expect("header name"),
                v.parse().expect("header value"),
            );
        }
        tokio_tungstenite::connect_async(req).await.map(|(ws, _)| ws)
    }
}

/// An HTTP client that keeps no cookies and follows no redirects.
pub fn no_redirect_client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http client")
}

/// The `parlor_session` value a response sets, if any.
pub fn session_from(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next()?.trim().strip_prefix("parlor_session=").map(str::to_owned))
        .find(|v| !v.is_empty())
}

/// Asserts an error answer: the status and the `{"code","message"}` body.
#[track_caller]
pub fn assert_error(got: &(u16, Value), status: u16, code: &str) {
    assert_eq!(got.0, status, "status of {}", got.1);
    assert_eq!(got.1["code"], code, "code of {}", got.1);
    assert!(got.1["message"].as_str().is_some_and(|m| !m.is_empty()), "a message in {}", got.1);
}

/// Sends a text frame.
pub async fn send_text(ws: &mut Ws, text: &str) {
    ws.send(WsMessage::text(text.to_owned())).await.expect("send frame");
}

pub struct Visitor {
    pub source_id: String,
    pub pubsub_token: String,
    pub contact_id: i64,
}

/// The next JSON text frame (skipping pings, `presence.update` and
/// `viewers.update`, which an agent's socket receives whenever someone comes
/// or goes), failing after 10 s.
pub async fn next_json(ws: &mut Ws) -> Value {
    loop {
        let frame = next_frame(ws).await;
        if frame["event"] != "presence.update" && frame["event"] != "viewers.update" {
            return frame;
        }
    }
}

/// The next JSON text frame, presence included (pings skipped), failing after 10 s.
pub async fn next_frame(ws: &mut Ws) -> Value {
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
        let f = next_frame(ws).await;
        if f["event"] == event {
            return f;
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

/// Seconds since the epoch, as the API's timestamps.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() as i64
}

/// How many activity lines of a kind (`content_attributes.activity`) a list of
/// messages holds.
pub fn activity_count(messages: &[Value], kind: &str) -> usize {
    messages.iter().filter(|m| m["content_attributes"]["activity"] == kind).count()
}
