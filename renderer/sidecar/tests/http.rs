//! The sidecar in-process on 127.0.0.1, driven over real TCP with hand-written HTTP/1.1.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use alertgraph_renderer::{Limits, RenderOptions, Renderer};
use alertgraph_renderer_sidecar::{serve, Config};

const CHART_SVG: &str = include_str!("../../tests/fixtures/chart-1180x400.svg");
const SVG_TYPE: (&str, &str) = ("content-type", "image/svg+xml");

struct Server {
    addr: SocketAddr,
    /// Dropping it stops the server.
    _runtime: tokio::runtime::Runtime,
}

impl Server {
    fn start(config: Config) -> Server {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        runtime.spawn(serve(listener, config, std::future::pending()));
        Server {
            addr,
            _runtime: runtime,
        }
    }

    /// Sends `head` (request line and headers, without the blank line) and `body` as is.
    fn raw(&self, head: &str, body: &[u8]) -> Answer {
        let mut stream = TcpStream::connect(self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let head = format!("{head}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes).expect("an answer, then EOF");
        Answer::parse(&bytes)
    }

    fn request(&self, method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> Answer {
        let mut head = format!("{method} {target} HTTP/1.1");
        for (name, value) in headers {
            head.push_str(&format!("\r\n{name}: {value}"));
        }
        head.push_str(&format!("\r\nContent-Length: {}", body.len()));
        self.raw(&head, body.as_bytes())
    }

    fn render(&self, query: &str, svg: &str) -> Answer {
        self.request("POST", &format!("/render{query}"), &[SVG_TYPE], svg)
    }
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn parse(bytes: &[u8]) -> Answer {
        let split = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a complete head");
        let head = std::str::from_utf8(&bytes[..split]).unwrap();
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap().split(' ').nth(1).unwrap();
        let headers = lines
            .map(|line| {
                let (name, value) = line.split_once(':').unwrap();
                (name.to_ascii_lowercase(), value.trim().to_owned())
            })
            .collect();
        Answer {
            status: status.parse().unwrap(),
            headers,
            body: bytes[split + 4..].to_vec(),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        let found = self.headers.iter().find(|(n, _)| n == name);
        found.map(|(_, v)| v.as_str())
    }

    fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap()
    }

    /// The status and the one-line reason, as the `renderer-http` component reads them.
    fn refusal(&self) -> (u16, &str) {
        assert_eq!(
            self.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        let text = self.text();
        assert_eq!(text.lines().count(), 1, "{text:?}");
        (self.status, text.trim_end())
    }
}

fn native(svg: &str, width: u32, height: u32) -> Vec<u8> {
    let options = RenderOptions {
        width,
        height,
        background: Some("#ffffff".into()),
    };
    Renderer::new().render(svg, &options).unwrap()
}

fn decoded_size(png: &[u8]) -> (u32, u32) {
    let info = png::Decoder::new(png).read_info().unwrap();
    let (width, height) = (info.info().width, info.info().height);
    (width, height)
}

#[test]
fn chart_becomes_the_native_png_at_the_asked_size() {
    let server = Server::start(Config::default());
    let answer = server.render("?width=590&height=200&background=%23ffffff", CHART_SVG);
    assert_eq!(
        answer.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(answer.header("content-type"), Some("image/png"));
    assert_eq!(decoded_size(&answer.body), (590, 200));
    assert!(answer.body == native(CHART_SVG, 590, 200));

    let defaults = server.render("", CHART_SVG);
    assert_eq!(defaults.status, 200);
    assert_eq!(decoded_size(&defaults.body), (1180, 400));
    assert!(defaults.body == native(CHART_SVG, 1180, 400));
}

#[test]
fn each_refusal_has_its_status_and_reason() {
    let server = Server::start(Config::default());
    let parse_error = Renderer::new()
        .render(
            "<svg",
            &RenderOptions {
                width: 10,
                height: 10,
                background: None,
            },
        )
        .unwrap_err()
        .reason();
    assert_eq!(
        server.render("", "<svg").refusal(),
        (422, parse_error.as_str())
    );
    assert_eq!(
        server.render("?width=wide", CHART_SVG).refusal(),
        (400, "width \"wide\" is not a whole number")
    );
    assert_eq!(
        server.render("?scale=2", CHART_SVG).refusal(),
        (400, "unknown query parameter \"scale\"")
    );
    assert_eq!(
        server.render("?width=5000", CHART_SVG).refusal(),
        (413, "width 5000 is outside 1..=4096")
    );
    assert_eq!(
        server.render("?background=teal", CHART_SVG).refusal(),
        (
            422,
            "background \"teal\" is not #rgb, #rrggbb, #rrggbbaa, white, black or transparent"
        )
    );
    let json = ("content-type", "application/json");
    assert_eq!(
        server
            .request("POST", "/render", &[json], CHART_SVG)
            .refusal(),
        (
            415,
            "content type \"application/json\" is not image/svg+xml or text"
        )
    );
    let wrong_method = server.request("GET", "/render", &[], "");
    assert_eq!(wrong_method.refusal(), (405, "method not allowed"));
    assert_eq!(wrong_method.header("allow"), Some("POST"));
    assert_eq!(
        server.request("GET", "/nope", &[], "").refusal(),
        (404, "not found")
    );
}

#[test]
fn bodies_over_the_cap_are_refused_unread() {
    let server = Server::start(Config {
        limits: Limits {
            max_svg_bytes: 1024,
            ..Limits::default()
        },
        ..Config::default()
    });
    // No body follows: a server that tried to read it would never answer.
    let declared = server.raw("POST /render HTTP/1.1\r\nContent-Length: 10000000", b"");
    assert_eq!(
        declared.refusal(),
        (413, "SVG is 10000000 bytes, the cap is 1024")
    );
    let chunk = format!("320\r\n{}\r\n", " ".repeat(0x320));
    let streamed = server.raw(
        "POST /render HTTP/1.1\r\nTransfer-Encoding: chunked",
        format!("{chunk}{chunk}0\r\n\r\n").as_bytes(),
    );
    assert_eq!(
        streamed.refusal(),
        (413, "SVG is over the cap of 1024 bytes")
    );
}

#[test]
fn a_render_over_its_time_cap_is_unavailable() {
    let server = Server::start(Config {
        limits: Limits {
            time: Duration::ZERO,
            ..Limits::default()
        },
        ..Config::default()
    });
    assert_eq!(
        server.render("", CHART_SVG).refusal(),
        (503, "render timed out")
    );
}

#[test]
fn health_and_counted_metrics() {
    let server = Server::start(Config::default());
    let health = server.request("GET", "/healthz", &[], "");
    assert_eq!((health.status, health.text()), (200, "ok\n"));

    let png = server.render("?width=300&height=100", CHART_SVG);
    assert_eq!(png.status, 200);
    assert_eq!(server.render("", "<svg").status, 422);
    assert_eq!(server.render("?width=x", "").status, 400);

    let metrics = server.request("GET", "/metrics", &[], "");
    assert_eq!(metrics.status, 200);
    let text = metrics.text();
    for line in [
        "alertgraph_renderer_renders_total{outcome=\"ok\"} 1".to_owned(),
        "alertgraph_renderer_renders_total{outcome=\"invalid_svg\"} 1".to_owned(),
        "alertgraph_renderer_renders_total{outcome=\"bad_request\"} 1".to_owned(),
        "alertgraph_renderer_renders_total{outcome=\"timeout\"} 0".to_owned(),
        // The bad query never reached the renderer.
        "alertgraph_renderer_render_duration_seconds_count 2".to_owned(),
        format!("alertgraph_renderer_png_bytes_total {}", png.body.len()),
    ] {
        assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
    }
}
