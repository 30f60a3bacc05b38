//! Parlor's use cases, one module per product noun, plus the real-time hub.
//!
//! Handlers in `web` parse input into domain types and call one function here.
//! Functions here talk to the [`store::Store`] and publish to the [`hub::Hub`]
//! after the transaction committed (ARCHITECTURE.md, invariant 1).

pub mod agent;
pub mod auth;
pub mod bootstrap;
pub mod bus;
pub mod hub;
pub mod jobs;
pub mod presence;
pub mod resume;
pub mod tokens;
pub mod visitor;

use std::sync::Arc;

pub use domain;
pub use store::{ContactPatch, ConversationCounts, Store, StoreConfig, StoreError};

/// Everything a use case needs, cheap to clone.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    hub: hub::Hub,
    presence: Arc<presence::Presence>,
    /// Present when several processes share the database (PARLOR_NATS_URL).
    bus: Option<bus::Bus>,
    /// Bounds concurrent argon2 hashes: each takes ~19 MiB and a core for tens of
    /// milliseconds, so a login flood must queue, not exhaust memory.
    hashing: tokio::sync::Semaphore,
}

impl App {
    pub fn new(store: Store) -> App {
        Self::with_bus(store, None)
    }

    /// An app joined to other processes by a bus. Call [`bus::Bus::listen`] to
    /// receive their events.
    pub fn with_bus(store: Store, bus: Option<bus::Bus>) -> App {
        let presence = Arc::default();
        let hashing = tokio::sync::Semaphore::new(2);
        App { inner: Arc::new(Inner { store, hub: hub::Hub::default(), presence, bus, hashing }) }
    }

    pub fn bus(&self) -> Option<&bus::Bus> {
        self.inner.bus.as_ref()
    }

    /// Publishes a stored event here and on the bus.
    pub(crate) async fn emit_stored(&self, record: &store::EventRecord, event: hub::HubEvent) {
        if let Some(bus) = self.bus() {
            bus.send_stored(record, &event).await;
        }
        self.hub().publish(event);
    }

    /// Publishes a typing event here and on the bus.
    pub(crate) async fn emit_typing(&self, event: hub::HubEvent) {
        if let Some(bus) = self.bus() {
            bus.send_typing(&event).await;
        }
        self.hub().publish(event);
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn hub(&self) -> &hub::Hub {
        &self.inner.hub
    }

    pub fn presence(&self) -> &Arc<presence::Presence> {
        &self.inner.presence
    }
}

/// Why a use case did not happen. `web` maps each to a status and a stable code.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Unknown, or not yours: the same answer, so existence does not leak.
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Invalid(#[from] domain::InvalidInput),
    #[error("unauthorized")]
    Unauthorized,
    #[error("{message}")]
    Forbidden { message: &'static str },
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Unavailable(m) => AppError::Unavailable(m),
            StoreError::Conflict(c) => AppError::Conflict { code: "conflict", message: format!("Conflict on {c}.") },
            StoreError::Other(m) => AppError::Internal(m),
        }
    }
}

pub type Result<T> = std::result::Result<T, AppError>;

/// An activity line: English text plus attributes clients translate from.
pub(crate) fn activity(text: String, attributes: serde_json::Value) -> store::Activity {
    store::Activity { text, attributes }
}
