//! `parlor`: the whole live chat in one binary. `parlor` alone means `parlor serve`.

use clap::{Parser, Subcommand};
use domain::*;
use parlor::Config;

#[derive(Parser)]
#[command(name = "parlor", version, about = "Self-hosted live chat and shared inbox")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: Config,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API, the inbox, the widget and the real-time socket (the default).
    Serve,
    /// Administration commands.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a user; prints {"user_id","account_id","access_token"} as one JSON line.
    CreateUser {
        #[arg(long, default_value_t = 1)]
        account: i64,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        password: String,
        #[arg(long, default_value = "agent")]
        role: String,
    },
    /// Create an account (a workspace); prints {"account_id"} as one JSON line.
    CreateAccount {
        #[arg(long)]
        name: String,
    },
    /// Give a user a new API token (the old one stops working); prints
    /// {"user_id","access_token"} as one JSON line.
    ResetToken {
        #[arg(long)]
        email: String,
    },
    /// A lost password: prints {"user_id","setup_url"}, a one-time link (7
    /// days) to choose a new one; using it ends the user's other sessions.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
}

fn init_logs() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("PARLOR_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if std::env::var("PARLOR_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logs();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            None | Some(Command::Serve) => serve(cli.config).await,
            Some(Command::Admin { command }) => admin(cli.config, command).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("parlor: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<std::process::ExitCode> {
    let server = parlor::start(&config).await?;
    let base = base_url(config.public_url.as_deref(), server.addr);
    println!("Parlor is running at {base} (database: {})", server.app.backend());
    println!("  Inbox:      {base}/app  (website inbox \"{}\")", server.first_run.inbox.name);
    match &server.first_run.admin {
        Some((email, password)) => {
            println!("  Sign in as: {email}  password: {password}");
            println!("              (shown only now; create more users with `parlor admin create-user`)");
        }
        None => println!(
            "  Sign in as: an existing user (the first run printed {}'s password; \
             `parlor admin create-user` adds users)",
            app::bootstrap::ADMIN_EMAIL
        ),
    }
    println!("  Demo page:  {base}/demo  (a sample website with the chat widget)");
    tracing::info!(addr = %server.addr, "listening");
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.stop().await;
    Ok(std::process::ExitCode::SUCCESS)
}

/// Where people reach this server: the public URL, else the listen address.
fn base_url(public_url: Option<&str>, addr: std::net::SocketAddr) -> String {
    match public_url {
        Some(u) => u.trim_end_matches('/').to_owned(),
        None if addr.ip().is_unspecified() => format!("http://localhost:{}", addr.port()),
        None => format!("http://{addr}"),
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

/// Prints one `{code, message}` line and fails.
fn fail(code: &str, message: impl std::fmt::Display) -> anyhow::Result<std::process::ExitCode> {
    println!("{}", serde_json::json!({"code": code, "message": message.to_string()}));
    Ok(std::process::ExitCode::FAILURE)
}

async fn admin(config: Config, command: AdminCommand) -> anyhow::Result<std::process::ExitCode> {
    match command {
        AdminCommand::CreateAccount { name } => {
            let name = match PersonName::parse(&name) {
                Ok(n) => n,
                Err(e) => return fail(e.code, e.message),
            };
            let app = parlor::open_app(&config).await?;
            if let Err(e) = app.ensure_first_run_without_admin().await {
                return fail("setup_failed", e);
            }
            let result = app.create_account(&name).await;
            app.close().await;
            match result {
                Ok(id) => {
                    println!("{}", serde_json::json!({"account_id": id.0}));
                    Ok(std::process::ExitCode::SUCCESS)
                }
                Err(e) => fail("internal", e),
            }
        }
        AdminCommand::ResetToken { email } => {
            let email = match EmailAddress::parse(&email) {
                Ok(e) => e,
                Err(e) => return fail(e.code, e.message),
            };
            let app = parlor::open_app(&config).await?;
            let result = app.reset_token_by_email(&email).await;
            app.close().await;
            match result {
                Ok((user, token)) => {
                    println!("{}", serde_json::json!({"user_id": user.0, "access_token": token}));
                    Ok(std::process::ExitCode::SUCCESS)
                }
                Err(app::AppError::NotFound) => fail("user_not_found", format!("There is no user {}.", email.as_str())),
                Err(e) => fail("internal", e),
            }
        }
        AdminCommand::ResetPassword { email } => {
            let email = match EmailAddress::parse(&email) {
                Ok(e) => e,
                Err(e) => return fail(e.code, e.message),
            };
            let app = parlor::open_app(&config).await?;
            let result = app.reset_password_by_email(&email).await;
            app.close().await;
            match result {
                Ok((user, token)) => {
                    let url = format!("{}/setup/{token}", base_url(config.public_url.as_deref(), config.listen));
                    println!("{}", serde_json::json!({"user_id": user.0, "setup_url": url}));
                    Ok(std::process::ExitCode::SUCCESS)
                }
                Err(app::AppError::NotFound) => fail("user_not_found", format!("There is no user {}.", email.as_str())),
                Err(e) => fail("internal", e),
            }
        }
        AdminCommand::CreateUser { account, email, name, password, role } => {
            let parsed = (|| {
                Ok::<_, InvalidInput>((
                    EmailAddress::parse(&email)?,
                    PersonName::parse(&name)?,
                    NewPassword::parse(password)?,
                    Role::parse(&role)?,
                ))
            })();
            let (email, name, password, role) = match parsed {
                Ok(p) => p,
                Err(e) => return fail(e.code, e.message),
            };
            let app = parlor::open_app(&config).await?;
            // Works on a fresh data folder: create account 1 and its inbox first.
            if let Err(e) = app.ensure_first_run_without_admin().await {
                return fail("setup_failed", e);
            }
            match app.create_user(AccountId(account), &email, &name, &password, role).await {
                Ok(created) => {
                    // A struct keeps the documented key order.
                    #[derive(serde::Serialize)]
                    struct Created {
                        user_id: i64,
                        account_id: i64,
                        access_token: String,
                    }
                    let line = Created {
                        user_id: created.user_id.0,
                        account_id: created.account_id.0,
                        access_token: created.access_token,
                    };
                    println!("{}", serde_json::to_string(&line)?);
                    app.close().await;
                    Ok(std::process::ExitCode::SUCCESS)
                }
                Err(app::AppError::Conflict { code, message }) => fail(code, message),
                Err(app::AppError::NotFound) => fail("account_not_found", format!("There is no account {account}.")),
                Err(e) => fail("internal", e),
            }
        }
    }
}
