//! The renderer's failures: one variant per case of the WIT `render-error`.

use std::fmt;

/// Why a render produced no PNG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenderError {
    /// The SVG, or the `background` option, could not be parsed; the reason.
    InvalidSvg(String),
    /// The requested size or the SVG input is over a cap; which one.
    TooLarge(String),
    /// The time cap passed before the next stage could start.
    Timeout,
    /// Anything else (e.g. the PNG encoder failed); a one-line reason.
    Internal(String),
}

impl RenderError {
    /// The reason on one line, without the kind: what the sidecar answers as its body.
    pub fn reason(&self) -> String {
        // Reasons may come from the XML parser: keep them on one line for logs and HTTP.
        let one_line = |reason: &str| reason.split_whitespace().collect::<Vec<_>>().join(" ");
        match self {
            Self::InvalidSvg(reason) | Self::TooLarge(reason) | Self::Internal(reason) => {
                one_line(reason)
            }
            Self::Timeout => "render timed out".to_owned(),
        }
    }
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reason = self.reason();
        match self {
            Self::InvalidSvg(_) => write!(f, "invalid SVG: {reason}"),
            Self::TooLarge(_) => write!(f, "too large: {reason}"),
            Self::Timeout => f.write_str(&reason),
            Self::Internal(_) => write!(f, "internal error: {reason}"),
        }
    }
}

impl std::error::Error for RenderError {}
