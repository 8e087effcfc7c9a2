//! Slack: what alertgraph posts (`message`, plain values) and how (`api`, the Web API calls);
//! what users click (`interaction`, the buttons' payloads) and how their requests are proven
//! to be Slack's (`signature`).

pub mod api;
pub mod interaction;
pub mod message;
pub mod signature;
