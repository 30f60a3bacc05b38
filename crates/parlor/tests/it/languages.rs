//! The language catalogue as pages ship it: each page in the visitor's or
//! agent's language, the browser's part of the catalogue in a data block, and
//! the server's English activity text the same as the browser's English.

use serde_json::Value;

use crate::helpers::*;

/// The JSON in `<script type="application/json" id="…">`.
fn data_block(html: &str, id: &str) -> Value {
    let open = format!(r#"<script type="application/json" id="{id}">"#);
    let start = html.find(&open).unwrap_or_else(|| panic!("{open} in the page")) + open.len();
    let end = html[start..].find("</script>").expect("closing tag") + start;
    serde_json::from_str(&html[start..end]).expect("the data block is JSON")
}

async fn page(app: &TestApp, path: &str, session: Option<&str>, accept_language: &str) -> String {
    let mut req = no_redirect_client().get(format!("{}{path}", app.url)).header("accept-language", accept_language);
    if let Some(s) = session {
        req = req.header("cookie", format!("parlor_session={s}"));
    }
    let res = req.send().await.expect("send");
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.expect("html")
}

#[tokio::test]
async fn pages_and_their_data_blocks_are_in_the_chosen_language() {
    let app = TestApp::spawn().await;
    let login_de = page(&app, "/login", None, "de-AT,de;q=0.9").await;
    assert!(login_de.contains("<h1>Anmelden</h1>") && login_de.contains(r#"<html lang="de">"#), "{login_de}");
    let login_en = page(&app, "/login", None, "fr-FR,en;q=0.5").await;
    assert!(login_en.contains("<h1>Sign in</h1>") && login_en.contains(r#"<html lang="en">"#), "{login_en}");

    let session = app.login("owner@example.com", "correct horse battery").await;
    let inbox = page(&app, "/app", Some(&session), "de").await;
    assert!(inbox.contains("<title>Posteingang – Parlor</title>"), "the shell in German");
    let strings = data_block(&inbox, "parlor-strings");
    let keys: Vec<&str> = strings.as_object().expect("an object").keys().map(String::as_str).collect();
    assert_eq!(strings["inbox.open"], "Offen");
    assert_eq!(strings["activity.resolved"], "Unterhaltung wurde von {actor} geschlossen");
    assert_eq!(strings["error.rate_limited"], "Zu viele Anfragen; bitte kurz warten");
    assert!(keys.iter().all(|k| ["inbox.", "activity.", "error."].iter().any(|p| k.starts_with(p))), "{keys:?}");

    let frame = page(&app, &format!("/widget/frame?website_token={}", app.website_token), None, "en").await;
    let config = data_block(&frame, "parlor-config");
    let widget = config["strings"].as_object().expect("strings");
    assert_eq!(widget["widget.sending"], "Sending…");
    assert!(widget.keys().all(|k| !k.starts_with("inbox.") && !k.starts_with("login.")), "the widget's part only");
    app.stop().await;
}

#[tokio::test]
async fn the_servers_english_activity_text_is_the_browsers() {
    let app = TestApp::spawn().await;
    let (_visitor, conversation) = app.visitor_with_conversation().await;
    let (status, _) = app
        .post(
            &app.admin_token,
            &app.api(&format!("/conversations/{conversation}/toggle_status")),
            serde_json::json!({"status": "resolved"}),
        )
        .await;
    assert_eq!(status, 200);
    let messages = app.agent_messages(&app.admin_token, conversation).await;
    let line = messages.iter().find(|m| m["message_type"] == 2).expect("an activity line");
    assert_eq!(line["content_attributes"]["activity"], "resolved");
    let actor = line["content_attributes"]["actor_name"].as_str().expect("actor_name").to_owned();

    let session = app.login("owner@example.com", "correct horse battery").await;
    let strings = data_block(&page(&app, "/app", Some(&session), "en").await, "parlor-strings");
    let browser = strings["activity.resolved"].as_str().expect("the inbox's English").replace("{actor}", &actor);
    assert_eq!(line["content"], browser.as_str());
    app.stop().await;
}
