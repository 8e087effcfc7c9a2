//! The WIT `renderer` import, served natively by the renderer crate off the async workers.

use crate::bindings::alertgraph::renderer::renderer::{Host, RenderError, RenderOptions};
use crate::runtime::InstanceState;

impl Host for InstanceState {
    async fn render(
        &mut self,
        svg: String,
        options: RenderOptions,
    ) -> wasmtime::Result<Result<Vec<u8>, RenderError>> {
        let shared = self.shared.clone();
        let _slot = shared.render_slots.acquire().await?;
        let shared_for_render = shared.clone();
        let result = tokio::task::spawn_blocking(move || {
            let options = alertgraph_renderer::RenderOptions {
                width: options.width,
                height: options.height,
                background: options.background,
            };
            shared_for_render.renderer.render(&svg, &options)
        })
        .await?;
        Ok(result.map_err(|e| match e {
            alertgraph_renderer::RenderError::InvalidSvg(m) => RenderError::InvalidSvg(m),
            alertgraph_renderer::RenderError::TooLarge(m) => RenderError::TooLarge(m),
            alertgraph_renderer::RenderError::Timeout => RenderError::Timeout,
            alertgraph_renderer::RenderError::Internal(m) => RenderError::Internal(m),
        }))
    }
}
