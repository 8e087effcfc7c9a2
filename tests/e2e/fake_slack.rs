//! A fake Slack Web API on 127.0.0.1: it checks the bearer token, refuses what Slack refuses
//! (`invalid_blocks` past the Block Kit limits, unknown messages), answers Slack-shaped JSON,
//! records every call, and can be told to answer 429 + Retry-After or a 5xx next, to be down
//! (every call a 503), or to answer 429s and 5xx at random. File uploads follow Slack's
//! external flow: an upload URL on this server, then completion into a thread or nowhere. An
//! image block may name a completed PNG upload (`slack_file`); the first use of such a file is
//! refused as Slack refuses a file it has not processed yet, unless told otherwise.

use crate::support::{Server, TempDir};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One Web API call as the fake received it.
#[derive(Clone, Debug)]
pub struct Call {
    /// e.g. `chat.postMessage`.
    pub method: String,
    pub body: Value,
    /// What the fake answered: Slack's `ok`, and the whole JSON.
    pub ok: bool,
    pub answer: Value,
    pub at: Instant,
}

impl Call {
    /// Whether Slack took this call of `method`.
    pub fn accepted(&self, method: &str) -> bool {
        self.ok && self.method == method
    }
}

/// How many of `calls` were of `method` and taken by Slack.
pub fn accepted_count(calls: &[Call], method: &str) -> usize {
    calls.iter().filter(|c| c.accepted(method)).count()
}

/// An answer to give instead of the normal one, in order.
pub enum Scripted {
    RateLimited {
        retry_after_secs: u32,
    },
    Status(u16),
    /// HTTP 200 with `ok: false` and this error, e.g. `missing_scope`.
    Error(&'static str),
    /// 503 with a `Retry-After`, as a proxy in front of Slack may answer.
    Unavailable {
        retry_after_secs: u32,
    },
    /// Do the work, then close the connection without answering (a lost answer).
    LoseAnswer,
    /// Answer normally, but only after this long.
    Slow(Duration),
}

#[derive(Default)]
struct State {
    calls: Vec<Call>,
    /// Answers to give next, each for one channel or (None) for any call.
    script: VecDeque<(Option<String>, Scripted)>,
    /// channel name → id, as Slack answers ids.
    channels: HashMap<String, String>,
    /// (channel id, ts) → the message as last posted or updated.
    messages: HashMap<(String, String), Value>,
    next_ts: u64,
    /// file id → (announced length, bytes once uploaded).
    pending_files: HashMap<String, (usize, Option<Vec<u8>>)>,
    files: Vec<SharedFile>,
    /// Completed uploads, into a thread or nowhere: file id → whether the bytes are a PNG.
    completed: HashMap<String, bool>,
    /// Files an image block has shown in a message Slack took.
    shown: HashSet<String>,
    /// How many more blocks naming a file not shown yet are refused as not processed yet.
    not_ready_refusals: usize,
    /// Where upload URLs point.
    addr: Option<SocketAddr>,
    /// Slack is down: every Web API call gets a 503.
    down: bool,
    /// Errors every call (key None) or every call about one channel gets, until lifted.
    refusals: HashMap<Option<String>, &'static str>,
    faults: Option<RandomFaults>,
    injected: Injected,
    /// How long every call waits before its answer.
    latency: Duration,
    /// Calls being answered now, and the most there ever were at once.
    in_flight: usize,
    max_in_flight: usize,
}

/// Calls answered with a fault instead of their normal answer, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Injected {
    pub rate_limited: u64,
    pub server_errors: u64,
    /// 503s while down.
    pub down: u64,
}

/// Per mille of Web API calls answered 429 (Retry-After: 1) or a 5xx, drawn from a seeded
/// xorshift generator so a failing run can be repeated.
struct RandomFaults {
    state: u64,
    rate_limited_per_mille: u64,
    server_errors_per_mille: u64,
}

impl RandomFaults {
    fn next(&mut self) -> u64 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        self.state
    }

    /// The fault this call gets, if any: (status, extra headers).
    fn roll(&mut self, injected: &mut Injected) -> Option<(u16, Vec<(&'static str, String)>)> {
        let dice = self.next() % 1000;
        if dice < self.rate_limited_per_mille {
            injected.rate_limited += 1;
            return Some((429, vec![("retry-after", "1".to_string())]));
        }
        if dice < self.rate_limited_per_mille + self.server_errors_per_mille {
            injected.server_errors += 1;
            let status = [500, 502, 503, 504][(self.next() % 4) as usize];
            return Some((status, vec![]));
        }
        None
    }
}

/// A file completed into a channel's thread.
#[derive(Clone, Debug)]
pub struct SharedFile {
    pub channel: String,
    pub thread_ts: String,
    pub title: String,
    pub bytes: Vec<u8>,
}

pub struct FakeSlack {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl FakeSlack {
    pub fn start(token: &str) -> FakeSlack {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State {
            addr: Some(addr),
            not_ready_refusals: 1,
            ..State::default()
        }));
        let token = token.to_string();
        {
            let state = state.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming().map_while(Result::ok) {
                    let state = state.clone();
                    let token = token.clone();
                    std::thread::spawn(move || serve(stream, &state, &token));
                }
            });
        }
        FakeSlack { addr, state }
    }

    pub fn api_url(&self) -> String {
        format!("http://{}/api", self.addr)
    }

    /// alertgraph posting here as `token`, draining every second; `extra` adds settings or
    /// overrides these.
    pub fn alertgraph(&self, dir: &TempDir, token: &str, extra: &[(&str, &str)]) -> Server {
        let api_url = self.api_url();
        let mut env = vec![
            ("SLACK_API_URL", api_url.as_str()),
            ("SLACK_BOT_TOKEN", token),
            ("DRAIN_INTERVAL_SECS", "1"),
        ];
        env.extend_from_slice(extra);
        Server::start(&dir.0, &env)
    }

    /// The next `times` image blocks naming a file no message has shown yet are refused
    /// (`invalid_blocks`), as Slack refuses a file it has not processed yet.
    pub fn refuse_fresh_files(&self, times: usize) {
        self.state.lock().unwrap().not_ready_refusals = times;
    }

    /// Whether `file_id` is an upload completed with PNG bytes.
    pub fn is_completed_png(&self, file_id: &str) -> bool {
        self.state.lock().unwrap().completed.get(file_id) == Some(&true)
    }

    /// The id Slack gives the channel called `name`.
    pub fn channel_id(&self, name: &str) -> String {
        channel_id_of(&mut self.state.lock().unwrap(), name)
    }

    /// The next call gets `answer` instead of the normal one.
    pub fn push(&self, answer: Scripted) {
        self.state.lock().unwrap().script.push_back((None, answer));
    }

    /// The next call for `channel` gets `answer`.
    pub fn push_for(&self, channel: &str, answer: Scripted) {
        let mut state = self.state.lock().unwrap();
        state.script.push_back((Some(channel.to_string()), answer));
    }

    /// While `down`, every Web API call is answered 503, as in a Slack outage.
    pub fn set_down(&self, down: bool) {
        self.state.lock().unwrap().down = down;
    }

    /// Until lifted (`error` None), every Web API call about `channel` (None: every call)
    /// gets HTTP 200 with `ok: false` and `error`, e.g. a revoked token's `token_revoked`.
    pub fn set_refusing(&self, channel: Option<&str>, error: Option<&'static str>) {
        let mut state = self.state.lock().unwrap();
        let key = channel.map(str::to_owned);
        match error {
            Some(error) => state.refusals.insert(key, error),
            None => state.refusals.remove(&key),
        };
    }

    /// From now on, answer about `rate_limited` per mille of calls with a 429 and
    /// `server_errors` per mille with a 5xx, at random (seeded by `seed`).
    pub fn inject_random_faults(&self, seed: u64, rate_limited: u64, server_errors: u64) {
        self.state.lock().unwrap().faults = Some(RandomFaults {
            state: seed | 1,
            rate_limited_per_mille: rate_limited,
            server_errors_per_mille: server_errors,
        });
    }

    /// From now on, every call is answered only after `latency`.
    pub fn set_latency(&self, latency: Duration) {
        self.state.lock().unwrap().latency = latency;
    }

    /// The most calls that were ever being answered at the same time.
    /// Calls received and not yet answered.
    pub fn in_flight(&self) -> usize {
        self.state.lock().unwrap().in_flight
    }

    pub fn max_in_flight(&self) -> usize {
        self.state.lock().unwrap().max_in_flight
    }

    /// Every message as last posted or updated.
    pub fn messages(&self) -> Vec<Value> {
        self.state
            .lock()
            .unwrap()
            .messages
            .values()
            .cloned()
            .collect()
    }

    /// The faults answered so far.
    pub fn injected(&self) -> Injected {
        self.state.lock().unwrap().injected
    }

    /// Files completed into threads, in order.
    pub fn files(&self) -> Vec<SharedFile> {
        self.state.lock().unwrap().files.clone()
    }

    pub fn calls(&self) -> Vec<Call> {
        self.state.lock().unwrap().calls.clone()
    }

    /// The calls of `method` Slack accepted.
    pub fn accepted(&self, method: &str) -> Vec<Value> {
        self.calls()
            .into_iter()
            .filter(|c| c.accepted(method))
            .map(|c| c.body)
            .collect()
    }

    /// Waits until `done` holds for the calls so far; panics with them after `limit`.
    pub fn wait_until(&self, limit: Duration, done: impl Fn(&[Call]) -> bool) -> Vec<Call> {
        let started = Instant::now();
        loop {
            let calls = self.calls();
            if done(&calls) {
                return calls;
            }
            assert!(started.elapsed() < limit, "Slack calls so far: {calls:#?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>, token: &str) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    // One request after another on the same connection, until the client closes it.
    while let Some((path, headers, body)) = read_request(&mut reader) {
        let latency = {
            let mut state = state.lock().unwrap();
            state.in_flight += 1;
            state.max_in_flight = state.max_in_flight.max(state.in_flight);
            state.latency
        };
        std::thread::sleep(latency);
        let answered = answer(state, token, &path, &headers, &body);
        state.lock().unwrap().in_flight -= 1;
        let Some((status, extra, answer)) = answered else {
            return;
        };
        let body = answer.to_string();
        let mut head = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: {}\r\n",
            body.len()
        );
        for (k, v) in extra {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        if writer.write_all(head.as_bytes()).is_err() || writer.write_all(body.as_bytes()).is_err()
        {
            return;
        }
    }
}

type Headers = HashMap<String, String>;

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, Headers, Vec<u8>)> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let path = line.split_whitespace().nth(1)?.to_string();
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (k, v) = line.split_once(':')?;
        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
    }
    let chunked = headers
        .get("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    let body = if chunked {
        read_chunked(reader)?
    } else {
        let length: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        reader.read_exact(&mut body).ok()?;
        body
    };
    Some((path, headers, body))
}

fn read_chunked(reader: &mut BufReader<TcpStream>) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size).ok()?;
        let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
        let mut chunk = vec![0; size + 2];
        reader.read_exact(&mut chunk).ok()?;
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(&chunk[..size]);
    }
}

type Answer = (u16, Vec<(&'static str, String)>, Value);

/// The answer to one request; None: close the connection without one.
fn answer(
    shared: &Mutex<State>,
    token: &str,
    path: &str,
    headers: &Headers,
    body: &[u8],
) -> Option<Answer> {
    // When the request arrived, before waiting for the state's lock.
    let arrived = Instant::now();
    let full_path = path;
    if let Some(file_id) = path.strip_prefix("/upload/") {
        return Some(upload(shared, file_id, body));
    }
    let path = path.trim_start_matches("/api/");
    let (method, query) = path.split_once('?').unwrap_or((path, ""));
    let method = method.to_string();
    let form = headers
        .get("content-type")
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    let parsed: Value = if form {
        form_fields(&String::from_utf8_lossy(body))
    } else if query.is_empty() {
        serde_json::from_slice(body).unwrap_or(Value::Null)
    } else {
        // GET methods take form-style parameters.
        form_fields(query)
    };
    let mut state = shared.lock().unwrap();
    let record = |state: &mut State, answer: &Value| {
        state.calls.push(Call {
            method: method.clone(),
            body: parsed.clone(),
            ok: answer["ok"] == true,
            answer: answer.clone(),
            at: arrived,
        })
    };
    if state.down {
        state.injected.down += 1;
        let answer = json!({"ok": false, "error": "service_unavailable"});
        record(&mut state, &answer);
        return Some((503, vec![], answer));
    }
    let channel = parsed["channel"].as_str().map(str::to_owned);
    let refusal = state
        .refusals
        .get(&None)
        .or_else(|| state.refusals.get(&channel));
    if let Some(error) = refusal.copied() {
        let answer = json!({"ok": false, "error": error});
        record(&mut state, &answer);
        return Some((200, vec![], answer));
    }
    let state_ref = &mut *state;
    if let Some(faults) = state_ref.faults.as_mut() {
        if let Some((status, headers)) = faults.roll(&mut state_ref.injected) {
            let answer = json!({"ok": false, "error": "fatal_error"});
            record(&mut state, &answer);
            return Some((status, headers, answer));
        }
    }
    let channel = parsed["channel"].as_str().unwrap_or_default();
    let scripted = state
        .script
        .iter()
        .position(|(only, _)| only.as_deref().is_none_or(|c| c == channel))
        .and_then(|i| state.script.remove(i));
    if let Some((_, Scripted::Slow(delay))) = scripted {
        // Only this answer waits: other connections go on meanwhile.
        drop(state);
        std::thread::sleep(delay);
        return answer(shared, token, full_path, headers, body);
    }
    let lose_answer = matches!(scripted, Some((_, Scripted::LoseAnswer)));
    if let Some((_, scripted)) = scripted.filter(|_| !lose_answer) {
        record(&mut state, &json!({"ok": false}));
        return Some(match scripted {
            Scripted::RateLimited { retry_after_secs } => (
                429,
                vec![("retry-after", retry_after_secs.to_string())],
                json!({"ok": false, "error": "ratelimited"}),
            ),
            Scripted::Status(status) => {
                (status, vec![], json!({"ok": false, "error": "fatal_error"}))
            }
            Scripted::Error(error) => (200, vec![], json!({"ok": false, "error": error})),
            Scripted::Unavailable { retry_after_secs } => (
                503,
                vec![("retry-after", retry_after_secs.to_string())],
                json!({"ok": false, "error": "service_unavailable"}),
            ),
            Scripted::LoseAnswer | Scripted::Slow(_) => unreachable!("handled above and below"),
        });
    }
    let result = if headers.get("authorization") != Some(&format!("Bearer {token}")) {
        Err("invalid_auth")
    } else if parsed.is_null() {
        Err("invalid_json")
    } else {
        match method.as_str() {
            "chat.postMessage" => post(&mut state, &parsed),
            "chat.update" => update(&mut state, &parsed),
            "conversations.history" => history(&state, &parsed),
            "files.getUploadURLExternal" => upload_url(&mut state, &parsed),
            "files.completeUploadExternal" => complete_upload(&mut state, &parsed),
            "chat.postEphemeral" => ephemeral(&state, &parsed),
            "chat.getPermalink" => permalink(&state, &parsed),
            _ => Err("unknown_method"),
        }
    };
    let answer = match result {
        Ok(answer) => answer,
        Err(error) => json!({"ok": false, "error": error}),
    };
    record(&mut state, &answer);
    if lose_answer {
        return None;
    }
    Some((200, vec![], answer))
}

/// `a=1&b=%20x` as a JSON object of strings.
fn form_fields(body: &str) -> Value {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_string(), Value::String(percent_decode(v))))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => out.push(b),
                    Err(_) => out.extend_from_slice(&bytes[i..i + 3]),
                }
                i += 3;
                continue;
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `files.getUploadURLExternal`: a one-time URL on this server for `length` bytes.
fn upload_url(state: &mut State, query: &Value) -> Result<Value, &'static str> {
    query["filename"]
        .as_str()
        .filter(|f| !f.is_empty())
        .ok_or("invalid_arguments")?;
    let length: usize = query["length"]
        .as_str()
        .and_then(|v| v.parse().ok())
        .ok_or("invalid_arguments")?;
    // Completed files stay counted, so an id is never given twice.
    let file_id = format!(
        "F{:08}",
        state.pending_files.len() + state.completed.len() + 1
    );
    state.pending_files.insert(file_id.clone(), (length, None));
    let url = format!(
        "http://{}/upload/{file_id}",
        state.addr.expect("set at start")
    );
    Ok(json!({"ok": true, "file_id": file_id, "upload_url": url}))
}

/// The upload itself: the bytes must match the announced length.
fn upload(shared: &Mutex<State>, file_id: &str, body: &[u8]) -> Answer {
    let mut state = shared.lock().unwrap();
    state.calls.push(Call {
        method: "upload".into(),
        body: json!({"file_id": file_id, "bytes": body.len()}),
        ok: true,
        answer: json!("OK"),
        at: Instant::now(),
    });
    match state.pending_files.get_mut(file_id) {
        Some((length, bytes @ None)) if *length == body.len() => {
            *bytes = Some(body.to_vec());
            (200, vec![], json!("OK"))
        }
        _ => (400, vec![], json!("bad upload")),
    }
}

/// `files.completeUploadExternal`: completes uploaded files, shared into a thread when a
/// channel is given, else nowhere (for image blocks to show).
fn complete_upload(state: &mut State, query: &Value) -> Result<Value, &'static str> {
    let files: Value = query["files"]
        .as_str()
        .and_then(|f| serde_json::from_str(f).ok())
        .ok_or("invalid_arguments")?;
    let thread = match query["channel_id"].as_str() {
        Some(channel) => {
            let thread_ts = query["thread_ts"].as_str().ok_or("invalid_arguments")?;
            let thread = (channel.to_string(), thread_ts.to_string());
            if !state.messages.contains_key(&thread) {
                return Err("thread_not_found");
            }
            Some(thread)
        }
        None => None,
    };
    let empty = vec![];
    for file in files.as_array().unwrap_or(&empty) {
        let id = file["id"].as_str().ok_or("invalid_arguments")?;
        let Some((_, Some(bytes))) = state.pending_files.remove(id) else {
            return Err("file_not_found");
        };
        let png = bytes.starts_with(b"\x89PNG\r\n\x1a\n");
        state.completed.insert(id.to_string(), png);
        if let Some((channel, thread_ts)) = &thread {
            state.files.push(SharedFile {
                channel: channel.clone(),
                thread_ts: thread_ts.clone(),
                title: file["title"].as_str().unwrap_or_default().to_string(),
                bytes,
            });
        }
    }
    Ok(json!({"ok": true, "files": files}))
}

/// Messages of a channel (by id) since `oldest`, newest first, with their metadata.
fn history(state: &State, query: &Value) -> Result<Value, &'static str> {
    let channel = query["channel"].as_str().ok_or("channel_not_found")?;
    let oldest: f64 = query["oldest"]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    let mut found: Vec<(f64, Value)> = state
        .messages
        .iter()
        .filter(|((c, _), _)| c == channel)
        .filter_map(|((_, ts), message)| {
            let at: f64 = ts.parse().ok()?;
            (at >= oldest).then(|| {
                (
                    at,
                    json!({"ts": ts, "text": message["text"], "metadata": message["metadata"]}),
                )
            })
        })
        .collect();
    found.sort_by(|a, b| b.0.total_cmp(&a.0));
    let messages: Vec<Value> = found.into_iter().map(|(_, m)| m).collect();
    Ok(json!({"ok": true, "messages": messages, "has_more": false}))
}

/// The id of the channel called `name`, made up on first use like `C00000001`.
fn channel_id_of(state: &mut State, name: &str) -> String {
    let next_id = format!("C{:08}", state.channels.len() + 1);
    state
        .channels
        .entry(name.to_string())
        .or_insert(next_id)
        .clone()
}

fn post(state: &mut State, message: &Value) -> Result<Value, &'static str> {
    let name = message["channel"]
        .as_str()
        .filter(|c| !c.is_empty())
        .ok_or("channel_not_found")?;
    check_blocks(state, message)?;
    // Slack takes a channel's name or its id.
    let channel = if state.channels.values().any(|id| id == name) {
        name.to_string()
    } else {
        channel_id_of(state, name)
    };
    if let Some(thread) = message["thread_ts"].as_str() {
        if !state
            .messages
            .contains_key(&(channel.clone(), thread.to_string()))
        {
            return Err("thread_not_found");
        }
    }
    state.next_ts += 1;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let ts = format!("{now}.{:06}", state.next_ts);
    state
        .messages
        .insert((channel.clone(), ts.clone()), message.clone());
    Ok(json!({"ok": true, "channel": channel, "ts": ts, "message": message}))
}

/// `chat.postEphemeral`: a note for one user, in a channel (by id) and thread that exist.
fn ephemeral(state: &State, note: &Value) -> Result<Value, &'static str> {
    let channel = note["channel"].as_str().unwrap_or_default();
    if !state.channels.values().any(|id| id == channel) {
        return Err("channel_not_found");
    }
    note["user"]
        .as_str()
        .filter(|u| !u.is_empty())
        .ok_or("user_not_in_channel")?;
    note["text"]
        .as_str()
        .filter(|t| !t.is_empty())
        .ok_or("no_text")?;
    if let Some(thread) = note["thread_ts"].as_str() {
        let key = (channel.to_string(), thread.to_string());
        if !state.messages.contains_key(&key) {
            return Err("thread_not_found");
        }
    }
    Ok(json!({"ok": true, "message_ts": format!("{}.000001", state.next_ts)}))
}

/// `chat.getPermalink`: a link to a message that exists.
fn permalink(state: &State, query: &Value) -> Result<Value, &'static str> {
    let channel = query["channel"].as_str().unwrap_or_default();
    let ts = query["message_ts"].as_str().unwrap_or_default();
    if !state
        .messages
        .contains_key(&(channel.to_string(), ts.to_string()))
    {
        return Err("message_not_found");
    }
    let link = format!(
        "http://{}/archives/{channel}/p{}",
        state.addr.expect("set at start"),
        ts.replace('.', "")
    );
    Ok(json!({"ok": true, "channel": channel, "permalink": link}))
}

fn update(state: &mut State, message: &Value) -> Result<Value, &'static str> {
    let channel = message["channel"]
        .as_str()
        .ok_or("channel_not_found")?
        .to_string();
    let ts = message["ts"]
        .as_str()
        .ok_or("message_not_found")?
        .to_string();
    check_blocks(state, message)?;
    let slot = state
        .messages
        .get_mut(&(channel.clone(), ts.clone()))
        .ok_or("message_not_found")?;
    *slot = message.clone();
    Ok(json!({"ok": true, "channel": channel, "ts": ts}))
}

/// The Block Kit limits Slack enforces with `invalid_blocks` (or `msg_too_long`), and the
/// files image blocks name.
fn check_blocks(state: &mut State, message: &Value) -> Result<(), &'static str> {
    let chars = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    if chars(&message["text"]) > 40_000 {
        return Err("msg_too_long");
    }
    let empty = vec![];
    for attachment in message["attachments"].as_array().unwrap_or(&empty) {
        let blocks = attachment["blocks"].as_array().unwrap_or(&empty);
        if blocks.len() > 50 {
            return Err("invalid_blocks");
        }
        for block in blocks {
            let ok = match block["type"].as_str() {
                Some("header") => chars(&block["text"]["text"]) <= 150,
                Some("section") => {
                    let fields = block["fields"].as_array().unwrap_or(&empty);
                    chars(&block["text"]["text"]) <= 3000
                        && fields.len() <= 10
                        && fields.iter().all(|f| chars(&f["text"]) <= 2000)
                }
                Some("image") if block.get("slack_file").is_some() => {
                    chars(&block["alt_text"]) <= 2000
                        && block.get("image_url").is_none()
                        && shows_processed_file(state, &block["slack_file"]["id"])
                }
                Some("image") => {
                    chars(&block["alt_text"]) <= 2000 && chars(&block["image_url"]) <= 3000
                }
                Some("context") | Some("actions") => true,
                _ => false,
            };
            if !ok {
                return Err("invalid_blocks");
            }
        }
    }
    Ok(())
}

/// Whether an image block may show the file `id`: a completed PNG upload, and not one of the
/// fresh files to refuse as not processed yet.
fn shows_processed_file(state: &mut State, id: &Value) -> bool {
    let Some(id) = id.as_str() else { return false };
    if state.completed.get(id) != Some(&true) {
        return false;
    }
    if !state.shown.contains(id) && state.not_ready_refusals > 0 {
        state.not_ready_refusals -= 1;
        return false;
    }
    state.shown.insert(id.to_string());
    true
}
