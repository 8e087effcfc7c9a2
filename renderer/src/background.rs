//! The `background` option: a small CSS colour subset, parsed before any work starts.

use resvg::tiny_skia::Color;

use crate::RenderError;

/// Parses `#rgb`, `#rrggbb`, `#rrggbbaa`, `white`, `black` or `transparent` (any case).
pub(crate) fn parse(text: &str) -> Result<Color, RenderError> {
    let trimmed = text.trim();
    let rgba = match trimmed.to_ascii_lowercase().as_str() {
        "white" => Some([255, 255, 255, 255]),
        "black" => Some([0, 0, 0, 255]),
        "transparent" => Some([0, 0, 0, 0]),
        lower => lower.strip_prefix('#').and_then(hex),
    };
    let [r, g, b, a] = rgba.ok_or_else(|| {
        RenderError::InvalidSvg(format!(
            "background {trimmed:?} is not #rgb, #rrggbb, #rrggbbaa, white, black or transparent"
        ))
    })?;
    Ok(Color::from_rgba8(r, g, b, a))
}

fn hex(digits: &str) -> Option<[u8; 4]> {
    // from_str_radix accepts a leading '+', which is not CSS.
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize, len: usize| u8::from_str_radix(&digits[i * len..(i + 1) * len], 16).ok();
    match digits.len() {
        // #rgb doubles each digit: #f80 is #ff8800.
        3 => Some([byte(0, 1)? * 17, byte(1, 1)? * 17, byte(2, 1)? * 17, 255]),
        6 => Some([byte(0, 2)?, byte(1, 2)?, byte(2, 2)?, 255]),
        8 => Some([byte(0, 2)?, byte(1, 2)?, byte(2, 2)?, byte(3, 2)?]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rgba(text: &str) -> [u8; 4] {
        let c = parse(text).unwrap().to_color_u8();
        [c.red(), c.green(), c.blue(), c.alpha()]
    }

    #[test]
    fn accepts_the_documented_forms() {
        assert_eq!(rgba("#f80"), [0xff, 0x88, 0x00, 255]);
        assert_eq!(rgba("#336699"), [0x33, 0x66, 0x99, 255]);
        assert_eq!(rgba("#33669980"), [0x33, 0x66, 0x99, 0x80]);
        assert_eq!(rgba(" #ABCDEF "), [0xab, 0xcd, 0xef, 255]);
        assert_eq!(rgba("White"), [255, 255, 255, 255]);
        assert_eq!(rgba("black"), [0, 0, 0, 255]);
        assert_eq!(rgba("transparent")[3], 0);
    }

    #[test]
    fn refuses_anything_else_naming_the_option() {
        for bad in [
            "",
            "#",
            "#12",
            "#1234",
            "#12345",
            "#1234567",
            "#gggggg",
            "#+12345",
            "red",
            "ffffff",
            "rgb(0,0,0)",
        ] {
            match parse(bad) {
                Err(RenderError::InvalidSvg(reason)) => {
                    assert!(reason.starts_with("background"), "{reason}")
                }
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
    }
}
