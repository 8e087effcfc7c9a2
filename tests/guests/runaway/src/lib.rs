//! A guest for the sandbox tests (`tests/e2e/sandbox.rs`): `/spin` loops forever, `/grow`
//! allocates without bound, anything else answers `200 ok`, so a test can show healthy
//! requests served while runaways run beside them. Only a component: natively it is empty.
#![cfg(target_arch = "wasm32")]

use spin_sdk::http::{Request, Response};

#[spin_sdk::http_component]
fn handle(request: Request) -> Response {
    match request.path() {
        "/spin" => loop {
            std::hint::black_box(());
        },
        "/grow" => {
            let mut held = Vec::new();
            loop {
                held.push(vec![1u8; 1 << 20]);
                std::hint::black_box(&held);
            }
        }
        _ => Response::new(200, "ok\n"),
    }
}
