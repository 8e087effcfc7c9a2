//! Slack: what alertgraph posts (`message`, plain values; `mention`, whom a firing message
//! pings) and how (`api`, the Web API calls); what users click (`interaction`, the buttons'
//! payloads) and how their requests are proven to be Slack's (`signature`).

pub mod api;
pub mod interaction;
pub mod mention;
pub mod message;
pub mod signature;
