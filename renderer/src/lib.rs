//! SVG string → PNG bytes, for the WIT interface `renderer` (`render(svg, options)`).
//!
//! A [`Renderer`] is built once and shared: it holds the font database (only the bundled
//! Inter faces of `fonts/`, which every font family resolves to) and the [`Limits`].
//! Each [`Renderer::render`] call
//! 1. checks the caps and the `background` option (`limits`, `background`),
//! 2. parses the SVG with usvg, which also lays out text into paths,
//! 3. rasterises it with resvg onto a pixmap, scaled to fit and centred (`fit`),
//! 4. encodes the PNG with a fast deflate, as RGB when opaque (`encode`).
//!
//! The time cap is checked between stages (`deadline`); a single stage is not interrupted.

mod background;
#[cfg(test)]
mod bench;
mod deadline;
mod encode;
mod error;
mod fit;
mod fonts;
mod limits;
// The tests' PNG decoder, shared with tests/render.rs.
#[cfg(test)]
#[path = "../tests/support/png_decode.rs"]
mod png_decode;

use std::sync::Arc;

use resvg::tiny_skia::{Color, Pixmap};
use resvg::usvg;

use crate::deadline::Deadline;
pub use crate::error::RenderError;
pub use crate::limits::Limits;

/// What to render: the WIT `render-options`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// Output size in pixels; the SVG is scaled to fit.
    pub width: u32,
    pub height: u32,
    /// Colour painted under the SVG: `#rgb`, `#rrggbb`, `#rrggbbaa`, `white`, `black` or
    /// `transparent`; `None` leaves it transparent.
    pub background: Option<String>,
}

/// The stages of a render, in order, as [`Renderer::render_observed`] reports their ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The SVG parsed into a tree, text laid out into paths.
    Parse,
    /// The tree drawn onto the pixmap.
    Rasterise,
    /// The pixmap encoded as PNG.
    Encode,
}

/// Renders SVG to PNG; build once, share across threads.
#[derive(Debug, Clone)]
pub struct Renderer {
    fonts: Arc<usvg::fontdb::Database>,
    limits: Limits,
}

impl Default for Renderer {
    fn default() -> Self {
        Self::new()
    }
}

impl Renderer {
    /// A renderer with the default [`Limits`].
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    /// A renderer with the given caps.
    pub fn with_limits(limits: Limits) -> Self {
        Self {
            fonts: Arc::new(fonts::database()),
            limits,
        }
    }

    /// Renders `svg` at `opts.width` × `opts.height` and returns the PNG file's bytes.
    pub fn render(&self, svg: &str, opts: &RenderOptions) -> Result<Vec<u8>, RenderError> {
        self.render_observed(svg, opts, |_| {})
    }

    /// [`Renderer::render`], calling `stage_done` as each [`Stage`] ends (benchmarks read
    /// their clocks there).
    pub fn render_observed(
        &self,
        svg: &str,
        opts: &RenderOptions,
        mut stage_done: impl FnMut(Stage),
    ) -> Result<Vec<u8>, RenderError> {
        self.limits.check(svg.len(), opts.width, opts.height)?;
        let background = opts
            .background
            .as_deref()
            .map(background::parse)
            .transpose()?;
        let deadline = Deadline::after(self.limits.time);

        let tree = self.parse(svg)?;
        stage_done(Stage::Parse);
        deadline.check()?;
        let pixmap = rasterise(&tree, opts.width, opts.height, background)?;
        stage_done(Stage::Rasterise);
        deadline.check()?;
        let opaque = background.is_some_and(|c| c.is_opaque());
        let png = encode::png(pixmap, opaque)
            .map_err(|e| RenderError::Internal(format!("PNG encoding: {e}")))?;
        stage_done(Stage::Encode);
        Ok(png)
    }

    fn parse(&self, svg: &str) -> Result<usvg::Tree, RenderError> {
        usvg::Tree::from_str(svg, &self.usvg_options())
            .map_err(|e| RenderError::InvalidSvg(e.to_string()))
    }

    fn usvg_options(&self) -> usvg::Options<'static> {
        let mut options = usvg::Options {
            font_family: fonts::FAMILY.to_owned(),
            fontdb: Arc::clone(&self.fonts),
            ..usvg::Options::default()
        };
        // The SVG comes from a guest: `<image href>` must never read the host's files.
        options.image_href_resolver.resolve_string = Box::new(|_, _| None);
        options
    }
}

fn rasterise(
    tree: &usvg::Tree,
    width: u32,
    height: u32,
    background: Option<Color>,
) -> Result<Pixmap, RenderError> {
    let mut pixmap = Pixmap::new(width, height).ok_or_else(|| {
        RenderError::Internal(format!("cannot allocate a {width}x{height} pixmap"))
    })?;
    if let Some(colour) = background {
        pixmap.fill(colour);
    }
    resvg::render(
        tree,
        fit::transform(tree.size(), width, height),
        &mut pixmap.as_mut(),
    );
    Ok(pixmap)
}
