//! Slack's interaction requests: a button clicked on an alert's message (acknowledge, silence,
//! zoom the chart), as the form body's `payload` JSON, turned into the store's [`ChatAction`].
//! The buttons' ids live here too, so the message builder and this parser cannot drift apart.

use std::fmt;

use serde::Deserialize;

use crate::percent;
use crate::store::{ActionRequest, ChatAction};

pub const ACKNOWLEDGE: &str = "acknowledge";
pub const UNSILENCE: &str = "unsilence";
const HOUR_MS: i64 = 3_600_000;
/// The silence buttons: action id, label, length.
pub const SILENCES: [(&str, &str, i64); 3] = [
    ("silence_1h", "Silence 1h", HOUR_MS),
    ("silence_4h", "Silence 4h", 4 * HOUR_MS),
    ("silence_24h", "Silence 24h", 24 * HOUR_MS),
];

/// The zoom buttons under a chart: action id, label, the window drawn.
pub const ZOOMS: [(&str, &str, i64); 4] = [
    ("zoom_1h", "1h", HOUR_MS),
    ("zoom_6h", "6h", 6 * HOUR_MS),
    ("zoom_24h", "24h", 24 * HOUR_MS),
    ("zoom_7d", "7d", 7 * 24 * HOUR_MS),
];

/// What a verified interaction asks of alertgraph.
#[derive(Debug, PartialEq)]
pub enum Interaction {
    Action(ChatAction),
    /// Nothing to do: a link button (Slack reports those clicks too) or another payload type.
    Ignored,
}

/// Why an interaction body was refused; shown to the caller.
#[derive(Debug, PartialEq)]
pub enum BadInteraction {
    NoPayload,
    Unreadable(String),
    NoUser,
    BadAlertId,
    /// Signed, but from a workspace `SLACK_TEAM_ID` does not list (a Slack Connect guest,
    /// another install of the app): the team id it named, if any.
    ForeignTeam(String),
}

impl fmt::Display for BadInteraction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadInteraction::NoPayload => f.write_str("no payload field in the form body"),
            BadInteraction::Unreadable(e) => write!(f, "unreadable payload: {e}"),
            BadInteraction::NoUser => f.write_str("payload lacks a valid user id"),
            BadInteraction::BadAlertId => f.write_str("button value is not an alert id"),
            BadInteraction::ForeignTeam(team) if team.is_empty() => {
                f.write_str("the click names no Slack workspace to check against SLACK_TEAM_ID")
            }
            BadInteraction::ForeignTeam(team) => write!(
                f,
                "the click came from Slack workspace {}, which SLACK_TEAM_ID does not list",
                crate::text::one_line(&format!("{team:?}"))
            ),
        }
    }
}

#[derive(Deserialize)]
struct Payload {
    #[serde(rename = "type")]
    kind: String,
    user: Option<User>,
    #[serde(default)]
    team: Option<Team>,
    #[serde(default)]
    actions: Vec<Action>,
}

#[derive(Deserialize)]
struct Team {
    id: String,
}

#[derive(Deserialize)]
struct User {
    id: String,
    username: Option<String>,
    name: Option<String>,
    /// The clicking user's own workspace (a Slack Connect guest's differs from `team`).
    #[serde(default)]
    team_id: Option<String>,
}

#[derive(Deserialize)]
struct Action {
    action_id: String,
    value: Option<String>,
}

/// Reads an interaction request body (`payload=<JSON>`, form-encoded). With `teams` (from
/// `SLACK_TEAM_ID`), the workspace the click happened in and the clicking user's own must
/// both be one of them.
pub fn parse(body: &[u8], teams: &[String]) -> Result<Interaction, BadInteraction> {
    let json = percent::form_value(body, "payload").ok_or(BadInteraction::NoPayload)?;
    let payload: Payload = serde_json::from_str(&json)
        .map_err(|e| BadInteraction::Unreadable(crate::text::one_line(&e.to_string())))?;
    if !teams.is_empty() {
        let named = [
            payload.team.as_ref().map(|t| &t.id),
            payload.user.as_ref().and_then(|u| u.team_id.as_ref()),
        ];
        let mut named = named.into_iter().flatten().peekable();
        if named.peek().is_none() {
            return Err(BadInteraction::ForeignTeam(String::new()));
        }
        if let Some(foreign) = named.find(|team| !teams.contains(team)) {
            return Err(BadInteraction::ForeignTeam(foreign.clone()));
        }
    }
    if payload.kind != "block_actions" {
        return Ok(Interaction::Ignored);
    }
    let Some(action) = payload.actions.first() else {
        return Ok(Interaction::Ignored);
    };
    let Some(request) = request_of(&action.action_id) else {
        return Ok(Interaction::Ignored);
    };
    let user = payload
        .user
        .filter(|u| is_user_id(&u.id))
        .ok_or(BadInteraction::NoUser)?;
    let alert_id = action
        .value
        .as_deref()
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|&id| id > 0)
        .ok_or(BadInteraction::BadAlertId)?;
    let user_name = user
        .username
        .or(user.name)
        .unwrap_or_else(|| user.id.clone());
    Ok(Interaction::Action(ChatAction {
        alert_id,
        request,
        user_id: user.id,
        user_name,
    }))
}

fn request_of(action_id: &str) -> Option<ActionRequest> {
    match action_id {
        ACKNOWLEDGE => Some(ActionRequest::Acknowledge),
        UNSILENCE => Some(ActionRequest::Unsilence),
        _ => {
            let of = |buttons: &[(&str, &str, i64)]| {
                let found = buttons.iter().find(|(id, _, _)| *id == action_id);
                found.map(|&(_, _, ms)| ms)
            };
            of(&SILENCES)
                .map(ActionRequest::Silence)
                .or_else(|| of(&ZOOMS).map(ActionRequest::Zoom))
        }
    }
}

/// Slack user ids (`U…`, `W…` on Enterprise Grid) are upper-case letters and digits, so a
/// mention built from one (`<@U123>`) cannot carry markup.
pub fn is_user_id(id: &str) -> bool {
    (2..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::percent::encode;

    fn body(payload: &serde_json::Value) -> Vec<u8> {
        format!("payload={}", encode(&payload.to_string())).into_bytes()
    }

    fn click(action_id: &str, value: &str) -> serde_json::Value {
        serde_json::json!({
            "type": "block_actions",
            "user": {"id": "U0123ABC", "username": "ada", "name": "ada", "team_id": "T1"},
            "container": {"type": "message", "message_ts": "1.2", "channel_id": "C1"},
            "actions": [{"action_id": action_id, "block_id": "x", "value": value,
                         "type": "button", "action_ts": "1.3"}],
        })
    }

    /// No `SLACK_TEAM_ID`: any workspace.
    fn parse_any(body: &[u8]) -> Result<Interaction, BadInteraction> {
        parse(body, &[])
    }

    fn action(request: ActionRequest) -> Interaction {
        Interaction::Action(ChatAction {
            alert_id: 42,
            request,
            user_id: "U0123ABC".into(),
            user_name: "ada".into(),
        })
    }

    #[test]
    fn every_button_reads_back_as_its_request() {
        assert_eq!(
            parse_any(&body(&click(ACKNOWLEDGE, "42"))),
            Ok(action(ActionRequest::Acknowledge))
        );
        assert_eq!(
            parse_any(&body(&click(UNSILENCE, "42"))),
            Ok(action(ActionRequest::Unsilence))
        );
        for (id, _, ms) in SILENCES {
            assert_eq!(
                parse_any(&body(&click(id, "42"))),
                Ok(action(ActionRequest::Silence(ms)))
            );
        }
        for (id, _, ms) in ZOOMS {
            assert_eq!(
                parse_any(&body(&click(id, "42"))),
                Ok(action(ActionRequest::Zoom(ms)))
            );
        }
    }

    #[test]
    fn the_user_name_falls_back_to_the_name_then_the_id() {
        let mut payload = click(ACKNOWLEDGE, "7");
        payload["user"] = serde_json::json!({"id": "W99", "name": "grace"});
        let Ok(Interaction::Action(a)) = parse_any(&body(&payload)) else {
            panic!()
        };
        assert_eq!((a.user_id.as_str(), a.user_name.as_str()), ("W99", "grace"));
        payload["user"] = serde_json::json!({"id": "W99"});
        let Ok(Interaction::Action(a)) = parse_any(&body(&payload)) else {
            panic!()
        };
        assert_eq!(a.user_name, "W99");
    }

    #[test]
    fn link_buttons_and_other_payloads_are_ignored() {
        assert_eq!(
            parse_any(&body(&click("WaXA", ""))),
            Ok(Interaction::Ignored),
            "a link button's generated action id"
        );
        let mut other = click(ACKNOWLEDGE, "42");
        other["type"] = "view_submission".into();
        assert_eq!(parse_any(&body(&other)), Ok(Interaction::Ignored));
        other["type"] = "block_actions".into();
        other["actions"] = serde_json::json!([]);
        assert_eq!(parse_any(&body(&other)), Ok(Interaction::Ignored));
    }

    #[test]
    fn with_team_ids_only_their_workspaces_may_click() {
        let teams = ["T1".to_string(), "T2".to_string()];
        let mut payload = click(ACKNOWLEDGE, "42");
        assert_eq!(
            parse(&body(&payload), &teams),
            Ok(action(ActionRequest::Acknowledge))
        );
        payload["team"] = serde_json::json!({"id": "T2", "domain": "ours"});
        assert!(parse(&body(&payload), &teams).is_ok());
        // A Slack Connect guest: the channel's workspace is ours, the user's is not.
        payload["user"]["team_id"] = "T9".into();
        let refused = parse(&body(&payload), &teams);
        assert_eq!(refused, Err(BadInteraction::ForeignTeam("T9".into())));
        assert_eq!(
            refused.unwrap_err().to_string(),
            "the click came from Slack workspace \"T9\", which SLACK_TEAM_ID does not list"
        );
        payload["user"]["team_id"] = "T1".into();
        payload["team"]["id"] = "T8".into();
        assert_eq!(
            parse(&body(&payload), &teams),
            Err(BadInteraction::ForeignTeam("T8".into()))
        );
        // A payload naming no workspace cannot be checked.
        let mut anonymous = click(ACKNOWLEDGE, "42");
        anonymous["user"] = serde_json::json!({"id": "U0123ABC"});
        assert_eq!(
            parse(&body(&anonymous), &teams),
            Err(BadInteraction::ForeignTeam(String::new()))
        );
        assert!(parse_any(&body(&anonymous)).is_ok());
    }

    #[test]
    fn bad_bodies_say_what_is_wrong() {
        assert_eq!(parse_any(b""), Err(BadInteraction::NoPayload));
        assert_eq!(parse_any(b"{\"type\":1}"), Err(BadInteraction::NoPayload));
        assert!(matches!(
            parse_any(b"payload=%7B"),
            Err(BadInteraction::Unreadable(_))
        ));
        assert!(matches!(
            parse_any(b"payload=%7B%7D"),
            Err(BadInteraction::Unreadable(_))
        ));
        for value in ["", "x", "-1", "0", "1.5", "99999999999999999999"] {
            assert_eq!(
                parse_any(&body(&click(ACKNOWLEDGE, value))),
                Err(BadInteraction::BadAlertId),
                "{value}"
            );
        }
        let mut payload = click(ACKNOWLEDGE, "42");
        for user in [
            serde_json::json!(null),
            serde_json::json!({"id": "<!channel>"}),
            serde_json::json!({"id": "u123"}),
            serde_json::json!({"id": ""}),
        ] {
            payload["user"] = user;
            assert_eq!(parse_any(&body(&payload)), Err(BadInteraction::NoUser));
        }
    }
}
