//! The components' stderr, line by line, as host log events (so LOG_JSON stays JSON and
//! RUST_LOG filters them under the target `alertgraph::guest`).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};

/// A line longer than this is logged in pieces.
const MAX_LINE: usize = 8 * 1024;

/// Hand this to `WasiCtxBuilder::stderr`.
pub struct GuestStderr;

impl IsTerminal for GuestStderr {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for GuestStderr {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(Lines::default())
    }
}

/// Collects bytes into lines and logs each complete one.
#[derive(Default)]
struct Lines {
    pending: Vec<u8>,
}

impl Lines {
    fn take(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if b == b'\n' || self.pending.len() >= MAX_LINE {
                self.emit();
                if b == b'\n' {
                    continue;
                }
            }
            self.pending.push(b);
        }
    }

    fn emit(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let line = String::from_utf8_lossy(&self.pending);
        tracing::warn!(target: "alertgraph::guest", "{}", line.trim_end());
        self.pending.clear();
    }
}

impl Drop for Lines {
    fn drop(&mut self) {
        self.emit();
    }
}

impl AsyncWrite for Lines {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.take(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.emit();
        Poll::Ready(Ok(()))
    }
}
