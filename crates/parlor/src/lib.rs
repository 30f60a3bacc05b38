//! The `parlor` binary's wiring: configuration, start-up and shutdown. Kept in a
//! library so the integration tests start exactly what `parlor serve` starts.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use anyhow::Context;
use app::{App, StoreConfig};
use tokio::sync::watch;

/// Everything `serve` and the admin commands read (flags and environment).
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, global = true, env = "PARLOR_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Folder for the SQLite database and other files.
    #[arg(long, global = true, env = "PARLOR_DATA_DIR", default_value = "parlor-data")]
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL instead of SQLite in the data folder.
    #[arg(long, global = true, env = "PARLOR_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// The URL people reach Parlor at, e.g. https://chat.example.com.
    #[arg(long, global = true, env = "PARLOR_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// `nats://…` to join other parlor processes on the same PostgreSQL database.
    #[arg(long, global = true, env = "PARLOR_NATS_URL")]
    pub nats_url: Option<String>,
    /// Comma-separated addresses of reverse proxies whose X-Forwarded-For is trusted.
    #[arg(long, global = true, env = "PARLOR_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<IpAddr>,
    /// Sign-in attempts per minute per client address and per email (0 = off).
    #[arg(long, global = true, env = "PARLOR_RATE_LIMIT_LOGIN_PER_MINUTE", default_value_t = 10)]
    pub rate_limit_login_per_minute: u32,
    /// New visitors and conversations per minute per client address and inbox (0 = off).
    #[arg(long, global = true, env = "PARLOR_RATE_LIMIT_VISITORS_PER_MINUTE", default_value_t = 60)]
    pub rate_limit_visitors_per_minute: u32,
    /// Messages per second per visitor, bursts of four times that (0 = off).
    #[arg(long, global = true, env = "PARLOR_RATE_LIMIT_VISITOR_MESSAGES_PER_SECOND", default_value_t = 5)]
    pub rate_limit_visitor_messages_per_second: u32,
    /// Open connections per client address.
    #[arg(long, global = true, env = "PARLOR_MAX_CONNECTIONS_PER_IP", default_value_t = 4096)]
    pub max_connections_per_ip: usize,
    /// Seconds one HTTP request may take, its body included (the socket is not a request).
    #[arg(long, global = true, env = "PARLOR_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,
    /// `http(s)://…` of an S3-compatible store for photos and files, instead
    /// of the data folder's `blobs/`.
    #[arg(long, global = true, env = "PARLOR_S3_URL")]
    pub s3_url: Option<String>,
    #[arg(long, global = true, env = "PARLOR_S3_BUCKET", default_value = "parlor")]
    pub s3_bucket: String,
    #[arg(long, global = true, env = "PARLOR_S3_REGION", default_value = "us-east-1")]
    pub s3_region: String,
    #[arg(long, global = true, env = "PARLOR_S3_ACCESS_KEY_ID", hide_env_values = true, default_value = "")]
    pub s3_access_key_id: String,
    #[arg(long, global = true, env = "PARLOR_S3_SECRET_ACCESS_KEY", hide_env_values = true, default_value = "")]
    pub s3_secret_access_key: String,
    /// How often sockets ping their clients and agents' sockets check their
    /// credentials again; tests shorten it.
    #[arg(skip = std::time::Duration::from_secs(30))]
    pub ws_ping_every: std::time::Duration,
    /// The clock use cases read: the system's, or a test's own.
    #[arg(skip)]
    pub clock: app::SharedClock,
}

impl Config {
    /// Where bytes live: the S3 store when `PARLOR_S3_URL` is set, else the
    /// data folder's `blobs/`.
    pub fn blobs(&self) -> anyhow::Result<blobs::Blobs> {
        let blobs = match &self.s3_url {
            Some(url) => blobs::Blobs::s3(&blobs::S3Config {
                endpoint: url.clone(),
                bucket: self.s3_bucket.clone(),
                access_key_id: self.s3_access_key_id.clone(),
                secret_access_key: self.s3_secret_access_key.clone(),
                region: self.s3_region.clone(),
            }),
            None => blobs::Blobs::local(&self.data_dir.join("blobs")),
        };
        blobs.map_err(|e| anyhow::anyhow!("cannot open the file store: {e}"))
    }

    pub fn store_config(&self) -> anyhow::Result<StoreConfig> {
        match &self.database_url {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(StoreConfig::Postgres { url: url.clone() })
            }
            Some(url) if url.starts_with("sqlite:") => Ok(StoreConfig::Sqlite {
                path: PathBuf::from(url.trim_start_matches("sqlite://").trim_start_matches("sqlite:")),
            }),
            Some(_) => anyhow::bail!("PARLOR_DATABASE_URL must start with postgres:// (or sqlite:)"),
            None => {
                std::fs::create_dir_all(&self.data_dir)
                    .with_context(|| format!("cannot create the data folder {}", self.data_dir.display()))?;
                Ok(StoreConfig::Sqlite { path: self.data_dir.join("parlor.sqlite3") })
            }
        }
    }

    fn request_deadline(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.request_timeout_secs.max(1))
    }

    fn web_config(&self, listen: SocketAddr) -> web::WebConfig {
        web::WebConfig {
            public_url: self.public_url.clone(),
            trusted_proxies: self.trusted_proxies.clone(),
            limits: web::LimitConfig {
                login_per_minute: self.rate_limit_login_per_minute,
                visitors_per_minute: self.rate_limit_visitors_per_minute,
                visitor_messages_per_second: self.rate_limit_visitor_messages_per_second,
            },
            max_connections_per_ip: self.max_connections_per_ip,
            listen,
            request_deadline: self.request_deadline(),
            ws_ping_every: self.ws_ping_every,
        }
    }
}

/// Opens the database (migrating it) and wraps it in the application.
pub async fn open_app(config: &Config) -> anyhow::Result<App> {
    let store_config = config.store_config()?;
    let store =
        app::Store::open(&store_config).await.with_context(|| format!("cannot open the database {store_config:?}"))?;
    Ok(App::with_bus(store, config.blobs()?, None, config.clock.clone()))
}

/// The application for `serve`: joined to the other processes when a bus is set.
async fn open_serving_app(config: &Config) -> anyhow::Result<App> {
    let Some(url) = &config.nats_url else { return open_app(config).await };
    if matches!(config.store_config()?, StoreConfig::Sqlite { .. }) {
        anyhow::bail!("PARLOR_NATS_URL needs a shared PostgreSQL database (PARLOR_DATABASE_URL=postgres://…)");
    }
    let store_config = config.store_config()?;
    let store =
        app::Store::open(&store_config).await.with_context(|| format!("cannot open the database {store_config:?}"))?;
    let bus = app::bus::Bus::connect(url, &store).await.map_err(|e| anyhow::anyhow!("cannot connect to NATS: {e}"))?;
    let app = App::with_bus(store, config.blobs()?, Some(bus.clone()), config.clock.clone());
    bus.listen(app.clone()).await.map_err(|e| anyhow::anyhow!("cannot subscribe on NATS: {e}"))?;
    Ok(app)
}

/// A running server.
pub struct Server {
    pub addr: SocketAddr,
    pub app: App,
    pub first_run: app::bootstrap::FirstRun,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    jobs: tokio::task::JoinHandle<()>,
}

impl Server {
    /// The URL the server answers at.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Graceful shutdown: stop accepting, close sockets with 1001, drain requests.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
        let _ = self.jobs.await;
        self.app.close().await;
    }
}

/// Connections the kernel may queue before they are accepted. Tokio's `bind`
/// asks for 1,024: 15,000 visitors reconnecting at once (M4) overflowed it
/// (`ListenOverflows` in `nstat`), and a dropped SYN is retried only after a
/// second, which was the whole p99. The kernel caps it at `net.core.somaxconn`.
const LISTEN_BACKLOG: u32 = 8192;

fn listen(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    // As `TcpListener::bind` does: a restart may bind while old connections linger.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// The embedded browser code, handed to `web` as a value (so `web` does not
/// depend on the crate that embeds it).
fn browser_files() -> web::Assets {
    let files =
        assets::FILES.iter().map(|f| web::Asset { path: f.path, raw: f.raw, gzip: f.gzip, br: f.br, sha256: f.sha256 });
    web::Assets::new(assets::VERSION, files)
}

/// Binds, prepares the first account, and serves in the background.
pub async fn start(config: &Config) -> anyhow::Result<Server> {
    let app = open_serving_app(config).await?;
    let first_run = app.ensure_first_run().await.map_err(|e| anyhow::anyhow!("first-run setup failed: {e}"))?;
    let listener = listen(config.listen).with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let (shutdown, stopped) = watch::channel(false);
    let router = web::router(app.clone(), config.web_config(addr), browser_files(), stopped.clone());
    let max = config.max_connections_per_ip;
    let jobs = tokio::spawn(app.clone().run_jobs_until(stopped.clone()));
    tokio::spawn(app.clone().run_presence_until(stopped.clone()));
    let body_idle = config.request_deadline().min(web::BODY_IDLE_TIMEOUT);
    let task = tokio::spawn(web::serve(listener, router, max, body_idle, stopped));
    Ok(Server { addr, app, first_run, shutdown, task, jobs })
}
