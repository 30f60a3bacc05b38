//! A visitor's message over its socket (docs/realtime.md, "Sending messages"):
//! the Client API's `POST …/messages` without the HTTP request around it. The
//! same checks in the same order, the same rate limit (one bucket per visitor
//! for both paths) and the same app call, answered only after commit.

use app::App;
use axum::http::StatusCode;
use domain::*;
use serde::Serialize;

use super::{frames, ClientFrame, Close, Conn, Peer};
use crate::api::messages::MessageJson;
use crate::error::ApiError;
use crate::ratelimit::{self, Limit};

#[derive(Serialize)]
struct Refused<'a> {
    echo_id: Option<&'a str>,
    code: &'a str,
    message: &'a str,
}

/// Stores a `message` frame and answers `message.ack` (the stored message, as
/// the POST returns it) or `message.error` (`{echo_id, code, message}`, the
/// POST's codes). A refused message leaves the socket open.
pub(super) async fn message(app: &App, conn: &mut Conn, peer: &Peer, mut frame: ClientFrame) -> Result<(), Close> {
    let answer = match store(app, &conn.messages, peer, &mut frame).await {
        Ok(m) => frames::simple("message.ack", MessageJson::for_visitor(&m)),
        Err(e) => {
            let echo_id = frame.echo_id.as_deref();
            frames::simple("message.error", Refused { echo_id, code: e.code, message: &e.message })
        }
    };
    conn.send(&answer).await
}

async fn store(app: &App, limit: &Limit, peer: &Peer, frame: &mut ClientFrame) -> Result<PublicMessage, ApiError> {
    let Peer::Visitor { visitor, .. } = peer else {
        // An agent writes through the Application API, as a user with a name.
        let text = "Agents send messages through the Application API.";
        return Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", text));
    };
    let (Some(conversation), Some(content)) = (frame.conversation, frame.content.take()) else {
        return Err(ApiError::bad_request(
            "invalid_params",
            "Invalid parameters: conversation and content are required.",
        ));
    };
    let content = MessageBody::parse(content)?;
    let echo = frame.echo_id.clone().map(EchoId::parse).transpose()?;
    limit.check(&ratelimit::visitor_key(visitor.contact_id))?;
    let m = app.send_message(visitor, DisplayId(conversation), content, false, echo).await?;
    Ok(PublicMessage::new(m).ok_or(app::AppError::NotFound)?)
}
