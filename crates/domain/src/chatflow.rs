//! An inbox's chatflow: what its bot does in a new conversation, as an
//! immutable version. The greeter bot is the first (one `send_message` step);
//! the chatflow issue adds steps and keeps this shape.

use serde::{Deserialize, Serialize};

use crate::{AccountId, BotSummary, InboxId, Millis};

/// One thing the bot does. Stored as JSON in `chatflows.definition`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Step {
    SendMessage { content: String },
}

/// The steps, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Definition {
    pub steps: Vec<Step>,
}

/// The version of an inbox's chatflow in force (the highest).
#[derive(Debug, Clone)]
pub struct Chatflow {
    pub id: i64,
    pub account_id: AccountId,
    pub inbox_id: InboxId,
    pub version: i64,
    /// Off: new conversations start open, without the bot.
    pub enabled: bool,
    pub bot: BotSummary,
    pub definition: Definition,
    pub created_at: Millis,
}

impl Chatflow {
    /// The greeter's message: the first `send_message` step.
    pub fn greeting(&self) -> &str {
        self.definition.steps.iter().map(|Step::SendMessage { content }| content.as_str()).next().unwrap_or_default()
    }
}
