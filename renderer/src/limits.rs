//! Caps on what one render may ask for, checked before any work starts.

use std::time::Duration;

use crate::RenderError;

/// The renderer's caps; [`Limits::default`] suits Slack-sized charts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest width or height in pixels (the smallest is always 1).
    pub max_side: u32,
    /// Largest width × height in pixels.
    pub max_pixels: u64,
    /// Largest SVG input in bytes.
    pub max_svg_bytes: usize,
    /// Time allowed for a whole render. Checked between stages (parse, rasterise, encode):
    /// a single stage is not interrupted.
    pub time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_side: 4096,
            max_pixels: 8 * 1024 * 1024,
            max_svg_bytes: 4 * 1024 * 1024,
            time: Duration::from_secs(2),
        }
    }
}

impl Limits {
    /// Refuses an input or a canvas over the caps, naming the cap.
    pub(crate) fn check(
        &self,
        svg_bytes: usize,
        width: u32,
        height: u32,
    ) -> Result<(), RenderError> {
        if svg_bytes > self.max_svg_bytes {
            return Err(RenderError::TooLarge(format!(
                "SVG is {svg_bytes} bytes, the cap is {}",
                self.max_svg_bytes
            )));
        }
        for (name, side) in [("width", width), ("height", height)] {
            if side == 0 || side > self.max_side {
                return Err(RenderError::TooLarge(format!(
                    "{name} {side} is outside 1..={}",
                    self.max_side
                )));
            }
        }
        let pixels = u64::from(width) * u64::from(height);
        if pixels > self.max_pixels {
            return Err(RenderError::TooLarge(format!(
                "{width}x{height} is {pixels} pixels, the cap is {}",
                self.max_pixels
            )));
        }
        Ok(())
    }
}
