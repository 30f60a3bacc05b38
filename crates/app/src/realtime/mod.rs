//! Real time: the in-process hub, the bus between processes, who is online,
//! who is looking at a conversation, and replay from the event log for
//! sockets that resume.

pub mod access;
pub mod bus;
pub mod hub;
pub mod presence;
pub mod resume;
pub mod viewers;
