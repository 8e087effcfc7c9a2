//! Slack: what alertgraph posts (`message`, plain values) and how (`api`, the Web API calls).

pub mod api;
pub mod message;
