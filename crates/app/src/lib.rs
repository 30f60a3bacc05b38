//! Parlor's use cases, one module per product noun, plus real time.
//!
//! Handlers in `web` parse input into domain types and call one function here.
//! A use case that writes reads: begin a [`store::Tx`], call its primitives,
//! commit, then publish to the hub (ARCHITECTURE.md, invariant 1). Who acts
//! (a visitor or an agent) is a parameter, [`Actor`], not part of a name.

pub mod accounts;
pub mod assignment;
pub mod auth;
pub mod bootstrap;
pub mod bots;
pub mod clock;
mod coalesce;
pub mod contacts;
pub mod conversations;
mod hashing;
pub mod inboxes;
pub mod jobs;
pub mod labels;
pub mod messages;
pub mod notifications;
pub mod profile;
pub mod realtime;
pub mod team;
pub mod teams;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod tokens;

use std::sync::Arc;

pub use auth::AgentCtx;
pub use clock::{Clock, SharedClock, SystemClock};
pub use contacts::VisitorCtx;
pub use domain;
pub use realtime::{access, bus, hub, presence, resume, viewers};
pub use store::{
    Conflict, ContactPatch, ConversationCounts, Member, Notification, SetupPurpose, Store, StoreConfig, StoreError,
};

/// Who acts: a visitor in its own conversations, or an agent of an account.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    Visitor(&'a VisitorCtx),
    Agent(&'a AgentCtx),
}

impl<'a> From<&'a VisitorCtx> for Actor<'a> {
    fn from(v: &'a VisitorCtx) -> Self {
        Actor::Visitor(v)
    }
}

impl<'a> From<&'a AgentCtx> for Actor<'a> {
    fn from(a: &'a AgentCtx) -> Self {
        Actor::Agent(a)
    }
}

/// Everything a use case needs, cheap to clone.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    /// Where photos (and later attachments) live.
    blobs: blobs::Blobs,
    clock: SharedClock,
    hub: hub::Hub,
    presence: Arc<presence::Presence>,
    /// Who is looking at which conversation (viewers.rs).
    viewers: viewers::Viewers,
    /// Present when several processes share the database (PARLOR_NATS_URL).
    bus: Option<bus::Bus>,
    /// Password hashing on two threads that keep their memory (hashing.rs).
    hashing: hashing::Hasher,
    /// This process's name on the leases of the jobs it runs (jobs.rs).
    runner: String,
    /// Repeated seen markers and typing signs, kept to one a second.
    marks: coalesce::Coalescer,
    /// Wakes this process's job runner for a job due now.
    jobs_due: tokio::sync::Notify,
    /// New-message notifications written lately (notifications.rs).
    recent: notifications::Recent,
}

impl App {
    pub fn new(store: Store, blobs: blobs::Blobs) -> App {
        Self::with_bus(store, blobs, None, SharedClock::default())
    }

    /// An app joined to other processes by a bus, on `clock`. Call
    /// [`bus::Bus::listen`] to receive their events.
    pub fn with_bus(store: Store, blobs: blobs::Blobs, bus: Option<bus::Bus>, clock: SharedClock) -> App {
        let presence = Arc::default();
        let hashing = hashing::Hasher::start();
        let runner = tokens::generate_short();
        let marks = coalesce::Coalescer::default();
        let hub = hub::Hub::default();
        let viewers = viewers::Viewers::default();
        let jobs_due = tokio::sync::Notify::new();
        App {
            inner: Arc::new(Inner {
                store,
                blobs,
                clock,
                hub,
                presence,
                viewers,
                bus,
                hashing,
                runner,
                marks,
                jobs_due,
                recent: notifications::Recent::default(),
            }),
        }
    }

    pub(crate) fn blobs(&self) -> &blobs::Blobs {
        &self.inner.blobs
    }

    pub fn bus(&self) -> Option<&bus::Bus> {
        self.inner.bus.as_ref()
    }

    /// Now, by the app's clock.
    pub fn now(&self) -> domain::Millis {
        self.inner.clock.0.now()
    }

    /// The app's clock, for parts that keep time of their own (rate limits).
    pub fn clock(&self) -> SharedClock {
        self.inner.clock.clone()
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

    pub(crate) fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn hub(&self) -> &hub::Hub {
        &self.inner.hub
    }

    pub fn presence(&self) -> &Arc<presence::Presence> {
        &self.inner.presence
    }

    pub fn viewers(&self) -> &viewers::Viewers {
        &self.inner.viewers
    }

    /// Which database: `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        self.store().backend()
    }

    /// Readiness: the database answers; which database it is.
    pub async fn ping(&self) -> Result<&'static str> {
        self.store().ping().await?;
        Ok(self.backend())
    }

    /// Closes the database's connections (at shutdown).
    pub async fn close(&self) {
        self.store().close().await
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
    /// Not allowed, with a reason a client acts on (403 with its code).
    #[error("{message}")]
    Refused { code: &'static str, message: &'static str },
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// A reply sent with `check_collision` while another agent writes one.
    #[error("{name} is replying")]
    Collision { user_id: domain::UserId, name: String },
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
            StoreError::Conflict(c) => conflict(c),
            StoreError::InvalidText => AppError::Invalid(domain::InvalidInput::new(
                "invalid_text",
                "The text contains a character that cannot be stored.",
            )),
            StoreError::Other(m) => AppError::Internal(m),
        }
    }
}

/// The one answer for each named conflict, the same on both databases. Use
/// cases that expect one (a visitor's second conversation) handle it first.
fn conflict(c: Conflict) -> AppError {
    let (code, message) = match c {
        Conflict::UserEmail => ("email_taken", "A user with this email address already exists."),
        Conflict::OpenConversation => {
            ("conversation_already_open", "This contact already has an open conversation in this inbox.")
        }
        Conflict::EchoId => ("duplicate_echo_id", "A message with this echo_id exists already."),
        Conflict::TeamName => ("team_name_taken", "The account has a team of that name already."),
        Conflict::LabelTitle => ("label_title_taken", "The account has a label with that title already."),
        Conflict::Other => ("conflict", "This conflicts with something stored already."),
    };
    AppError::Conflict { code, message: message.into() }
}

pub type Result<T> = std::result::Result<T, AppError>;

/// An activity line: its English text from the catalogue (what API clients that
/// do not translate show), and the attributes clients translate from.
pub(crate) fn activity(kind: domain::ActivityKind, actor: Option<&str>, assignee: Option<&str>) -> store::Activity {
    let vars = [("actor", actor.unwrap_or_default()), ("assignee", assignee.unwrap_or_default())];
    let text = i18n::catalogue(i18n::Lang::En).activity(kind, &vars);
    let mut attributes = serde_json::json!({"activity": kind.name()});
    if let Some(a) = actor {
        attributes["actor_name"] = a.into();
    }
    if let Some(a) = assignee {
        attributes["assignee_name"] = a.into();
    }
    store::Activity { text, attributes, private: !kind.visitor_sees() }
}
