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

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Reasons may come from the XML parser: keep the message on one line for logs.
        let one_line = |reason: &str| reason.split_whitespace().collect::<Vec<_>>().join(" ");
        match self {
            Self::InvalidSvg(reason) => write!(f, "invalid SVG: {}", one_line(reason)),
            Self::TooLarge(reason) => write!(f, "too large: {}", one_line(reason)),
            Self::Timeout => f.write_str("render timed out"),
            Self::Internal(reason) => write!(f, "internal error: {}", one_line(reason)),
        }
    }
}

impl std::error::Error for RenderError {}
