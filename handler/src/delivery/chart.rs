//! An alert's chart as its message shows it: drawn and stored when the message goes out, and
//! marked shown once the chat service has it, so retention can let the older charts go. A
//! chart that could not be drawn for a passing cause is redrawn by a later `chart-redraw` job.
//! An inline chart is uploaded before the message; Slack refuses the message while it has not
//! processed the file, so the message waits a little, then goes without it and a
//! `chart-redraw` job puts it in.

use std::time::Duration;

use super::failure::{describe, Failure, Hold};
use super::limits::DEATHS_WITHOUT_CHART;
use super::seams::{Chat, Drawer, Edges, Store};
use super::{Courier, Options};
use crate::chart::draw::{DrawFailure, Drawing, Window};
use crate::chart::plot::PlottedAlert;
use crate::config::ChartDelivery;
use crate::slack::api::{PngFile, Upload};
use crate::slack::message::{AlertView, Chart, Message, MessageOptions};
use crate::store::Job;

/// A chart that failed for a passing cause is tried again this long after the post.
const REDRAW_AFTER_MS: i64 = 10_000;
/// The waits between tries of a message Slack refuses for an inline chart it has not processed
/// yet: about three seconds in all, well inside a drain's budget.
const NOT_READY_WAITS_MS: [u64; 3] = [500, 1000, 1500];

/// An alert's chart, as the message shows it and, in upload mode, the PNG to upload.
pub struct MessageChart {
    pub shown: Chart,
    upload: Option<(Drawing, String)>,
    /// Not drawn, for a cause that can pass: worth a `chart-redraw` job.
    pub transient: bool,
    /// The stored chart's token, once drawn.
    token: Option<String>,
}

impl MessageChart {
    pub fn none() -> MessageChart {
        MessageChart {
            shown: Chart::None,
            upload: None,
            transient: false,
            token: None,
        }
    }

    fn unavailable(failure: DrawFailure) -> MessageChart {
        MessageChart {
            shown: Chart::Unavailable(failure.reason),
            upload: None,
            transient: failure.transient,
            token: None,
        }
    }

    /// The message showing the chart's URL went out: the alert's older charts can go.
    pub fn reached_slack(&self, store: &impl Store) {
        if matches!(self.shown, Chart::Image { .. } | Chart::SlackFile { .. }) {
            self.mark_shown(store);
        }
    }

    fn mark_shown(&self, store: &impl Store) {
        let Some(token) = &self.token else { return };
        if let Err(e) = store.chart_shown(token, crate::now_ms()) {
            // Only retention waits on it: the older charts stay until CHART_RETENTION.
            eprintln!("alertgraph: cannot mark a chart as shown: {}", describe(&e));
        }
    }

    pub fn options(&self, options: &Options) -> MessageOptions {
        MessageOptions {
            explorer_url: options.explorer_url.clone(),
            chart: self.shown.clone(),
        }
    }
}

impl<E: Edges> Courier<'_, E> {
    /// Draws the alert's chart now (a resolved alert gets its resolved span) and stores it;
    /// not once drawing it has killed the job's instance twice.
    pub(super) async fn chart(&self, job: &Job, alert: &AlertView<'_>) -> MessageChart {
        self.chart_over(job, alert, self.options.window).await
    }

    /// [`Courier::chart`] over `window`.
    pub(super) async fn chart_over(
        &self,
        job: &Job,
        alert: &AlertView<'_>,
        window: Window,
    ) -> MessageChart {
        let alert_id = job.alert_id;
        if job.deaths >= DEATHS_WITHOUT_CHART {
            return MessageChart::unavailable(DrawFailure {
                reason: format!(
                    "could not be drawn: the instance drawing it stopped {} times (out of \
                     memory or past the time limit)",
                    job.deaths
                ),
                transient: false,
            });
        }
        let Some(drawer) = self.drawer else {
            return MessageChart::none();
        };
        let plotted = PlottedAlert {
            alertname: alert.alertname,
            labels: alert.labels,
            starts_at: alert.starts_at_ms,
            ends_at: alert.ends_at_ms,
        };
        let drawn = drawer
            .draw(plotted, alert.generator_url, window, crate::now_ms())
            .await;
        let drawing = match drawn {
            Ok(drawing) => drawing,
            Err(failure) => return MessageChart::unavailable(failure),
        };
        eprintln!(
            "alertgraph: drew the chart of alert {alert_id}: {} series of {} ({} bytes)",
            drawing.series,
            drawing.promql,
            drawing.png.len()
        );
        let token = match self
            .store
            .save_chart(alert_id, &drawing.png, crate::now_ms())
        {
            Ok(token) => token,
            Err(e) => {
                return MessageChart::unavailable(DrawFailure {
                    reason: format!("cannot store the chart: {}", describe(&e)),
                    transient: true,
                })
            }
        };
        match (self.options.chart_delivery, &self.options.base_url) {
            (ChartDelivery::Url, Some(base)) => MessageChart {
                shown: Chart::Image {
                    url: format!("{base}/api/chart/{token}.png"),
                    alt: drawing.alt_text().to_owned(),
                    numbers: drawing.numbers,
                },
                upload: None,
                transient: false,
                token: Some(token),
            },
            (ChartDelivery::Url | ChartDelivery::Inline, _) => {
                self.upload_inline(drawing, alert_id, token).await
            }
            (ChartDelivery::Upload, _) => MessageChart {
                shown: Chart::None,
                upload: Some((drawing, format!("alert-{alert_id}-{token}.png"))),
                transient: false,
                token: Some(token),
            },
        }
    }

    /// Uploads the chart to Slack, shared nowhere, for the message to show by its file id.
    async fn upload_inline(&self, drawing: Drawing, alert_id: i64, token: String) -> MessageChart {
        let filename = format!("alert-{alert_id}-{token}.png");
        let file = PngFile {
            filename: &filename,
            title: &drawing.alt,
            alt: drawing.numbers.as_deref(),
            png: &drawing.png,
        };
        match self.chat.upload_file(&file).await {
            Ok(id) => MessageChart {
                shown: Chart::SlackFile {
                    id,
                    alt: drawing.alt_text().to_owned(),
                    numbers: drawing.numbers,
                },
                upload: None,
                transient: false,
                token: Some(token),
            },
            Err(e) => MessageChart::unavailable(DrawFailure {
                transient: matches!(e, Failure::Retry { .. }),
                reason: format!("cannot upload it: {}", e.reason()),
            }),
        }
    }

    /// Sends what `build` makes of the message with its chart. While Slack has not processed
    /// an inline chart's file it waits and tries again; then the message goes without it:
    /// saying the chart follows, marked transient so that a redraw puts it in, while the alert
    /// is `firing` (redraws are for firing alerts), else saying why there is none.
    pub(super) async fn send_showing<T>(
        &self,
        chart: &mut MessageChart,
        build: impl Fn(&MessageChart) -> Message,
        send: impl AsyncFn(&Message) -> Result<T, Hold>,
        firing: bool,
    ) -> Result<T, Hold> {
        let mut waits = NOT_READY_WAITS_MS.into_iter();
        loop {
            let sent = send(&build(chart)).await;
            let Err(Hold::Failed(Failure::NotReady(reason))) = &sent else {
                return sent;
            };
            let Some(wait) = waits.next() else {
                eprintln!("alertgraph: {reason}: sending without the chart");
                break;
            };
            eprintln!("alertgraph: {reason}: trying again in {wait} ms");
            super::sleep(Duration::from_millis(wait));
        }
        chart.shown = if firing {
            Chart::Follows
        } else {
            Chart::Unavailable("Slack had not processed it in time".into())
        };
        chart.transient = firing;
        send(&build(chart)).await
    }

    /// Uploads the chart into the message's thread. The message is already recorded, so a
    /// failure here is logged and the message stays without its chart.
    pub(super) async fn upload(&self, chart: &MessageChart, channel_id: &str, thread_ts: &str) {
        let Some((drawing, filename)) = &chart.upload else {
            return;
        };
        let upload = Upload {
            channel_id,
            thread_ts,
            file: PngFile {
                filename,
                title: &drawing.alt,
                alt: drawing.numbers.as_deref(),
                png: &drawing.png,
            },
        };
        match self.chat.upload_png(&upload).await {
            Ok(()) => chart.mark_shown(self.store),
            Err(e) => eprintln!("alertgraph: chart upload to {channel_id} failed: {e:?}"),
        }
    }

    /// Enqueues a `chart-redraw` job for the alert; without one the message keeps its reason.
    pub(super) fn schedule_redraw(&self, alert_id: i64) {
        let now = crate::now_ms();
        let due = now + REDRAW_AFTER_MS;
        if let Err(e) = self.store.enqueue_chart_redraw(alert_id, due, now) {
            eprintln!(
                "alertgraph: cannot schedule a chart redraw for alert {alert_id}: {}",
                describe(&e)
            );
        }
    }
}

/// A redraw that failed again for a passing cause: tried later with backoff.
pub fn retry_chart(reason: &str) -> Failure {
    Failure::Retry {
        after_ms: None,
        reason: format!("chart: {reason}"),
        maybe_posted: false,
    }
}
