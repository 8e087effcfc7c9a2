//! Settings read from Spin variables.

use spin_sdk::variables;

/// The webhook token, `None` when the variable is undefined or blank (the route is then open).
pub fn webhook_token() -> Result<Option<String>, variables::Error> {
    token(variables::get("webhook_token"))
}

/// Trimmed, as Prometheus trims a `credentials_file`: a secret file's trailing newline is no
/// part of the token.
fn token(read: Result<String, variables::Error>) -> Result<Option<String>, variables::Error> {
    match read {
        Ok(value) => {
            let trimmed = value.trim();
            Ok((!trimmed.is_empty()).then(|| trimmed.to_owned()))
        }
        Err(variables::Error::Undefined(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::token;
    use spin_sdk::variables::Error;

    #[test]
    fn undefined_or_blank_means_unset() {
        let undefined = Err(Error::Undefined("no such variable".into()));
        assert!(matches!(token(undefined), Ok(None)));
        assert!(matches!(token(Ok(String::new())), Ok(None)));
        assert!(matches!(token(Ok(" \n".into())), Ok(None)));
        assert!(matches!(token(Ok("tok\n".into())), Ok(Some(t)) if t == "tok"));
    }

    #[test]
    fn other_failures_are_not_taken_for_unset() {
        let failed = Err(Error::Provider("vault down".into()));
        assert!(matches!(token(failed), Err(Error::Provider(_))));
    }
}
