//! Spin's `fermyon:spin/variables@2.0.0`, answered from the settings read at start-up.

use crate::bindings::fermyon::spin::variables::{Error, Host};
use crate::runtime::InstanceState;

impl Host for InstanceState {
    fn get(&mut self, name: String) -> wasmtime::Result<Result<String, Error>> {
        Ok(lookup(&self.shared.variables, &name))
    }
}

/// Spin's rules: lower-case letters, digits and `_`, starting with a letter.
fn lookup(
    variables: &std::collections::BTreeMap<&'static str, String>,
    name: &str,
) -> Result<String, Error> {
    let valid = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        return Err(Error::InvalidName(format!(
            "{name:?} is not a valid variable name"
        )));
    }
    variables
        .get(name)
        .cloned()
        .ok_or_else(|| Error::Undefined(format!("variable {name:?} is not set")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_unset_and_invalid_names() {
        let vars = [("slack_channel", "#alerts".to_string())]
            .into_iter()
            .collect();
        assert_eq!(lookup(&vars, "slack_channel").unwrap(), "#alerts");
        assert!(matches!(
            lookup(&vars, "prometheus_url"),
            Err(Error::Undefined(_))
        ));
        for bad in ["SLACK_CHANNEL", "1x", "", "a-b"] {
            assert!(
                matches!(lookup(&vars, bad), Err(Error::InvalidName(_))),
                "{bad}"
            );
        }
    }
}
