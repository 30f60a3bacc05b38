//! Parlor's pure model: typed ids, parsed input values, conversations and messages.
//!
//! No IO, no async, no SQL, no HTTP. Values here are parsed once at the edge
//! ("parse, don't validate"), so code further in can trust them.

mod activity;
mod chatflow;
mod ids;
mod job;
mod label;
mod message;
mod text;
mod tokens;
mod values;

pub use activity::*;
pub use chatflow::*;
pub use ids::*;
pub use job::*;
pub use label::*;
pub use message::*;
pub use text::*;
pub use tokens::*;
pub use values::*;

/// Milliseconds since the Unix epoch, UTC. Stored as BIGINT in both databases.
pub type Millis = i64;
