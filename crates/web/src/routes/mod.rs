//! The REST API's routes, one module per resource group.

pub mod accounts;
pub mod client;
pub mod conversations;
