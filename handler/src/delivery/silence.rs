//! `silence` and `unsilence`: silences made and expired in Alertmanager for a click in the
//! chat service, and the follow-up when a silence ends (the resolve it may have muted).

use std::time::Instant;

use super::failure::{describe, retry, Failure, Hold};
use super::seams::{Edges, Silences, Store};
use super::Courier;
use crate::alertmanager::SilenceSpec;
use crate::slack::message::{self, AlertView};
use crate::store::{AlertSilence, AlertStatus, Job, StoredAlert, Webhook};

/// Who asked for a silence, and for how long: a `silence` / `unsilence` job's payload.
#[derive(serde::Deserialize)]
struct SilenceRequest {
    user_id: String,
    user_name: String,
    duration_ms: Option<i64>,
}

impl<E: Edges> Courier<'_, E> {
    /// Silences the alert in Alertmanager for the clicking user, replacing its earlier
    /// silence, then records it (which has the message redrawn).
    pub(super) async fn silence(&self, job: &Job) -> Result<(), Hold> {
        let stored = self.alert_of(job)?;
        let alertmanager = self.alertmanager_for("silence")?;
        let request: SilenceRequest =
            serde_json::from_str(job.payload.as_deref().unwrap_or_default())
                .map_err(|e| Failure::Permanent(format!("unreadable silence payload: {e}")))?;
        let length = request
            .duration_ms
            .ok_or_else(|| Failure::Permanent("silence payload without duration_ms".into()))?;
        if stored.alert.status == AlertStatus::Resolved {
            eprintln!(
                "alertgraph: alert {} resolved before its silence was made: none made",
                stored.id
            );
            return Ok(());
        }
        // Ends the comment, so a retry finds the silence an attempt made before it was
        // recorded.
        let marker = format!("alertgraph job {}", job.id);
        let earlier = if job.attempt > 1 {
            alertmanager.find_silence(&marker).await?
        } else {
            None
        };
        let now = crate::now_ms();
        let id = match earlier {
            Some(id) => id,
            None => {
                let comment = format!(
                    "Silenced from Slack by @{} for {} · {marker}",
                    request.user_name,
                    message::duration(length)
                );
                let spec = SilenceSpec {
                    replaces: stored.silenced.as_ref().map(|s| s.id.as_str()),
                    labels: &stored.alert.labels,
                    starts_at_ms: now,
                    ends_at_ms: now.saturating_add(length),
                    created_by: &request.user_name,
                    comment: &comment,
                };
                alertmanager.create_silence(&spec).await?
            }
        };
        let silence = AlertSilence {
            id,
            user_id: request.user_id,
            until: now.saturating_add(length),
        };
        self.store
            .set_alert_silence(stored.id, Some(&silence), now)
            .map_err(retry)?;
        Ok(())
    }

    /// Expires the alert's silence in Alertmanager (one gone already is fine), then settles
    /// its end.
    pub(super) async fn unsilence(&self, job: &Job) -> Result<(), Hold> {
        let stored = self.alert_of(job)?;
        if let Some(silence) = &stored.silenced {
            let alertmanager = self.alertmanager_for("unsilence")?;
            alertmanager.expire_silence(&silence.id).await?;
            settle_silence_end(self.store, alertmanager, &stored, self.options.group_limit).await?;
        } else {
            self.store
                .set_alert_silence(stored.id, None, crate::now_ms())
                .map_err(retry)?;
        }
        Ok(())
    }

    /// The Alertmanager a `silence` / `unsilence` job (`what`) needs: without one it cannot
    /// pass.
    fn alertmanager_for(&self, what: &str) -> Result<&E::Alertmanager, Failure> {
        self.alertmanager.ok_or_else(|| {
            Failure::Permanent(format!("cannot {what}: ALERTMANAGER_URL is not set"))
        })
    }
}

/// Settles the silences that ran out since the last look (see [`settle_silence_end`]); one
/// that cannot be settled now stays listed for the next look.
pub async fn settle_ended_silences(
    store: &impl Store,
    alertmanager: &impl Silences,
    group_limit: u32,
    deadline: Instant,
) {
    let ended = match store.ended_silences(crate::now_ms()) {
        Ok(ended) => ended,
        Err(e) => {
            eprintln!("alertgraph: cannot list ended silences: {}", describe(&e));
            return;
        }
    };
    for alert_id in ended {
        // The rest are listed again by the next drain.
        if Instant::now() >= deadline {
            return;
        }
        let settled = match store.get_alert(alert_id) {
            Ok(Some(stored)) => settle_silence_end(store, alertmanager, &stored, group_limit).await,
            Ok(None) => Ok(()),
            Err(e) => Err(retry(e)),
        };
        if let Err(e) = settled {
            eprintln!("alertgraph: the ended silence of alert {alert_id} waits: {e:?}");
        }
    }
}

/// A silence ended: Alertmanager sent nothing for the alert while it held, its resolve
/// included, so it is asked whether the alert still fires. If not, the resolve it muted
/// is recorded as a webhook would have been (resolved now: Alertmanager no longer says
/// when). Then the alert is recorded as unsilenced, which has its message redrawn.
async fn settle_silence_end(
    store: &impl Store,
    alertmanager: &impl Silences,
    stored: &StoredAlert,
    group_limit: u32,
) -> Result<(), Failure> {
    let now = crate::now_ms();
    let view = AlertView::of(&stored.alert);
    let firing = alertmanager
        .is_firing(view.alertname, &stored.alert.fingerprint, now)
        .await?;
    if !firing && stored.alert.status == AlertStatus::Firing {
        let mut alert = stored.alert.clone();
        alert.status = AlertStatus::Resolved;
        alert.ends_at = Some(now);
        let muted = Webhook {
            receiver: "alertgraph: a resolve Alertmanager muted".into(),
            status: AlertStatus::Resolved,
            group_key: String::new(),
            group_labels: Vec::new(),
            common_labels: Vec::new(),
            common_annotations: Vec::new(),
            external_url: String::new(),
            truncated_alerts: 0,
            alerts: vec![alert],
        };
        store
            .record_webhook(&muted, now, group_limit)
            .map_err(retry)?;
        eprintln!(
            "alertgraph: alert {} resolved while silenced: recorded as resolved now",
            stored.id
        );
    }
    store.set_alert_silence(stored.id, None, now).map_err(retry)
}
