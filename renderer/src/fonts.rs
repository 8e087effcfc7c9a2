//! The bundled Inter faces: the only fonts the renderer ever uses (no system font scanning).

use std::sync::Arc;

use resvg::usvg::fontdb::{Database, Source};

/// The family name inside the bundled files; every generic family maps to it.
pub(crate) const FAMILY: &str = "Inter";

const FACES: [&[u8]; 2] = [
    include_bytes!("../fonts/Inter-Regular.otf"),
    include_bytes!("../fonts/Inter-Bold.otf"),
];

/// A database of the bundled faces; the data stays in the binary, nothing is copied.
pub(crate) fn database() -> Database {
    let mut db = Database::new();
    for face in FACES {
        db.load_font_source(Source::Binary(Arc::new(face)));
    }
    // usvg falls back to `serif` for unknown families, so mapping all generics covers any name.
    db.set_serif_family(FAMILY);
    db.set_sans_serif_family(FAMILY);
    db.set_monospace_family(FAMILY);
    db.set_cursive_family(FAMILY);
    db.set_fantasy_family(FAMILY);
    db
}

#[cfg(test)]
mod tests {
    use super::*;
    use resvg::usvg::fontdb::{Family, Query, Weight};

    #[test]
    fn both_faces_load_and_generics_resolve_to_them() {
        let db = database();
        assert_eq!(db.len(), 2);
        assert!(db
            .faces()
            .all(|f| f.families.iter().any(|(name, _)| name == FAMILY)));
        for (family, weight) in [
            (Family::SansSerif, 400),
            (Family::Serif, 700),
            (Family::Monospace, 400),
        ] {
            let query = Query {
                families: &[family],
                weight: Weight(weight),
                ..Query::default()
            };
            let id = db.query(&query).expect("a generic family resolves");
            assert_eq!(db.face(id).unwrap().weight, Weight(weight));
        }
    }
}
