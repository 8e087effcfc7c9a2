//! Charts for alerts: what to plot, how it looks, where the data comes from.
//!
//! `model` is the chart as plain data (series, threshold, firing span, unit); `query` decides
//! what to ask Prometheus for an alert (PromQL split of `g0.expr`, the seed's Sloth SLO
//! queries, the time window and step, legend names, the alert's own series); `svg` turns a
//! [`model::Plot`] into an SVG string (`axis` holds its ticks and number/time formats);
//! `plot` assembles the plot of an alert from Prometheus' answer, with the same series some
//! time earlier when `compare` asks; `numbers` says the alert's series in words (the line
//! under the image, and its alt text); `prometheus` runs `query_range` and `draw` takes an
//! alert to PNG bytes (query, SVG, the `renderer` import): those two do I/O, everything else
//! is pure.

pub mod axis;
pub mod compare;
pub mod draw;
#[cfg(test)]
mod golden;
pub mod model;
pub mod numbers;
pub mod plot;
pub mod prometheus;
pub mod query;
pub mod svg;
