//! The PNG decoder of the renderer's own tests: the unit tests (`src/lib.rs` includes this
//! file), `tests/render.rs` and the handler's golden-image tests read PNGs the same way.

/// Decodes a PNG into (colour type, width, height, pixel bytes).
pub fn decode(png: &[u8]) -> (png::ColorType, u32, u32, Vec<u8>) {
    let mut reader = png::Decoder::new(png)
        .read_info()
        .expect("a valid PNG header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut buf).expect("valid PNG data");
    buf.truncate(frame.buffer_size());
    (frame.color_type, frame.width, frame.height, buf)
}
