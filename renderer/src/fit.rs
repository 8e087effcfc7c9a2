//! Placing the SVG on the canvas: scaled to fit inside, aspect ratio kept, centred.

use resvg::tiny_skia::Transform;
use resvg::usvg::Size;

pub(crate) fn transform(svg: Size, width: u32, height: u32) -> Transform {
    let (width, height) = (width as f32, height as f32);
    let scale = (width / svg.width()).min(height / svg.height());
    let dx = (width - svg.width() * scale) / 2.0;
    let dy = (height - svg.height() * scale) / 2.0;
    Transform::from_row(scale, 0.0, 0.0, scale, dx, dy)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(svg: (f32, f32), width: u32, height: u32) -> [f32; 3] {
        let t = transform(Size::from_wh(svg.0, svg.1).unwrap(), width, height);
        assert_eq!(
            (t.sx, t.kx, t.ky),
            (t.sy, 0.0, 0.0),
            "uniform scale, no skew"
        );
        [t.sx, t.tx, t.ty]
    }

    #[test]
    fn same_aspect_scales_without_offset() {
        assert_eq!(parts((590.0, 200.0), 1180, 400), [2.0, 0.0, 0.0]);
        assert_eq!(parts((200.0, 100.0), 100, 50), [0.5, 0.0, 0.0]);
    }

    #[test]
    fn other_aspect_fits_the_tighter_side_and_centres_the_other() {
        assert_eq!(parts((100.0, 100.0), 200, 100), [1.0, 50.0, 0.0]);
        assert_eq!(parts((100.0, 100.0), 100, 300), [1.0, 0.0, 100.0]);
        assert_eq!(parts((400.0, 100.0), 200, 200), [0.5, 0.0, 75.0]);
    }
}
