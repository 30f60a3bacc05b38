//! What a new site owner or agent tripped over (issue 12, first part), as far
//! as the server is concerned: a wrong website token, unnamed visitors.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn the_frame_for_a_website_token_no_inbox_has_tells_the_loader_and_shows_nothing() {
    let app = TestApp::spawn().await;
    let res = reqwest::get(format!("{}/widget/frame?website_token={}", app.url, "0".repeat(32))).await.expect("send");
    assert_eq!(res.status(), 404);
    let csp = res.headers()["content-security-policy"].to_str().expect("csp").to_owned();
    assert!(csp.contains("frame-ancestors *") && csp.contains("default-src 'none'"), "{csp}");
    let html = res.text().await.expect("body");
    let start = html.find("/static/").expect("a module");
    let src = &html[start..html[start..].find('"').map(|e| start + e).expect("quote")];
    assert!(src.ends_with("/widget/unknown.js"), "{src}");
    assert!(!html.contains("not_found"), "no raw error for the visitor: {html}");
    let module = reqwest::get(format!("{}{src}", app.url)).await.expect("module");
    assert_eq!(module.status(), 200);
    assert!(module.text().await.expect("js").contains("parlor:unknown"));
    app.stop().await;
}

#[tokio::test]
async fn an_unnamed_visitor_has_an_empty_name_everywhere_so_clients_name_it_in_their_language() {
    let app = TestApp::spawn().await;
    let (mut agent_ws, _) = app.ws_auth(json!({"event": "authenticate", "access_token": app.admin_token})).await;
    let (v, conversation) = app.visitor_with_conversation().await;
    let (status, contact) = app.get(&app.admin_token, &app.api(&format!("/contacts/{}", v.contact_id))).await;
    assert_eq!(status, 200);
    assert_eq!(contact["payload"]["name"], "");
    let shown = app.conversation(&app.admin_token, conversation).await;
    assert_eq!(shown["meta"]["sender"]["name"], "");
    let messages = app.agent_messages(&app.admin_token, conversation).await;
    assert!(messages.iter().filter(|m| m["message_type"] == 0).all(|m| m["sender"]["name"] == ""), "{messages:?}");
    let url = app.conv_path(&v, conversation, "/toggle_typing");
    assert_eq!(app.send(reqwest::Method::POST, &url, Some(json!({"typing_status": "on"}))).await.0, 200);
    let typing = next_event(&mut agent_ws, "conversation.typing_on").await;
    assert_eq!(typing["data"]["user"]["name"], "", "{typing}");
    assert!(!serde_json::to_string(&messages).expect("json").contains("Visitor #"));
    app.stop().await;
}
