//! The binary's settings from the environment, named and defaulted like the host's:
//! `LISTEN_HOST`, `PORT` and `LOG_JSON` (empty values count as unset).

use std::net::{IpAddr, SocketAddr};

/// The renderer's default port, next to alertgraph's 3031.
const DEFAULT_PORT: u16 = 3032;

/// Where to listen and how to log.
#[derive(Debug, PartialEq, Eq)]
pub struct Settings {
    /// `LISTEN_HOST`:`PORT`, by default 0.0.0.0:3032.
    pub listen: SocketAddr,
    /// `LOG_JSON=true`: one JSON object per log line.
    pub log_json: bool,
}

impl Settings {
    /// Reads settings through `get` (the environment, or a map in tests); the error names
    /// the variable.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Settings, String> {
        let get = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let invalid = |name: &str, value: &str, what: &str| {
            format!("invalid setting {name}: {:?} is not {what}", value.trim())
        };
        let host = match get("LISTEN_HOST") {
            None => IpAddr::from([0, 0, 0, 0]),
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| invalid("LISTEN_HOST", &v, "an IP address"))?,
        };
        let port = match get("PORT") {
            None => DEFAULT_PORT,
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| invalid("PORT", &v, "a port number"))?,
        };
        let log_json = match get("LOG_JSON").as_deref().map(str::trim) {
            None | Some("false" | "0" | "no") => false,
            Some("true" | "1" | "yes") => true,
            Some(v) => return Err(invalid("LOG_JSON", v, "true or false")),
        };
        Ok(Settings {
            listen: SocketAddr::new(host, port),
            log_json,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, String> {
        Settings::from_lookup(|name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn defaults_then_values() {
        let defaults = settings(&[("PORT", " ")]).unwrap();
        assert_eq!(defaults.listen.to_string(), "0.0.0.0:3032");
        assert!(!defaults.log_json);
        let set = settings(&[
            ("LISTEN_HOST", "127.0.0.1"),
            ("PORT", "0"),
            ("LOG_JSON", "true"),
        ])
        .unwrap();
        assert_eq!(set.listen.to_string(), "127.0.0.1:0");
        assert!(set.log_json);
    }

    #[test]
    fn errors_name_the_variable() {
        for (name, value) in [
            ("LISTEN_HOST", "renderer"),
            ("PORT", "70000"),
            ("LOG_JSON", "maybe"),
        ] {
            let err = settings(&[(name, value)]).unwrap_err();
            assert!(
                err.starts_with(&format!("invalid setting {name}: ")),
                "{err}"
            );
        }
    }
}
