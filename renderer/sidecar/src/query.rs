//! The query of `POST /render`: `width`, `height` and `background`, each optional.

use alertgraph_renderer::RenderOptions;

/// The size of a Slack chart, on white: what a bare `POST /render` gets.
const DEFAULT_WIDTH: u32 = 1180;
const DEFAULT_HEIGHT: u32 = 400;
const DEFAULT_BACKGROUND: &str = "#ffffff";

/// The render options of a query; the reason when a value is not a number or a name is
/// unknown or repeated. Sizes and colours are checked by the renderer itself.
pub(crate) fn parse(query: Option<&str>) -> Result<RenderOptions, String> {
    let (mut width, mut height, mut background) = (None, None, None);
    for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        let slot = match name.as_ref() {
            "width" => &mut width,
            "height" => &mut height,
            "background" => &mut background,
            other => return Err(format!("unknown query parameter {other:?}")),
        };
        if slot.replace(value.into_owned()).is_some() {
            return Err(format!("query parameter {name:?} is given twice"));
        }
    }
    let size = |name: &str, value: Option<String>, default: u32| match value {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| format!("{name} {v:?} is not a whole number")),
    };
    Ok(RenderOptions {
        width: size("width", width, DEFAULT_WIDTH)?,
        height: size("height", height, DEFAULT_HEIGHT)?,
        background: Some(background.unwrap_or_else(|| DEFAULT_BACKGROUND.to_owned())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_then_each_value() {
        for query in [None, Some("")] {
            assert_eq!(
                parse(query).unwrap(),
                RenderOptions {
                    width: 1180,
                    height: 400,
                    background: Some("#ffffff".into())
                }
            );
        }
        assert_eq!(
            parse(Some("width=640&height=200&background=%23f80")).unwrap(),
            RenderOptions {
                width: 640,
                height: 200,
                background: Some("#f80".into())
            }
        );
    }

    #[test]
    fn refusals_name_the_parameter() {
        for (query, expected) in [
            ("width=wide", "width \"wide\" is not a whole number"),
            ("height=-1", "height \"-1\" is not a whole number"),
            (
                "width=1&width=2",
                "query parameter \"width\" is given twice",
            ),
            ("scale=2", "unknown query parameter \"scale\""),
        ] {
            assert_eq!(parse(Some(query)).unwrap_err(), expected, "{query}");
        }
    }
}
