//! Teams (Chatwoot's API): administrators create, rename and delete them and
//! choose their members; agents list them, give conversations to them and
//! filter the list by them; each change is a line in the team's timeline.

use domain::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

async fn create(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    app.post(token, &app.api("/teams"), body).await
}

#[tokio::test]
async fn administrators_manage_teams_and_members_in_both_body_shapes() {
    let app = TestApp::spawn().await;
    let (anna, anna_token) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let (ben, _) = app.create_user(1, "ben@example.com", Role::Agent).await;
    let (status, sales) =
        create(&app, &app.admin_token, json!({"team": {"name": " Sales ", "description": "Buyers"}})).await;
    assert_eq!(status, 200, "{sales}");
    assert_eq!(
        (&sales["name"], &sales["allow_auto_assign"], &sales["is_member"]),
        (&json!("Sales"), &json!(true), &json!(false))
    );
    let id = sales["id"].as_i64().expect("id");
    let (status, support) =
        create(&app, &app.admin_token, json!({"name": "Support", "allow_auto_assign": false})).await;
    assert_eq!((status, &support["allow_auto_assign"]), (200, &json!(false)));
    // Bad input: clear errors, nothing stored.
    assert_error(&create(&app, &app.admin_token, json!({"name": "Sales"})).await, 409, "team_name_taken");
    assert_error(&create(&app, &app.admin_token, json!({"name": "   "})).await, 422, "invalid_team_name");
    assert_error(&create(&app, &app.admin_token, json!({"name": "x".repeat(61)})).await, 422, "invalid_team_name");
    assert_error(&create(&app, &app.admin_token, json!(["Sales"])).await, 400, "invalid_type");
    // Agents list teams but do not change them.
    assert_error(&create(&app, &anna_token, json!({"name": "Mine"})).await, 403, "forbidden");
    let (_, list) = app.get(&anna_token, &app.api("/teams")).await;
    let names: Vec<&Value> = list.as_array().expect("list").iter().map(|t| &t["name"]).collect();
    assert_eq!(names, [&json!("Sales"), &json!("Support")]);

    let members = app.api(&format!("/teams/{id}/team_members"));
    let (status, added) = app.post(&app.admin_token, &members, json!({"user_ids": [anna, ben]})).await;
    assert_eq!(status, 200, "{added}");
    assert_eq!(added.as_array().map(Vec::len), Some(2));
    assert_error(&app.post(&app.admin_token, &members, json!({"user_ids": [999]})).await, 422, "invalid_user_ids");
    // PATCH replaces the set.
    let (_, now) = app.send_as(&app.admin_token, Method::PATCH, &members, json!({"user_ids": [ben]})).await;
    assert_eq!(now.as_array().map(|l| l.iter().map(|m| m["id"].clone()).collect::<Vec<_>>()), Some(vec![json!(ben)]));
    let (status, _) = app.send_as(&anna_token, Method::PATCH, &members, json!({"user_ids": [anna]})).await;
    assert_eq!(status, 403);
    app.send_as(&app.admin_token, Method::DELETE, &members, json!({"user_ids": [ben]})).await;
    app.post(&app.admin_token, &members, json!({"user_ids": [anna]})).await;
    let (_, shown) = app.get(&anna_token, &app.api(&format!("/teams/{id}"))).await;
    assert_eq!(shown["is_member"], true, "{shown}");

    let team = app.api(&format!("/teams/{id}"));
    let (status, renamed) = app.send_as(&app.admin_token, Method::PATCH, &team, json!({"name": "Sales EU"})).await;
    assert_eq!((status, &renamed["name"], &renamed["description"]), (200, &json!("Sales EU"), &json!("Buyers")));
    let taken = app.send_as(&app.admin_token, Method::PATCH, &team, json!({"name": "Support"})).await;
    assert_error(&taken, 409, "team_name_taken");
    app.stop().await;
}

#[tokio::test]
async fn a_conversation_goes_to_a_team_with_a_line_and_the_list_filters_by_team() {
    let app = TestApp::spawn().await;
    let (_, sales) = create(&app, &app.admin_token, json!({"name": "Sales"})).await;
    let team = sales["id"].as_i64().expect("id");
    let (_, conversation) = app.visitor_with_conversation().await;
    let (_, other) = app.visitor_with_conversation().await;
    let (mut agent, _) = app.ws_auth(json!({"event": "authenticate", "access_token": app.admin_token})).await;

    let assign = app.api(&format!("/conversations/{conversation}/assignments"));
    let (status, answer) = app.post(&app.admin_token, &assign, json!({"team_id": team})).await;
    assert_eq!((status, &answer["name"]), (200, &json!("Sales")), "{answer}");
    let changed = next_event(&mut agent, "assignee.changed").await;
    assert_eq!(changed["data"]["meta"]["team"]["name"], "Sales", "{changed}");
    assert_eq!(changed["data"]["team_id"], team);
    // The agent stays unassigned; the line names the team, for the team only.
    let c = app.conversation(&app.admin_token, conversation).await;
    assert!(c["meta"]["assignee"].is_null());
    let lines = app.agent_messages(&app.admin_token, conversation).await;
    let line = lines.iter().find(|m| m["content_attributes"]["activity"] == "team_assigned").expect("line");
    assert_eq!(line["private"], true);
    assert!(line["content"].as_str().unwrap_or("").contains("Sales"), "{line}");

    let (_, listed) = app.get(&app.admin_token, &app.api(&format!("/conversations?team_id={team}"))).await;
    let ids: Vec<&Value> = listed["data"]["payload"].as_array().expect("payload").iter().map(|c| &c["id"]).collect();
    assert_eq!(ids, [&json!(conversation)], "not {other}");
    assert_eq!(listed["data"]["meta"]["all_count"], 1);
    assert_eq!(listed["data"]["meta"]["unassigned_count"], 1);

    // Bad input, and taking it back.
    assert_error(&app.post(&app.admin_token, &assign, json!({"team_id": 999})).await, 422, "invalid_team");
    assert_error(&app.post(&app.admin_token, &assign, json!({})).await, 422, "invalid_params");
    let (status, none) = app.post(&app.admin_token, &assign, json!({"team_id": null})).await;
    assert_eq!((status, none), (200, Value::Null));
    assert!(app.conversation(&app.admin_token, conversation).await["meta"]["team"].is_null());

    // Deleting a team keeps conversations and their agents.
    app.post(&app.admin_token, &assign, json!({"team_id": team})).await;
    let (status, _) =
        app.send_as(&app.admin_token, Method::DELETE, &app.api(&format!("/teams/{team}")), json!({})).await;
    assert_eq!(status, 200);
    assert!(app.conversation(&app.admin_token, conversation).await["team_id"].is_null());
    assert_eq!(app.get(&app.admin_token, &app.api(&format!("/teams/{team}"))).await.0, 404);
    app.stop().await;
}
