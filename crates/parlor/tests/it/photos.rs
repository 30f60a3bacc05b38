//! Profile photos (issue 12, A2, X5): uploaded through Chatwoot's multipart
//! `PUT /api/v1/profile`, decoded within limits and stored re-encoded as a
//! square PNG in the blob store (the data folder, or S3 against a moto
//! server), shown to teammates and to the visitor of an assigned chat.

use std::io::Cursor;

use reqwest::multipart::{Form, Part};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

fn png(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    image::DynamicImage::new_rgb8(w, h).write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).expect("png");
    out
}

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    image::DynamicImage::new_rgb8(w, h).write_to(&mut Cursor::new(&mut out), image::ImageFormat::Jpeg).expect("jpeg");
    // An APP1 segment that would carry EXIF (and GPS) right after SOI.
    let exif = b"\xFF\xE1\x00\x16Exif\x00\x00GPS 52.52 13.40 here";
    out.splice(2..2, exif.iter().copied());
    out
}

async fn upload(app: &TestApp, bytes: Vec<u8>, filename: &str) -> (u16, Value) {
    let form = Form::new()
        .text("profile[display_name]", "Olga")
        .part("profile[avatar]", Part::bytes(bytes).file_name(filename.to_owned()));
    let res = app
        .http
        .put(format!("{}/api/v1/profile", app.url))
        .header("api_access_token", &app.admin_token)
        .multipart(form)
        .send()
        .await
        .expect("send");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn fetch(app: &TestApp, path: &str) -> (u16, String, Vec<u8>) {
    let res = reqwest::get(format!("{}{path}", app.url)).await.expect("send");
    let ct = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    (res.status().as_u16(), ct, res.bytes().await.expect("body").to_vec())
}

/// The whole photo flow on whatever blob store the app has.
async fn photo_flow(app: &TestApp) {
    let (status, p) = upload(app, jpeg(800, 600), "me.jpg").await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["available_name"], "Olga", "the form's other fields apply too");
    let url = p["avatar_url"].as_str().expect("avatar_url").to_owned();
    assert!(url.starts_with("/blobs/avatars/") && url.ends_with(".png"), "{url}");
    let (status, ct, bytes) = fetch(app, &url).await;
    assert_eq!((status, ct.as_str()), (200, "image/png"));
    let img = image::load_from_memory(&bytes).expect("a PNG");
    assert_eq!((img.width(), img.height()), (256, 256), "a square thumbnail");
    assert!(!bytes.windows(4).any(|w| w == b"Exif") && !bytes.windows(3).any(|w| w == b"GPS"), "no EXIF kept");

    // Teammates see it; a new photo replaces the old, which is deleted.
    let (_, agents) = app.get(&app.admin_token, &app.api("/agents")).await;
    assert!(agents.as_array().expect("list").iter().any(|a| a["thumbnail"] == url.as_str()), "{agents}");
    let (_, p2) = upload(app, png(64, 64), "me.png").await;
    let url2 = p2["avatar_url"].as_str().expect("avatar_url").to_owned();
    assert_ne!(url2, url);
    assert_eq!(fetch(app, &url).await.0, 404, "the old photo is gone");

    // The visitor of a chat assigned to this user sees name and photo (W3).
    let (v, c) = app.visitor_with_conversation().await;
    let (_, me) = app.get(&app.admin_token, &format!("{}/api/v1/profile", app.url)).await;
    let assign = app.api(&format!("/conversations/{c}/assignments"));
    assert_eq!(app.post(&app.admin_token, &assign, json!({"assignee_id": me["id"]})).await.0, 200);
    let (_, conv) = app.send(Method::GET, &app.conv_path(&v, c, ""), None).await;
    assert_eq!(conv["assignee"]["available_name"], "Olga", "{conv}");
    assert_eq!(conv["assignee"]["avatar_url"], url2.as_str());

    let (status, p3) =
        app.send_as(&app.admin_token, Method::DELETE, &format!("{}/api/v1/profile/avatar", app.url), json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(p3["avatar_url"], "");
    assert_eq!(fetch(app, &url2).await.0, 404);
}

#[tokio::test]
async fn a_photo_is_stored_re_encoded_in_the_data_folder_and_replaced_and_removed() {
    let app = TestApp::spawn().await;
    photo_flow(&app).await;
    app.stop().await;
}

#[tokio::test]
async fn the_s3_option_stores_photos_in_an_s3_compatible_server() {
    // moto's standalone server speaks the S3 protocol (scripts/test starts it).
    let s3 = std::env::var("PARLOR_TEST_S3_URL").unwrap_or_else(|_| "http://127.0.0.1:5055".into());
    let bucket = format!("parlor-{}", now_secs() ^ i64::from(rand_u32()));
    let made = reqwest::Client::new().put(format!("{s3}/{bucket}")).send().await;
    assert!(made.is_ok_and(|r| r.status().is_success()), "no S3 server at {s3}: run moto_server (scripts/test does)");
    let app = TestApp::spawn_with(|c| {
        c.s3_url = Some(s3.clone());
        c.s3_bucket = bucket.clone();
        c.s3_access_key_id = "test".into();
        c.s3_secret_access_key = "test".into();
    })
    .await;
    photo_flow(&app).await;
    // The bytes are in the bucket, not in the data folder (which the flow
    // above would have used otherwise: it served every photo it stored).
    let (_, p) = upload(&app, png(32, 32), "x.png").await;
    let key = p["avatar_url"].as_str().expect("url").trim_start_matches("/blobs/").to_owned();
    assert_eq!(fetch(&app, &format!("/blobs/{key}")).await.0, 200);
    assert!(!app.config.data_dir.join("blobs").join(&key).exists());
    assert!(!app.config.data_dir.join("blobs").join("avatars").exists(), "nothing in the data folder");
    app.stop().await;
}

fn rand_u32() -> u32 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos())
}

#[tokio::test]
async fn photos_that_are_not_images_or_too_large_get_a_clear_error_and_change_nothing() {
    let app = TestApp::spawn().await;
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".to_vec();
    let got = upload(&app, svg, "evil.svg").await;
    assert_error(&got, 422, "invalid_image_type");
    let got = upload(&app, png(4097, 10), "wide.png").await;
    assert_error(&got, 422, "image_too_large");
    let mut cut = png(64, 64);
    cut.truncate(60);
    assert_error(&upload(&app, cut, "cut.png").await, 422, "invalid_image");
    let big = vec![0u8; 6 * 1024 * 1024];
    let got = upload(&app, big, "big.png").await;
    assert_eq!(got.0, 413, "{}", got.1);
    assert_eq!(got.1["code"], "file_too_large");
    let (_, p) = app.get(&app.admin_token, &format!("{}/api/v1/profile", app.url)).await;
    assert_eq!(p["avatar_url"], "");
    // Blob URLs take only keys Parlor made.
    for path in [
        "/blobs/avatars/..%2F..%2Fparlor.db",
        "/blobs/avatars/x.svg",
        "/blobs/other/0123456789abcdef0123456789abcdef.png",
    ] {
        assert_eq!(fetch(&app, path).await.0, 404, "{path}");
    }
    app.stop().await;
}

/// A multipart inbox update (Chatwoot's dashboard sends the picture so).
async fn inbox_picture(app: &TestApp, token: &str, id: i64, form: Form) -> (u16, Value) {
    let res = app
        .http
        .patch(app.api(&format!("/inboxes/{id}")))
        .header("api_access_token", token)
        .multipart(form)
        .send()
        .await
        .expect("send");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_inbox_picture_shows_in_the_widget_until_someone_answers_and_only_admins_set_it() {
    let app = TestApp::spawn().await;
    let (_, inboxes) = app.get(&app.admin_token, &app.api("/inboxes")).await;
    let id = inboxes["payload"][0]["id"].as_i64().expect("inbox");
    let picture = || Form::new().part("avatar", Part::bytes(png(300, 200)).file_name("logo.png"));

    let (status, inbox) = inbox_picture(&app, &app.admin_token, id, picture()).await;
    assert_eq!(status, 200, "{inbox}");
    let url = inbox["avatar_url"].as_str().expect("avatar_url").to_owned();
    assert!(url.starts_with("/blobs/avatars/"), "{url}");
    let (status, ct, bytes) = fetch(&app, &url).await;
    assert_eq!((status, ct.as_str()), (200, "image/png"));
    let img = image::load_from_memory(&bytes).expect("a PNG");
    assert_eq!((img.width(), img.height()), (256, 256), "a square");
    // The Client API and the widget frame show it (the cache forgot the old inbox).
    let (_, public) = app.send(Method::GET, &app.client_api(""), None).await;
    assert_eq!(public["avatar_url"], url.as_str());
    let frame = reqwest::get(format!("{}/widget/frame?website_token={}", app.url, app.website_token))
        .await
        .expect("send")
        .text()
        .await
        .expect("body");
    assert!(frame.contains(&format!(r#""avatar":"{url}""#)), "the frame's config names the picture");

    // An agent may not; settings fields do not ride along in a form; a bad file is refused.
    let (_, agent_token) = app.create_user(1, "agent.pic@example.com", domain::Role::Agent).await;
    let (status, body) = inbox_picture(&app, &agent_token, id, picture()).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")), "{body}");
    let form = picture().text("name", "Renamed");
    let got = inbox_picture(&app, &app.admin_token, id, form).await;
    assert_error(&got, 422, "unsupported_field");
    let form = Form::new().part("avatar", Part::bytes(b"<svg onload=alert(1)>".to_vec()).file_name("x.svg"));
    let (status, _) = inbox_picture(&app, &app.admin_token, id, form).await;
    assert_eq!(status, 422);
    let (_, still) = app.get(&app.admin_token, &app.api(&format!("/inboxes/{id}"))).await;
    assert_eq!(still["avatar_url"], url.as_str(), "nothing changed");
    assert_ne!(still["name"], "Renamed");

    // Removed: gone from the inbox and from the store.
    let (status, inbox) =
        app.send_as(&app.admin_token, Method::DELETE, &app.api(&format!("/inboxes/{id}/avatar")), json!({})).await;
    assert_eq!(status, 200, "{inbox}");
    assert_eq!(inbox["avatar_url"], "");
    assert_eq!(fetch(&app, &url).await.0, 404);
    app.stop().await;
}
