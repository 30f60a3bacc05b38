//! The REST API by noun. Each module holds its routes, its wire shapes
//! (Chatwoot's field names, converted from domain types by hand: ARCHITECTURE.md,
//! invariant 7) and a `router()`; handlers call one `app` function each.

pub mod agents;
pub mod client;
pub mod contacts;
pub mod conversations;
pub mod greeter;
pub mod inbox_members;
pub mod inboxes;
pub mod labels;
pub mod messages;
pub mod notifications;
pub mod profile;
pub mod teams;

use domain::Millis;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// Every route of the REST API, with its OpenAPI description.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(client::router())
        .merge(conversations::router())
        .merge(messages::router())
        .merge(profile::router())
        .merge(inboxes::router())
        .merge(contacts::router())
        .merge(agents::router())
        .merge(inbox_members::router())
        .merge(teams::router())
        .merge(labels::router())
        .merge(greeter::router())
        .merge(notifications::router())
}

/// Where a stored photo is served (`pages::blob`); empty without one.
/// Relative: the widget and the inbox are on Parlor's own origin.
pub(crate) fn avatar_url(key: &Option<String>) -> String {
    key.as_deref().map(|k| format!("/blobs/{k}")).unwrap_or_default()
}

/// Chatwoot's timestamps are Unix seconds.
pub(crate) fn secs(ms: Millis) -> i64 {
    ms.div_euclid(1000)
}

#[derive(Deserialize)]
pub(crate) struct AccountPath {
    #[allow(dead_code)] // read by the Agent extractor
    account_id: i64,
}

#[derive(Deserialize)]
pub(crate) struct ItemPath {
    #[allow(dead_code)] // read by the Agent extractor
    account_id: i64,
    pub id: i64,
}
