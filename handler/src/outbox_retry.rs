//! `POST /api/outbox/retry`: its query (`id=<job id>`, or none for every dead job) and its
//! answer, as plain functions.

/// The job asked for, `None` for all; a one-line reason for anything else.
pub fn parse_query(query: &str) -> Result<Option<i64>, String> {
    if query.is_empty() {
        return Ok(None);
    }
    let mut id = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("id", value)) if id.is_none() => {
                let parsed = value
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| {
                        format!("id must be a job id (a positive number), not {value:?}")
                    })?;
                id = Some(parsed);
            }
            Some(("id", _)) => return Err("id given twice".into()),
            _ => {
                return Err(format!(
                    "unknown parameter {pair:?}: only id=<job id> is taken"
                ))
            }
        }
    }
    Ok(id)
}

/// `{"requeued": [ids]}`.
pub fn json(ids: &[i64]) -> String {
    serde_json::json!({ "requeued": ids }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_or_one_job_and_nothing_else() {
        assert_eq!(parse_query(""), Ok(None));
        assert_eq!(parse_query("id=42"), Ok(Some(42)));
        for (bad, says) in [
            ("id=", "not \"\""),
            ("id=-1", "positive"),
            ("id=x", "not \"x\""),
            ("id=1&id=2", "twice"),
            ("job=1", "unknown parameter \"job=1\""),
            ("id", "unknown parameter"),
        ] {
            let e = parse_query(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn the_answer_lists_what_was_requeued() {
        assert_eq!(json(&[3, 7]), r#"{"requeued":[3,7]}"#);
        assert_eq!(json(&[]), r#"{"requeued":[]}"#);
    }
}
