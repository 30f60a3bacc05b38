//! Memory after a burst of sign-ins (issue 11): argon2 takes 19 MiB per hash,
//! and that memory must not stay with the process afterwards. Resident memory
//! idle, right after 120 sign-ins through the login form (8 at a time), and
//! 30 s later. Reported, no budget: BENCHMARKS.md keeps the figures.

use std::time::Duration;

use serde_json::json;

use super::procs::{self, Db};
use super::report::{Report, NONE};
use super::Ctx;

const SIGN_INS: usize = 120;
const AT_ONCE: usize = 8;

pub async fn run(ctx: &Ctx, rep: &mut Report) -> anyhow::Result<()> {
    let db = Db { data_dir: ctx.fresh_dir("signins")?, url: None };
    let email = "signin.agent@bench.test";
    procs::create_user(ctx, &db, email, "agent").await?;
    let server = procs::start_parlor(ctx, "signins-parlor", &db, None).await?;
    let mb = |pid: u32| procs::rss_kib(pid).map(|k| k as f64 / 1024.0);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = mb(server.pid())?;

    // No redirects followed: a 303 to /app is a successful sign-in.
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let url = format!("{}/login", server.base);
    let mut ok = 0;
    for _ in 0..SIGN_INS / AT_ONCE {
        let batch = (0..AT_ONCE).map(|_| {
            let (http, url) = (http.clone(), url.clone());
            async move {
                let form = [("email", email), ("password", "bench password 1234")];
                http.post(&url).form(&form).send().await.map(|r| r.status().as_u16() == 303).unwrap_or(false)
            }
        });
        ok += futures_util::future::join_all(batch).await.into_iter().filter(|s| *s).count();
    }
    let after = mb(server.pid())?;
    tokio::time::sleep(Duration::from_secs(30)).await;
    let later = mb(server.pid())?;
    server.proc.stop().await;
    if ok != SIGN_INS {
        anyhow::bail!("only {ok} of {SIGN_INS} sign-ins succeeded");
    }
    eprintln!("bench:   RSS idle {idle:.0} MB, after {SIGN_INS} sign-ins {after:.0} MB, 30 s later {later:.0} MB");
    let note = json!({"sign_ins": SIGN_INS, "concurrent": AT_ONCE});
    rep.add("signins.rss_idle_mb", idle, "MB", NONE, note.clone());
    rep.add("signins.rss_after_mb", after, "MB", NONE, note.clone());
    rep.add("signins.rss_30s_later_mb", later, "MB", NONE, note);
    Ok(())
}
