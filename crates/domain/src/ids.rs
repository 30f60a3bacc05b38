//! Typed integer ids, so an inbox id cannot be passed where a user id is meant.

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    /// An account (workspace). Every stored row belongs to exactly one.
    AccountId,
    InboxId,
    UserId,
    ContactId,
    /// The internal primary key of a conversation. Never shown outside: the API
    /// speaks of [`DisplayId`]s.
    ConversationId,
    /// A conversation's per-account number, as in Chatwoot's paths.
    DisplayId,
    MessageId,
    TeamId,
    /// A bot that writes in conversations (the greeter, later chatflows).
    AgentBotId,
    LabelId,
);
